#!/bin/bash
# Reads the benches' output on stdin, keeps their BENCH rows
#   BENCH|bench|figure|value|baseline|baseline value|ratio|target|met
# and prints them as one aligned table, then how many targets were met. Rows whose target is "-"
# show growth only and are not counted. Then the VM bench's per-call account, its ACCOUNT rows
#   ACCOUNT|call|calls|in l2vlan|lock wait|kernel|state write|probe|rest
# (each block opened by a row whose third cell is "calls"), aligned the same way. Everything else (the
# benches' human lines) is dropped.
#   usage: { tests/bench/startup.sh ...; ...; } | tests/bench/table.sh
set -euo pipefail
awk -F'|' '
    $1 == "BENCH" && NF == 9 { n++; for (i = 2; i <= 9; i++) { cell[n, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
    $1 == "ACCOUNT" && NF == 9 { m++; for (i = 2; i <= 9; i++) { acc[m, i] = $i; if (length($i) > aw[i]) aw[i] = length($i) } }
    END {
        split("bench|figure|value|baseline|baseline value|ratio|target|met", head, "|")
        for (i = 2; i <= 9; i++) if (length(head[i - 1]) > w[i]) w[i] = length(head[i - 1])
        line = ""
        for (i = 2; i <= 9; i++) line = line sprintf("%-" w[i] "s  ", head[i - 1])
        print line
        line = ""
        for (i = 2; i <= 9; i++) { d = sprintf("%" w[i] "s", ""); gsub(/ /, "-", d); line = line d "  " }
        print line
        for (r = 1; r <= n; r++) {
            line = ""
            for (i = 2; i <= 9; i++) line = line sprintf((i == 4 || i == 6 || i == 7) ? "%" w[i] "s  " : "%-" w[i] "s  ", cell[r, i])
            print line
            if (cell[r, 9] == "met") met++; else if (cell[r, 9] == "NOT met") notmet++
        }
        printf "\n%d rows: %d met, %d NOT met\n", n, met, notmet
        for (r = 1; r <= m; r++) {
            if (acc[r, 3] == "calls") print ""
            line = ""
            for (i = 2; i <= 9; i++) line = line sprintf(i == 2 ? "%-" aw[i] "s  " : "%" aw[i] "s  ", acc[r, i])
            print line
        }
    }' | sed 's/ *$//'
