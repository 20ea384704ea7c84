#!/bin/bash
# The arm64 executable's smoke test on an amd64 machine: it runs under qemu-user (qemu-aarch64, with the
# arm64 C library of Debian's multiarch sysroot) in a private network namespace, with a private state folder,
# and is driven through its socket as Docker drives it. What differs between architectures is what it checks:
# open(2)'s flags (a folder synced after each rename must be opened with arm64's O_DIRECTORY), statx's layout,
# the mode argument of a variadic open, flock, socket options and netlink's structures.
#   usage: tests/arm64/smoke.sh ARM64_EXECUTABLE
# Prints one PASS or FAIL line per check, then "arm64-smoke: N passed, N failed"; exits non-zero on a failure.
# Runs as root (the namespace and its links). Needs qemu-user, libc6:arm64, curl and jq.
set -uo pipefail

if [ "${L2VLAN_SMOKE_NAMESPACE:-}" != 1 ]; then
    [ $# -eq 1 ] || { echo "usage: $0 ARM64_EXECUTABLE" >&2; exit 2; }
    bin=$(realpath "$1") || exit 2
    for tool in qemu-aarch64 curl jq ip unshare; do
        command -v "$tool" >/dev/null || { echo "arm64-smoke: FAIL: $tool is not installed (make deps installs it)" >&2; exit 2; }
    done
    exec env L2VLAN_SMOKE_NAMESPACE=1 unshare -n "$0" "$bin"
fi

bin=$1
work=$(mktemp -d /var/tmp/l2vlan-arm64-smoke.XXXXXX)
state=$work/state
sock=$work/l2vlan.sock
passed=0 failed=0 pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    if [ "$failed" -eq 0 ]; then rm -rf "$work"; else echo "arm64-smoke: kept $work (logs, strace, state)"; fi
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# check NAME COMMAND...: PASS when the command succeeds.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

arm64() { qemu-aarch64 "$bin" "$@"; }
call() { curl -s --max-time 60 --unix-socket "$sock" -X POST "http://plugin/$1" -d "$2"; }
# start LOG [strace file]: serve in the background; true once Plugin.Activate answers.
start() {
    local log=$1 trace=${2:-/dev/null} i
    if [ "$trace" != /dev/null ]; then
        QEMU_STRACE=1 qemu-aarch64 "$bin" serve --socket "$sock" --state-dir "$state" >"$log" 2>"$trace" &
    else
        qemu-aarch64 "$bin" serve --socket "$sock" --state-dir "$state" >"$log" 2>&1 &
    fi
    pid=$!
    for i in $(seq 600); do
        call Plugin.Activate '' 2>/dev/null | jq -e '.Implements | index("IpamDriver")' >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# stop: SIGTERM, as systemd stops the service; true when it exits with status 0.
stop() { local rc; kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""; return $rc; }
# The response's field, or "" (a refusal has Err instead).
field() { jq -r ".$1 // empty" 2>/dev/null; }
status_json() { arm64 status --json --state-dir "$state"; }
not_held() { status_json | jq -e --arg a "$1" '[.pools[].allocations[].address] | index($a) == null' >/dev/null; }

echo "arm64-smoke: $bin under $(qemu-aarch64 --version | head -1), state in $state"

# The file is an arm64 executable (ELF e_machine 183, EM_AARCH64), not the host's.
check "the executable is an arm64 ELF file" test "$(od -An -tu2 -j18 -N2 "$bin" | tr -d ' ')" = 183
version=$(arm64 --version 2>&1)
check "l2vlan --version under qemu-user: $version" grep -Eq '^[0-9]+\.[0-9]+' <<<"$version"

# A stand-in for the host NIC: a veth (the build machine's kernel may lack dummy and 802.1Q links).
ip link add ext0 type veth peer name ext0p
ip link set lo up

if ! start "$work/serve1.log" "$work/strace1.txt"; then
    fail "serve answers Plugin.Activate on its socket"
    sed 's/^/  | /' "$work/serve1.log" | tail -20
    echo "arm64-smoke: $passed passed, $failed failed"; exit 1
fi
pass "serve answers Plugin.Activate on its socket"

# open(2) with O_CREAT passes the mode as a variadic argument; flock's LOCK_EX|LOCK_NB.
check "serve.lock made with mode 600" test "$(stat -c %a "$state/serve.lock")" = 600
other=$(timeout 120 qemu-aarch64 "$bin" serve --socket "$work/other.sock" --state-dir "$state" 2>&1)
check "a second serve on the same state folder is refused (flock)" grep -q "another l2vlan serve holds" <<<"$other"

pool=$(call IpamDriver.RequestPool '{"AddressSpace":"LocalDefault","Pool":"10.77.0.0/24","SubPool":"","Options":{},"V6":false}' | field PoolID)
check "RequestPool 10.77.0.0/24: PoolID $pool" test -n "$pool"
pool6=$(call IpamDriver.RequestPool '{"AddressSpace":"LocalDefault","Pool":"fd00:77::/64","SubPool":"","Options":{},"V6":true}' | field PoolID)
check "RequestPool fd00:77::/64: PoolID $pool6" test -n "$pool6"
gateway=$(call IpamDriver.RequestAddress "{\"PoolID\":\"$pool\",\"Address\":\"10.77.0.1\",\"Options\":{\"RequestAddressType\":\"com.docker.network.gateway\"}}" | field Address)
check "RequestAddress of the gateway: $gateway" test "$gateway" = 10.77.0.1/24
fixed=$(call IpamDriver.RequestAddress "{\"PoolID\":\"$pool\",\"Address\":\"10.77.0.9\",\"Options\":{}}" | field Address)
check "RequestAddress of the fixed 10.77.0.9: $fixed" test "$fixed" = 10.77.0.9/24
any=$(call IpamDriver.RequestAddress "{\"PoolID\":\"$pool\",\"Address\":\"\",\"Options\":{}}" | field Address)
check "RequestAddress of any address: $any" test -n "$any" -a "$any" != 10.77.0.1/24 -a "$any" != 10.77.0.9/24
fixed6=$(call IpamDriver.RequestAddress "{\"PoolID\":\"$pool6\",\"Address\":\"fd00:77::9\",\"Options\":{}}" | field Address)
check "RequestAddress of the fixed fd00:77::9: $fixed6" test "$fixed6" = fd00:77::9/64
again=$(call IpamDriver.RequestAddress "{\"PoolID\":\"$pool\",\"Address\":\"10.77.0.9\",\"Options\":{}}" | field Err)
check "10.77.0.9 again is refused: $again" grep -q "already in use" <<<"$again"

# A network on the stand-in NIC, named by -o parent_file (open, statx's type and size, read). Netlink makes the
# bridge, then the VLAN sub-interface; a kernel without 802.1Q refuses the latter and the bridge must go again.
echo ext0 >"$work/parent"
ip monitor link >"$work/links.txt" 2>&1 &
monitor=$!
sleep 0.5
network=$(printf 'a%.0s' $(seq 64))
created=$(call NetworkDriver.CreateNetwork "{\"NetworkID\":\"$network\",\"Options\":{\"com.docker.network.enable_ipv4\":true,\"com.docker.network.enable_ipv6\":false,\"com.docker.network.generic\":{\"parent_file\":\"$work/parent\",\"vlan_id\":\"2000\"}},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.77.0.0/24\",\"Gateway\":\"10.77.0.1/24\"}],\"IPv6Data\":[]}")
sleep 0.5
kill "$monitor"; wait "$monitor" 2>/dev/null
refusal=$(field Err <<<"$created")
if [ -z "$refusal" ]; then
    check "CreateNetwork: bridge vlan2000 and VLAN link ext0.2000 made through netlink" ip link show ext0.2000 >/dev/null
    check "CreateNetwork: the network's state file is written" test -s "$state/networks/$network.json"
    deleted=$(call NetworkDriver.DeleteNetwork "{\"NetworkID\":\"$network\"}")
    check "DeleteNetwork: the VLAN link and the bridge are gone" test -z "$(field Err <<<"$deleted")" -a ! -e /sys/class/net/vlan2000 -a ! -e /sys/class/net/ext0.2000
else
    echo "  (this kernel has no 802.1Q links: CreateNetwork answered \"$refusal\")"
    check "CreateNetwork: the kernel's own refusal of the VLAN link reaches Docker (netlink's extended ack)" grep -q "RTM_NEWLINK.*Unknown device type" <<<"$refusal"
    check "CreateNetwork: parent_file named ext0, and netlink made bridge vlan2000 and removed it again" \
        bash -c "grep -q '^[0-9]*: vlan2000:' '$work/links.txt' && grep -q '^Deleted [0-9]*: vlan2000:' '$work/links.txt' && [ ! -e /sys/class/net/vlan2000 ]"
    check "CreateNetwork: no network recorded" test -z "$(ls -A "$state/networks")"
fi
folder=$(call NetworkDriver.CreateNetwork "{\"NetworkID\":\"${network//a/b}\",\"Options\":{\"com.docker.network.generic\":{\"parent_file\":\"$work\",\"vlan_id\":\"2000\"}},\"IPv4Data\":[{\"AddressSpace\":\"LocalDefault\",\"Pool\":\"10.77.0.0/24\"}],\"IPv6Data\":[]}" | field Err)
check "-o parent_file naming a folder is refused as a directory (statx's mode): $folder" grep -q "parent_file=.*the path is a directory" <<<"$folder"

# The state: files written, each rename into a state folder followed by that folder's fsync. qemu's -strace
# prints open(2)'s flags as arm64 means them: O_DIRECTORY is right, O_DIRECT would be x86-64's O_DIRECTORY.
check "pool files written: $(cd "$state/pools" && echo *)" test -s "$state/pools/10.77.0.0_24.json" -a -s "$state/pools/fd00:77::_64.json"
check "the pool's journal holds 10.77.0.9" grep -aq "10.77.0.9" "$state/pools/10.77.0.0_24.journal"
# An fsync that a signal interrupts shows in qemu's trace as failed and is then restarted by qemu without a
# second line, so a failed sync is judged by the service (it logs it and refuses the request), not by the trace.
synced=$(awk -v folder="\"$state/pools\"" '
    /openat\(/ && index($0, folder ",") && /O_DIRECTORY/ && / = [0-9]+$/ { fd[$1] = $NF; next }
    ($1 in fd) && $2 == "fsync(" fd[$1] ")" { if ($NF == "0") ok++; delete fd[$1] }
    END { print ok + 0 }' "$work/strace1.txt")
check "the pools folder opened with O_DIRECTORY and fsync'd after the renames into it: $synced times" test "$synced" -gt 0
check "no state folder opened with O_DIRECT, and no open of one failed" \
    bash -c "! grep -E 'openat\(AT_FDCWD,\"$state[^\"]*\",[^)]*O_DIRECT(\||\))|openat\(AT_FDCWD,\"$state[^\"]*\",[^)]*O_DIRECTORY[^)]*\) = -1' '$work/strace1.txt'"
check "the service logged no error about a state file or folder" bash -c "! grep -Ei 'sync|folder|state file|errno 22' '$work/serve1.log'"
check "the only error it logged is the kernel's refusal of the VLAN link, if any" \
    test "$(grep -Ec '^(fail|crit):' "$work/serve1.log")" = "$(grep -c 'NetlinkException: netlink RTM_NEWLINK failed.*Unknown device type' "$work/serve1.log")"

status_text=$(arm64 status --state-dir "$state")
echo "$status_text" | sed 's/^/  | /'
check "l2vlan status lists both pools and 10.77.0.9" bash -c 'grep -q "10.77.0.0/24" <<<"$1" && grep -q "fd00:77::/64" <<<"$1" && grep -q "10.77.0.9" <<<"$1"' _ "$status_text"
status_json >"$work/status-before.json"
check "SIGTERM stops serve with exit status 0" stop

# The restart reads the state back: the same pools and addresses, 10.77.0.9 still held.
if start "$work/serve2.log"; then pass "serve starts again on the same state"; else fail "serve starts again on the same state"; fi
check "it loaded both pools: $(grep -o 'Loaded [0-9]* address pools' "$work/serve2.log")" grep -q "Loaded 2 address pools" "$work/serve2.log"
check "l2vlan status after the restart is the same as before it" cmp -s "$work/status-before.json" <(status_json)
again=$(call IpamDriver.RequestAddress "{\"PoolID\":\"$pool\",\"Address\":\"10.77.0.9\",\"Options\":{}}" | field Err)
check "the fixed 10.77.0.9 is still held: $again" grep -q "already in use" <<<"$again"
released=$(call IpamDriver.ReleaseAddress "{\"PoolID\":\"$pool\",\"Address\":\"10.77.0.9\"}")
check "ReleaseAddress 10.77.0.9 after the restart: ${released:-(empty)}" test -z "$(field Err <<<"$released")"
check "10.77.0.9 is no longer held" not_held 10.77.0.9
fixed=$(call IpamDriver.RequestAddress "{\"PoolID\":\"$pool\",\"Address\":\"10.77.0.9\",\"Options\":{}}" | field Address)
check "RequestAddress 10.77.0.9 once more: $fixed" test "$fixed" = 10.77.0.9/24
check "SIGTERM stops the restarted serve with exit status 0" stop
check "the restarted service logged no error" bash -c "! grep -Ei '^(fail|crit):|sync|folder|state file' '$work/serve2.log'"

echo "arm64-smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
