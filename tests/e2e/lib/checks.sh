# Assertions for scenario scripts (sourced). A failed check is recorded and the
# scenario goes on, so one run reports every failure: do not `set -e` in scenarios.
#   check DESC COMMAND...                  passes if COMMAND exits 0
#   check_eq DESC EXPECTED ACTUAL
#   check_fails [--grep REGEX] DESC COMMAND...
#                                          passes if COMMAND fails (and its output matches REGEX)
#   skip DESC REASON
#   section TITLE
#   finish                                 prints "e2e <scenario>: N passed, N failed[, N skipped]",
#                                          writes $E2E_OUT/<scenario>.result, exits 0 or 1

E2E_SCENARIO=${E2E_SCENARIO:-$(basename "$0" .sh)}
E2E_OUT=${E2E_OUT:-/e2e-out}
_e2e_n=0 _e2e_passed=0 _e2e_failed=0 _e2e_skipped=0
_e2e_failures=()
_e2e_failure_details=()

_e2e_indent() { sed -e 's/^/    /'; }

_e2e_ok() {
    _e2e_n=$((_e2e_n + 1)) _e2e_passed=$((_e2e_passed + 1))
    echo "ok $_e2e_n - $1"
}

# $1 description, $2 details shown indented under the line
_e2e_not_ok() {
    _e2e_n=$((_e2e_n + 1)) _e2e_failed=$((_e2e_failed + 1))
    _e2e_failures+=("$_e2e_n - $1")
    # CI shows only the end of the log: the first lines of each failure's details go to the
    # result file, and run-vm.sh repeats them in its closing summary.
    _e2e_failure_details+=("${2:+$(printf '%s\n' "$2" | head -n 5 | cut -c1-200 | sed 's/^/detail=/')}")
    echo "not ok $_e2e_n - $1"
    [ -z "$2" ] || printf '%s\n' "$2" | _e2e_indent
}

check() {
    local desc=$1 out rc
    shift
    out=$("$@" 2>&1) && rc=0 || rc=$?
    if [ "$rc" -eq 0 ]; then
        _e2e_ok "$desc"
    else
        _e2e_not_ok "$desc" "\$ $*"$'\n'"$out"$'\n'"(exit $rc)"
    fi
}

check_eq() {
    if [ "$2" = "$3" ]; then
        _e2e_ok "$1"
    else
        _e2e_not_ok "$1" "expected: $2"$'\n'"actual:   $3"
    fi
}

check_fails() {
    local pattern= desc out rc
    if [ "$1" = --grep ]; then pattern=$2; shift 2; fi
    desc=$1
    shift
    out=$("$@" 2>&1) && rc=0 || rc=$?
    if [ "$rc" -eq 0 ]; then
        _e2e_not_ok "$desc" "\$ $*"$'\n'"$out"$'\n'"(exit 0, expected a failure)"
    elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" <<<"$out"; then
        _e2e_not_ok "$desc" "\$ $*"$'\n'"$out"$'\n'"(exit $rc as expected, but the output does not match /$pattern/)"
    else
        _e2e_ok "$desc"
    fi
}

skip() {
    _e2e_n=$((_e2e_n + 1)) _e2e_skipped=$((_e2e_skipped + 1))
    echo "ok $_e2e_n - $1 # SKIP $2"
}

# Each section's start also goes to $E2E_OUT/timing, from which run-vm.sh tells setup from scenario.
section() {
    echo
    echo "# --- $* ---"
    [ ! -d "$E2E_OUT" ] || echo "section $(date +%s.%N) $*" >>"$E2E_OUT/timing"
}

# Free-form lines that are not checks (measurements, recorded facts).
note() {
    echo "# $*"
}

finish() {
    local line="e2e $E2E_SCENARIO: $_e2e_passed passed, $_e2e_failed failed"
    [ "$_e2e_skipped" -eq 0 ] || line="$line, $_e2e_skipped skipped"
    echo
    if [ "$_e2e_failed" -gt 0 ]; then
        echo "# failed checks:"
        printf '#   not ok %s\n' "${_e2e_failures[@]}"
    fi
    echo "$line"
    if [ -d "$E2E_OUT" ]; then
        {
            echo "scenario=$E2E_SCENARIO"
            echo "passed=$_e2e_passed"
            echo "failed=$_e2e_failed"
            echo "skipped=$_e2e_skipped"
            local i
            for i in "${!_e2e_failures[@]}"; do
                echo "failure=${_e2e_failures[$i]}"
                [ -z "${_e2e_failure_details[$i]}" ] || printf '%s\n' "${_e2e_failure_details[$i]}"
            done
            echo "summary=$line"
        } >"$E2E_OUT/$E2E_SCENARIO.result"
    fi
    [ "$_e2e_failed" -eq 0 ]
    exit
}
