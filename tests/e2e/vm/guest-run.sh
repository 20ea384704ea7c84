#!/bin/bash
# Runs inside the VM, started by the agent (vm/agent.sh) once the shares are mounted: loads the
# environment run-vm.sh left in the results share, runs one scenario within
# E2E_SCENARIO_TIMEOUT seconds, and makes sure a result file exists whatever happened, then
# powers the VM off at once.
scenario=$1
out=/e2e-out

set -a
# shellcheck disable=SC1091
. "$out/env"
set +a
# /usr/local/bin/docker on these machines is an unrelated newer CLI: /usr/bin first.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin
export E2E_SCENARIO=$scenario E2E_OUT=$out E2E_LIB=$E2E_REPO/tests/e2e/lib
export DOCKER=/usr/bin/docker HOME=/root
cd /tmp

echo "=== e2e scenario $scenario: started"
rm -f "$out/$scenario.result"
timeout --kill-after=10 "${E2E_SCENARIO_TIMEOUT:-1400}" bash "$E2E_REPO/tests/e2e/scenarios/$scenario.sh" 2>&1 |
    tee "$out/$scenario.log"
rc=${PIPESTATUS[0]}
[ "$rc" -ne 124 ] || echo "e2e $scenario: stopped after ${E2E_SCENARIO_TIMEOUT:-1400}s (the VM's limit less 2 minutes)"

if [ ! -s "$out/$scenario.result" ]; then
    echo "e2e $scenario: scenario exited ($rc) without calling finish"
    printf 'scenario=%s\npassed=0\nfailed=1\nskipped=0\nfailure=scenario exited (%s) without calling finish\n' \
        "$scenario" "$rc" >"$out/$scenario.result"
fi
# For post-mortems of services (docker, l2vlan) that logged only to the journal.
journalctl -b --no-pager -o short-monotonic >"$out/journal.log" 2>&1
echo "done $(date +%s.%N)" >>"$out/timing"
echo "=== e2e scenario $scenario: done"
# systemd's own power-off would SIGTERM dockerd with its containers and wait for it: over a
# minute after a swarm scenario under TCG, and once, in CI, until the VM's time limit. Nothing
# in this VM outlives it, and the results share (9p, uncached) already holds every file.
# run-vm.sh kills a VM that is still up a minute after the marker.
: >"$out/powering-off"
sync
echo o >/proc/sysrq-trigger
# Not reached unless the kernel refused; then systemd's SuccessAction=poweroff-force.
exec sleep 30 2>/dev/null
