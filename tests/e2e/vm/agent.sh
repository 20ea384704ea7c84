#!/bin/bash
# The e2e agent: l2vlan-e2e.service in the VM (vm/init installs it from the initramfs).
# It readies the engine (dockerd answers, the busybox image is there), says "ready" on the
# control port, and waits there for the host's one request:
#   run scenario=NAME repo=PATH timeout=SECONDS epoch=SECONDS.NANOS seed=HEX
# The host may snapshot the VM between the two (run-vm.sh): every scenario then starts from
# the same ready engine, restored, and this script goes on from its read as if nothing had
# happened. So the request carries the host's time, and fresh randomness for the kernel.
# Then it mounts the shares (QEMU cannot snapshot a VM with a 9p export mounted) and runs
# the checkout's vm/guest-run.sh.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
# shellcheck source=ready.sh
. /usr/local/lib/l2vlan-e2e/ready.sh

say() { echo "e2e-agent: $*"; }
give_up() { say "FATAL: $*"; sleep 1; echo o >/proc/sysrq-trigger; exit 1; }

wait_for 60 test -e /dev/virtio-ports/e2e.control
exec 3<>/dev/virtio-ports/e2e.control || give_up "no control port /dev/virtio-ports/e2e.control"
wait_for_docker 600 || give_up "dockerd did not answer"
import_busybox_image bb:latest || give_up "cannot import the busybox image"
sync
echo "ready $(cut -d' ' -f1 /proc/uptime)" >&3
read -r verb request <&3 || give_up "the control port closed"
[ "$verb" = run ] || give_up "unknown request '$verb'"

scenario= repo= timeout= epoch= seed=
for field in $request; do
    case $field in
        scenario=*) scenario=${field#*=} ;;
        repo=*)     repo=${field#*=} ;;
        timeout=*)  timeout=${field#*=} ;;
        epoch=*)    epoch=${field#*=} ;;
        seed=*)     seed=${field#*=} ;;
    esac
done
[ -n "$scenario" ] && [ -n "$repo" ] && [ -n "$timeout" ] && [ -n "$epoch" ] || give_up "incomplete request: $request"

date -s "@$epoch" >/dev/null || give_up "cannot set the clock to $epoch"
echo "$seed" >/dev/urandom

p9='trans=virtio,version=9p2000.L,msize=262144'
mkdir -p /e2e-out "$repo"
mount -t 9p -o "$p9" results /e2e-out || give_up "cannot mount the results share"
mount -t 9p -o "$p9,ro" repo "$repo" || give_up "cannot mount the checkout (9p tag repo)"
wait_for_docker 60 || give_up "dockerd does not answer after the restore"
echo "dockerd-answers $(date +%s.%N)" >>/e2e-out/timing
E2E_SCENARIO_TIMEOUT=$timeout exec bash "$repo/tests/e2e/vm/guest-run.sh" "$scenario"
