#!/bin/bash
# The Debian package under real systemd. apt installs it (enabled and started before
# Docker), the example networks of README's quick start work, the service restarts and the package upgrades under
# running containers without losing a ping, iptables works under the unit's hardening,
# journald gets the right priorities, remove keeps the state for a reinstall, purge leaves
# nothing of l2vlan's behind.
# apt installs l2vlan by name from the signed repository make repo writes, served over HTTP from a
# namespace, and refuses a copy of it whose Packages or InRelease was tampered with.
# Last, from a clean state, the previous release's package is installed from the repository and
# upgraded to this one by apt with held addresses on record: the state an earlier release wrote is
# read by the next; then apt downgrades to it again, and every held address is kept.
# Environment (from run-vm.sh): L2VLAN_APT_REPO, the repository (make repo); L2VLAN_DEB, the package;
# L2VLAN_DEB_UPGRADE, the same package with a higher version (the upgrade part is skipped without it);
# L2VLAN_DEB_PREVIOUS, the previous release's package (make deb-previous; that part is skipped without it).
. "$E2E_LIB/checks.sh"
. "$E2E_LIB/fixtures.sh"
. "$E2E_LIB/l2vlan.sh"

export DEBIAN_FRONTEND=noninteractive
# The VM has no network, and a local .deb's dependencies are installed: apt is told to read no
# package lists (parsing the host's takes minutes under TCG), only dpkg's status. The VM is
# thrown away at power-off: dpkg need not fsync what it unpacks (force-unsafe-io).
apt_get() {
    apt-get -y -q -o Dpkg::Use-Pty=0 -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/nonexistent \
        -o Dir::State::Lists=/nonexistent -o Dpkg::Options::=--force-unsafe-io "$@"
}
# apt with the repository's sources as README's install section writes them. Debian's own sources
# (sources.list) are left out: the VM has no network.
apt_repo() {
    apt-get -y -q -o Dpkg::Use-Pty=0 -o Dir::Etc::SourceList=/dev/null -o Dpkg::Options::=--force-unsafe-io "$@"
}
# apt_repo's output into the file $1, for show_apt.
apt_logged() { apt_repo "${@:2}" >"$1" 2>&1; }
main_pid() { systemctl show -p MainPID --value l2vlan; }
# The lines of an apt transcript that show where the package came from and what was set up.
show_apt() { grep -E '^(Get:|Hit:|Err:|Setting up|Unpacking|Preparing|E:|W:|l2vlan|The following)|Hash Sum|BADSIG|signature|  (Installed|Candidate):|^ +[*]* *[0-9.]+ [0-9]+$|^ +[0-9]+ http' "$1" | sed 's/^/#   /'; }

# A pinger from the router to a container (busybox's: the VM has no iputils). SIGINT makes
# ping print its summary; the numbers land in $sent and $received.
start_pinger() {
    ping_out=$2
    ip netns exec router busybox ping -i 0.2 -W 1 "$1" >"$ping_out" 2>&1 &
    pinger=$!
}
stop_pinger() {
    sleep 1
    kill -INT "$pinger"
    wait "$pinger"
    read -r sent received < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p' "$ping_out")
}

section "setup: router on VLAN 2000, Docker; no l2vlan yet"
check "L2VLAN_DEB is a package" test -f "${L2VLAN_DEB:-}"
check "kernel modules" setup_kernel_modules
check "router namespace holds gateway 192.168.1.1/24 on VLAN 2000" setup_router eno1 2000 192.168.1.1/24
check "dockerd answers" wait_for_docker 180
check "busybox image" import_busybox_image bb:latest
check "l2vlan is not installed" sh -c "! dpkg-query -W -f='\${Status}' l2vlan 2>/dev/null | grep -q installed"
# The VM's init puts a tmpfs on /var/lib/l2vlan for the hand-installed scenarios; the package
# owns that folder's life here (purge deletes it), so it must be a plain folder.
mountpoint -q /var/lib/l2vlan && umount /var/lib/l2vlan
rm -rf /var/lib/l2vlan
# The host's / is a container image whose policy-rc.d forbids maintainer scripts to start
# services (exit 101); a Debian host has none.
rm -f /usr/sbin/policy-rc.d
# man-db's dpkg trigger re-indexes every manual page of the host, a minute per apt run under TCG.
rm -f /var/lib/man-db/auto-update

section "the signed apt repository, served over HTTP from a namespace"
t0=$SECONDS
repo=${L2VLAN_APT_REPO:-}
check "L2VLAN_APT_REPO is a signed repository" test -f "$repo/dists/stable/InRelease" -a -f "$repo/l2vlan-archive-keyring.gpg"
# A static web server as a user would have one: busybox's httpd in its own namespace, serving a copy.
www=/srv/www
mkdir -p "$www" && cp -a "$repo" "$www/l2vlan"
ip netns add aptweb
ip link add aptweb0 type veth peer name aptweb1
ip link set aptweb1 netns aptweb
ip addr add 198.51.100.1/24 dev aptweb0 && ip link set aptweb0 up
ip -n aptweb addr add 198.51.100.2/24 dev aptweb1 && ip -n aptweb link set aptweb1 up && ip -n aptweb link set lo up
ip netns exec aptweb busybox httpd -p 80 -h "$www"
check "the web server answers" wait_for 10 busybox wget -q -O /dev/null http://198.51.100.2/l2vlan/dists/stable/InRelease
# README's install section, word for word: the keyring, then a deb822 sources file naming it.
check "the keyring goes to /usr/share/keyrings" cp "$repo/l2vlan-archive-keyring.gpg" /usr/share/keyrings/
sources() {
    printf 'Types: deb\nURIs: %s\nSuites: stable\nComponents: main\nSigned-By: /usr/share/keyrings/l2vlan-archive-keyring.gpg\n' "$1"
}
sources http://198.51.100.2/l2vlan >/etc/apt/sources.list.d/l2vlan.sources
check "apt-get update" apt_logged /tmp/apt-update.txt update
show_apt /tmp/apt-update.txt
check "apt-get update: no warning or error (the signature is good)" sh -c "! grep -E '^(W|E):' /tmp/apt-update.txt"
note "the repository's setup and apt-get update took $((SECONDS - t0))s"

section "a tampered copy of the repository is refused by apt"
t0=$SECONDS
# Each copy is read by apt on its own: its own sources folder and package lists.
apt_copy() {
    apt-get -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="/run/apt-$1/sources" \
        -o Dir::State::Lists="/run/apt-$1/lists" "${@:2}"
}
tampered_copy() {
    cp -a "$www/l2vlan" "$www/$1"
    mkdir -p "/run/apt-$1/sources" "/run/apt-$1/lists/partial"
    sources "http://198.51.100.2/$1" >"/run/apt-$1/sources/$1.sources"
}
# apt refuses the tampered copy $1: its update fails, for the reason $2 (grep -E pattern $3 in apt's output), and
# nothing can be installed from it.
apt_refuses() {
    local rc
    apt_copy "$1" update >"/tmp/apt-$1.txt" 2>&1; rc=$?
    show_apt "/tmp/apt-$1.txt"
    check "apt-get update fails on the tampered copy '$1'" test "$rc" -ne 0
    check "for $2" grep -Eq "$3" "/tmp/apt-$1.txt"
    check_fails --grep 'Unable to locate package l2vlan|has no installation candidate' "nothing to install from it" \
        apt_copy "$1" install -y l2vlan
}
# A Packages that offers a higher version (one byte changed) than the signed Release lists the hash of.
packages=dists/stable/main/binary-$(dpkg --print-architecture)/Packages
tampered_copy packages
sed -i '0,/^Version: ./s//Version: 9/' "$www/packages/$packages"
check "the tampered Packages differs from the signed one in one byte" \
    test "$(cmp -l "$www/l2vlan/$packages" "$www/packages/$packages" | wc -l)" = 1
apt_refuses packages "the hash of Packages" 'Hash Sum mismatch'
# A Release whose signed text was changed, in InRelease and in Release (beside Release.gpg): no
# signature matches it.
tampered_copy signature
sed -i 's/^Label: l2vlan$/Label: l2vlaN/' "$www/signature/dists/stable/InRelease" "$www/signature/dists/stable/Release"
apt_refuses signature "the Release's signature" 'BADSIG|not signed|[Ss]ignature'
check "l2vlan is still not installed" sh -c "! dpkg-query -W -f='\${Status}' l2vlan 2>/dev/null | grep -q installed"
note "the tampered copies took $((SECONDS - t0))s"

section "apt install"
version=$(dpkg-deb -f "$L2VLAN_DEB" Version)
t0=$SECONDS
apt-cache -o Dir::Etc::SourceList=/dev/null policy l2vlan >/tmp/apt-policy.txt 2>&1
show_apt /tmp/apt-policy.txt
check_eq "apt's candidate is $version, from the repository" "$version" \
    "$(sed -n 's/^ *Candidate: //p' /tmp/apt-policy.txt)"
check "apt-get install l2vlan (by name, signature checked)" apt_logged /tmp/apt-install.txt install l2vlan
show_apt /tmp/apt-install.txt
check "the package came over HTTP from the repository" grep -q "^Get:.*http://198.51.100.2/l2vlan stable/main .* l2vlan .* $version" /tmp/apt-install.txt
note "apt-get install took $((SECONDS - t0))s"
check_eq "dpkg knows l2vlan $version" "install ok installed $version" "$(dpkg-query -W -f='${Status} ${Version}' l2vlan 2>&1)"
check_eq "the postinst enabled l2vlan" enabled "$(systemctl is-enabled l2vlan 2>&1)"
check "the postinst started l2vlan (Type=notify: the socket listens)" systemctl is-active l2vlan
check "systemctl enable --now l2vlan" systemctl enable --now l2vlan
check "wanted by docker.service" test -L /etc/systemd/system/docker.service.wants/l2vlan.service
check "not required by docker.service" sh -c "! systemctl show -p Requires,BindsTo,PartOf docker | grep -q l2vlan"
check_eq "l2vlan --version" "$version" "$(l2vlan --version 2>&1)"
check_eq "spec file" "unix:///run/l2vlan/l2vlan.sock" "$(cat /etc/docker/plugins/l2vlan.spec 2>&1)"
check "the spec file is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' l2vlan | grep -q ' /etc/docker/plugins/l2vlan.spec '"
check "tmpfiles.d made /run/xtables.lock" test -f /run/xtables.lock
check "manual page and README (the unit's Documentation=) installed" test -f /usr/share/man/man8/l2vlan.8.gz -a -f /usr/share/doc/l2vlan/README.md
check "socket present" test -S /run/l2vlan/l2vlan.sock
check "the swarm adapter is registered (l2vlan-adapter.service)" wait_for 120 adapter_enabled
pid=$(main_pid)
check_eq "effective capabilities: CAP_NET_ADMIN and CAP_NET_RAW only" "0000000000003000" \
    "$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status" 2>&1)"
check_eq "no new privileges" 1 "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$pid/status" 2>&1)"
check "systemctl restart docker" systemctl restart docker
check "dockerd answers again" wait_for_docker 180

section "the example networks through the packaged service"
example_local_networks ""
check "c1 runs on net1" docker run -d --name c1 --network net1 bb:latest sleep 3600
check "c2 runs on net2" docker run -d --name c2 --network net2 bb:latest sleep 3600
check_eq "c1 has exactly 192.168.1.4/24" "192.168.1.4/24" "$(container_ipv4 c1)"
check_eq "c2 has exactly 192.168.1.6/24" "192.168.1.6/24" "$(container_ipv4 c2)"
check "c1 pings the router's gateway over VLAN 2000" docker exec c1 ping -c 3 -W 2 192.168.1.1
check "c2 pings the router's gateway over VLAN 2000" docker exec c2 ping -c 3 -W 2 192.168.1.1
check "no host interface carries the gateway 192.168.1.1" no_host_address ' 192[.]168[.]1[.]1/'
note "iptables: $(iptables -V 2>&1)"
check "the sandboxed service added its firewall rule (iptables)" sh -c "iptables -S FORWARD | grep -q 'l2vlan bridge vlan2000'"
check "and its ip6tables rule" sh -c "ip6tables -S FORWARD | grep -q 'l2vlan bridge vlan2000'"
check "no iptables warning in the journal" sh -c "! journalctl -u l2vlan -p warning -o cat | grep -qi tables"

section "iptables-nft and iptables-legacy under the unit's hardening"
# The installed unit's [Service] sandbox with a probe as ExecStart. iptables-legacy cannot
# load its modules under ProtectKernelModules=yes; on a legacy host Docker has loaded them.
modprobe -a ip_tables ip6_tables iptable_filter ip6table_filter
cat >/run/l2vlan-iptables-probe.sh <<'PROBE'
set -e
for t in iptables-nft ip6tables-nft iptables-legacy ip6tables-legacy; do
    rule="FORWARD -i l2probe -o l2probe -m comment --comment l2vlan-probe -j ACCEPT"
    $t -w 5 -I $rule && $t -w 5 -C $rule && $t -w 5 -D $rule && echo "$t: ok"
done
PROBE
sed -n '/^\[Unit\]/,/^\[Install\]/p' /lib/systemd/system/l2vlan.service \
    | sed -e '/^\[Install\]/d' -e '/^Runtime\|^StateDirectory\|^Restart/d' -e 's/^Type=.*/Type=oneshot/' -e 's/^Description=.*/Description=iptables under l2vlan.service'"'"'s sandbox/' \
          -e 's|^ExecStart=.*|ExecStart=/bin/sh /run/l2vlan-iptables-probe.sh|' -e '/^Before=/d' \
    >/run/systemd/system/l2vlan-iptables-probe.service
systemctl daemon-reload
check "iptables(-nft/-legacy) and ip6tables add, check and delete a rule in the sandbox" \
    systemctl start l2vlan-iptables-probe.service
note "probe: $(journalctl -u l2vlan-iptables-probe -o cat | grep -c ': ok$') of 4 front ends ok"
journalctl -u l2vlan-iptables-probe -o cat --no-pager | grep -v '^$' | sed 's/^/#   /'
rm -f /run/systemd/system/l2vlan-iptables-probe.service /run/l2vlan-iptables-probe.sh
systemctl daemon-reload

section "journald priorities and systemd-analyze security"
check_fails --grep "unknown l2vlan option 'vlanid'" "a refused request (a warning in the log)" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.7.0/24 -o vlanid=7 -o ext_if=eno1 bad
check "information is PRIORITY=6" sh -c "journalctl -u l2vlan -p 6..6 -o cat | grep -q 'listening on /run/l2vlan/l2vlan.sock'"
check "the refusal is a warning, PRIORITY=4" sh -c "journalctl -u l2vlan -p 4..4 -o cat | grep -q 'refused'"
check "no <pri> prefix leaks into the messages" sh -c "! journalctl -u l2vlan -o cat | grep -q '^<[0-7]>'"
note "PRIORITY values of l2vlan's own lines: $(journalctl -u l2vlan SYSLOG_IDENTIFIER=l2vlan -o json | grep -o '"PRIORITY":"[0-7]"' | sort | uniq -c | tr -s ' \n' ' ')"
exposure=$(systemd-analyze security --no-pager l2vlan.service 2>&1 | tail -n1)
note "systemd-analyze security: $exposure"
check "exposure is OK or better" sh -c "echo '$exposure' | grep -Eq 'exposure level for l2vlan.service: [0-9.]+ (PERFECT|SAFE|OK)'"

section "systemd's watchdog"
# systemd stamps WatchdogTimestamp at each WATCHDOG=1; a service that stopped petting would be killed
# (SIGABRT) and restarted by Restart=on-failure, which no other check here would notice.
check_eq "the unit asks for a watchdog" "30s" "$(systemctl show -p WatchdogUSec --value l2vlan)"
check "l2vlan says it pets it" sh -c "journalctl -u l2vlan -o cat | grep -q 'Petting systemd.s watchdog every 15 s'"
pid=$(main_pid) stamp=$(systemctl show -p WatchdogTimestampMonotonic --value l2vlan)
for _ in $(seq 40); do
    [ "$(systemctl show -p WatchdogTimestampMonotonic --value l2vlan)" = "$stamp" ] || break
    sleep 0.5
done
check "a pet arrives within its 15 s" test "$(systemctl show -p WatchdogTimestampMonotonic --value l2vlan)" != "$stamp"
check_eq "the same process serves: never killed by the watchdog" "$pid 0" "$(main_pid) $(systemctl show -p NRestarts --value l2vlan)"

section "the log level from /etc/default/l2vlan, the CLI's exit statuses, completion and documents"
check "/etc/default/l2vlan is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' l2vlan | grep -q ' /etc/default/l2vlan '"
check "the service started at information" sh -c "journalctl -u l2vlan -o cat | grep -q 'log level Information$'"
cp /etc/default/l2vlan /tmp/l2vlan.default
echo L2VLAN_LOG_LEVEL=debug >>/etc/default/l2vlan
since=$(date '+%Y-%m-%d %H:%M:%S')
check "systemctl restart l2vlan with L2VLAN_LOG_LEVEL=debug" systemctl restart l2vlan
check "it says it logs at debug" sh -c "journalctl -u l2vlan --since '$since' -o cat | grep -q 'log level Debug$'"
l2vlan doctor >/dev/null 2>&1 # a call on its socket, which Kestrel logs at debug
check "and does: debug lines (PRIORITY=7) in the journal" sh -c "journalctl -u l2vlan --since '$since' -p 7..7 -o cat | grep -q ."
echo L2VLAN_LOG_LEVEL=loud >>/etc/default/l2vlan
since=$(date '+%Y-%m-%d %H:%M:%S') restarts=$(systemctl show -p NRestarts --value l2vlan)
check_fails "a log level that is none does not start" systemctl restart l2vlan
sleep 3
check_eq "it exits with status 2" 2 "$(systemctl show -p ExecMainStatus --value l2vlan)"
check "the journal says why" sh -c "journalctl -u l2vlan --since '$since' -o cat | grep -q \"L2VLAN_LOG_LEVEL='loud' .* is not a log level\""
check_eq "and systemd does not restart it" "$restarts" "$(systemctl show -p NRestarts --value l2vlan)"
cp /tmp/l2vlan.default /etc/default/l2vlan
systemctl reset-failed l2vlan
check "the file put back, it starts" systemctl restart l2vlan
check "at information again" sh -c "journalctl -u l2vlan -n 50 -o cat | grep 'log level' | tail -n1 | grep -q 'log level Information$'"
check "l2vlan status names the networks as Docker does" sh -c "l2vlan status | grep -Eq '^  [0-9a-f]{64} [(]net1[)]: bridge vlan2000'"
check "l2vlan status --json has dockerAnswered" sh -c "l2vlan status --json | grep -q '\"dockerAnswered\": true'"
check_fails --grep "cannot read the state folder /nonexistent: it does not exist" "l2vlan status of a missing folder fails" \
    l2vlan status --state-dir /nonexistent
out=$(l2vlan status --state-dir /nonexistent 2>&1) && rc=0 || rc=$?
check_eq "with exit status 1" 1 "$rc"
out=$(l2vlan status --bogus 2>&1) && rc=0 || rc=$?
check_eq "a wrong option: exit status 2" 2 "$rc"
check_eq "bash completes l2vlan's commands" "serve status forget doctor compact reload adapter relay --help --version" \
    "$(bash -c '. /usr/share/bash-completion/completions/l2vlan; COMP_WORDS=(l2vlan ""); COMP_CWORD=1; _l2vlan; echo "${COMPREPLY[*]}"' 2>&1)"
check "README's documents are beside it" test -f /usr/share/doc/l2vlan/docs/testing.md -a -f /usr/share/doc/l2vlan/NOTICE \
    -a -f /usr/share/doc/l2vlan/LICENSE -a -f /usr/share/doc/l2vlan/tests/e2e/README.md

section "restarting l2vlan under running containers"
pid=$(main_pid)
start_pinger 192.168.1.4 /tmp/ping-restart.txt
check "systemctl restart l2vlan" systemctl restart l2vlan
stop_pinger
note "pings router -> c1 during the restart: ${received:-0}/${sent:-0} answered"
check "no ping lost during the restart" test "${received:-0}" -ge "$((${sent:-1} - 1))" -a "${sent:-0}" -gt 5
check "a new process serves" test "$(main_pid)" != "$pid" -a "$(main_pid)" != 0
check "c2 still reaches the gateway" docker exec c2 ping -c 2 -W 2 192.168.1.1

section "the admin policy file: a network outside it refused, a file that does not parse refused"
t0=$SECONDS
conf=/etc/l2vlan/l2vlan.conf
check "$conf is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' l2vlan | grep -q ' $conf '"
check "the service read it at start: the defaults" \
    sh -c "journalctl -u l2vlan -o cat \
        | grep -q 'Policy from $conf: allowed_ext_if = any; allowed_vlans = any; dad = on;'"
cp "$conf" /tmp/l2vlan.conf
ip link add eno9 type dummy && ip link set eno9 up
printf 'allowed_ext_if = eno1\nallowed_vlans = 2000-2009\n' >>"$conf"
pid=$(main_pid)
check "systemctl reload l2vlan" systemctl reload l2vlan
check_eq "the same process serves" "$pid" "$(main_pid)"
check "the journal shows the policy in force" sh -c "journalctl -u l2vlan -o cat \
    | grep -q 'Policy from $conf: allowed_ext_if = eno1; allowed_vlans = 2000-2009; dad = on;'"
states=$(l2vlan_state_files)
check_fails --grep "-o vlan_id=2100 is not allowed on this host: allowed_vlans = 2000-2009 in $conf" \
    "docker network create on VLAN 2100: refused, the docker CLI names the setting and what it allows" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.21.0/24 -o vlan_id=2100 -o ext_if=eno1 out1
check_fails --grep "-o ext_if=eno9 is not allowed on this host: allowed_ext_if = eno1 in $conf" \
    "on the NIC eno9: refused, naming allowed_ext_if" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.22.0/24 -o vlan_id=2001 -o ext_if=eno9 out2
check "nothing of them was made: no network, no link" \
    sh -c "! docker network inspect out1 >/dev/null 2>&1 && ! docker network inspect out2 >/dev/null 2>&1 \
        && ! ip link show vlan2100 2>/dev/null && ! ip link show eno9.2001 2>/dev/null"
check_eq "and nothing stored changed" "$states" "$(l2vlan_state_files)"
check "inside it (VLAN 2005 of eno1): created" docker network create -d l2vlan --ipam-driver l2vlan \
    --subnet 192.168.25.0/24 -o vlan_id=2005 -o ext_if=eno1 inside
check "and removed" docker network rm inside
sed -i 's/^allowed_vlans = 2000-2009$/allowed_vlans = 2001-2009/' "$conf"
check "tightened below the VLAN of net1 and net2: reloaded" systemctl reload l2vlan
net1=$(docker network inspect -f '{{.Id}}' net1)
check "the journal names net1 as outside the policy" sh -c "journalctl -u l2vlan -o cat \
    | grep -q 'Network $net1 (ext_if eno1, VLAN 2000) is outside the policy (allowed_vlans = 2001-2009); it keeps'"
check "c2 restarted on net2, made before the policy tightened (a new join)" docker restart -t 1 c2
check "c2 reaches the gateway" docker exec c2 ping -c 2 -W 2 192.168.1.1
# A file half-way through an edit: it widens the policy, and its last line is wrong.
printf '# being edited\nallowed_ext_if = eno1, eno9\nallowed_vlans = 2000-2100\ndad = s3cr3t-value\n' >"$conf"
since=$(date '+%Y-%m-%d %H:%M:%S')
check_fails "systemctl reload l2vlan of a file that does not parse fails" systemctl reload l2vlan
journalctl -u l2vlan --since "$since" -o cat | grep -F "$conf" | sed 's/^/#   /'
check "the journal names the line and what was expected there" sh -c "journalctl -u l2vlan --since '$since' -o cat \
    | grep -q '$conf line 4: dad: expected on or off; the policy in force stays'"
check "and never the file's value" sh -c "! journalctl -u l2vlan --since '$since' -o cat | grep -q s3cr3t"
check_eq "the same process still serves" "$pid active" "$(main_pid) $(systemctl is-active l2vlan)"
check_fails --grep "-o vlan_id=2100 is not allowed on this host: allowed_vlans = 2001-2009" \
    "the previous policy is still enforced: VLAN 2100 still refused" \
    docker network create -d l2vlan --ipam-driver l2vlan --subnet 192.168.21.0/24 -o vlan_id=2100 -o ext_if=eno1 out1
since=$(date '+%Y-%m-%d %H:%M:%S') restarts=$(systemctl show -p NRestarts --value l2vlan)
check_fails "at start the same file keeps the service from starting" systemctl restart l2vlan
sleep 3
check_eq "it exits with status 2" 2 "$(systemctl show -p ExecMainStatus --value l2vlan)"
check "the journal says why" sh -c "journalctl -u l2vlan --since '$since' -o cat \
    | grep -q 'l2vlan serve: $conf line 4: dad: expected on or off; not started, as the policy cannot be enforced'"
check_eq "and systemd does not restart it" "$restarts" "$(systemctl show -p NRestarts --value l2vlan)"
check "c1 still reaches the gateway meanwhile (the data plane is the kernel's)" \
    docker exec c1 ping -c 2 -W 2 192.168.1.1
cp /tmp/l2vlan.conf "$conf"
systemctl reset-failed l2vlan
check "the package's file put back: it starts" systemctl restart l2vlan
check "with the defaults" sh -c "journalctl -u l2vlan -n 50 -o cat | grep 'Policy from' | tail -n1 \
    | grep -q 'allowed_ext_if = any; allowed_vlans = any; dad = on; log_level = unset; nftables_chain = unset'"
check "the file is the package's again (dpkg --verify)" sh -c "! dpkg --verify l2vlan 2>&1 | grep -q l2vlan.conf"
ip link del eno9
note "the admin policy section took $((SECONDS - t0))s"

section "nftables_chain: l2vlan's rule in the admin's own forward chain, which drops by default"
if ! command -v nft >/dev/null; then
    skip "l2vlan's rule in the admin's nftables chain" "this engine's root has no nft (only the Debian 13 roots have it)"
else
    t0=$SECONDS
    check "br_netfilter is loaded (bridged frames pass the forward hook)" \
        test -e /proc/sys/net/bridge/bridge-nf-call-iptables
    check "router namespace holds 192.168.10.1/24 on VLAN 2010" setup_router eno1 2010 192.168.10.1/24
    printf 'table inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n' \
        >/tmp/admin.nft
    check "the admin's table inet filter: a forward chain of policy drop" nft -f /tmp/admin.nft
    # Stateless: without the counters of Docker's rules, which traffic changes.
    nft -s list ruleset >/tmp/ruleset-before.txt
    check "n10 on VLAN 2010, nftables_chain unset" docker network create -d l2vlan --ipam-driver l2vlan \
        --subnet 192.168.10.0/24 --gateway 192.168.10.1 -o vlan_id=2010 -o ext_if=eno1 n10
    check "d1 runs on n10" docker run -d --name d1 --network n10 bb:latest sleep 3600
    check_fails "d1 cannot reach its router: the admin's chain drops it" docker exec d1 ping -c 2 -W 1 192.168.10.1
    check "d1 and n10 removed" sh -c "docker rm -f d1 >/dev/null && docker network rm n10"
    printf 'nftables_chain = inet filter forward\n' >>"$conf"
    check "nftables_chain = inet filter forward: reloaded" systemctl reload l2vlan
    check "n10 again" docker network create -d l2vlan --ipam-driver l2vlan \
        --subnet 192.168.10.0/24 --gateway 192.168.10.1 -o vlan_id=2010 -o ext_if=eno1 n10
    check "d1 runs on n10" docker run -d --name d1 --network n10 bb:latest sleep 3600
    nft -a list chain inet filter forward | sed 's/^/#   /'
    check "the admin's chain has l2vlan's rule" sh -c "nft list chain inet filter forward \
        | grep -q 'iifname \"vlan2010\" oifname \"vlan2010\" accept comment \"l2vlan bridge vlan2010\"'"
    check "recorded with the bridge" grep -q '"NftablesChain": "inet filter forward"' /var/lib/l2vlan/bridges/vlan2010.json
    check "d1 reaches its router" docker exec d1 ping -c 3 -W 2 192.168.10.1
    # No restart here: a start gives every bridge its rule, vlan2000 of net1 and net2 too, which stays until they go.
    rules_2010() { nft list chain inet filter forward | grep -c 'l2vlan bridge vlan2010'; }
    check "n11 on VLAN 2010 too, so on the same bridge" docker network create -d l2vlan --ipam-driver l2vlan \
        --subnet 192.168.11.0/24 -o vlan_id=2010 -o ext_if=eno1 n11
    check_eq "the rule is there once" 1 "$(rules_2010)"
    check "n11 removed" docker network rm n11
    check_eq "the rule stays while n10 uses the bridge" 1 "$(rules_2010)"
    check "d1 still reaches its router" docker exec d1 ping -c 2 -W 2 192.168.10.1
    check "d1 and n10 removed" sh -c "docker rm -f d1 >/dev/null && docker network rm n10"
    nft -s list ruleset >/tmp/ruleset-after.txt
    diff /tmp/ruleset-before.txt /tmp/ruleset-after.txt | sed 's/^/#   /'
    check "nft list ruleset is exactly as before" cmp -s /tmp/ruleset-before.txt /tmp/ruleset-after.txt
    check "teardown: the admin's table deleted" nft delete table inet filter
    cp /tmp/l2vlan.conf "$conf"
    check "teardown: the package's policy file back, reloaded" systemctl reload l2vlan
    check "with the defaults" sh -c "journalctl -u l2vlan -n 20 -o cat | grep 'Policy from' | tail -n1 \
        | grep -q 'nftables_chain = unset'"
    note "the nftables_chain section took $((SECONDS - t0))s"
fi

section "package upgrade under running containers"
if [ -f "${L2VLAN_DEB_UPGRADE:-}" ]; then
    upgrade=$(dpkg-deb -f "$L2VLAN_DEB_UPGRADE" Version)
    states=$(l2vlan_state_files)
    pid=$(main_pid)
    start_pinger 192.168.1.4 /tmp/ping-upgrade.txt
    t0=$SECONDS
    check "apt-get install $(basename "$L2VLAN_DEB_UPGRADE")" apt_get install "$L2VLAN_DEB_UPGRADE"
    note "the upgrade took $((SECONDS - t0))s"
    stop_pinger
    note "pings router -> c1 during the upgrade: ${received:-0}/${sent:-0} answered"
    check "no ping lost during the upgrade" test "${received:-0}" -ge "$((${sent:-1} - 1))" -a "${sent:-0}" -gt 5
    check_eq "dpkg knows l2vlan $upgrade" "install ok installed $upgrade" "$(dpkg-query -W -f='${Status} ${Version}' l2vlan 2>&1)"
    check_eq "l2vlan --version is the new one" "$upgrade" "$(l2vlan --version 2>&1)"
    check "the service was restarted into the new version" test "$(main_pid)" != "$pid" -a "$(main_pid)" != 0
    check "and is active" systemctl is-active l2vlan
    check_eq "state kept" "$states" "$(l2vlan_state_files)"
    check "c1 pings the gateway after the upgrade" docker exec c1 ping -c 2 -W 2 192.168.1.1
    check "c2 replaced by c2b after the upgrade" sh -c "docker rm -f c2 >/dev/null && docker run -d --name c2b --network net2 bb:latest sleep 3600"
    check_eq "c2b has 192.168.1.6/24" "192.168.1.6/24" "$(container_ipv4 c2b)"
    check "c2b reaches the gateway" docker exec c2b ping -c 2 -W 2 192.168.1.1
else
    skip "package upgrade" "no L2VLAN_DEB_UPGRADE"
fi

section "apt remove: the service stops, the state stays for a reinstall"
installed=$(dpkg-query -W -f='${Version}' l2vlan)
states=$(l2vlan_state_files)
check "apt-get remove l2vlan" apt_get remove l2vlan
check "the service is stopped" sh -c "! systemctl is-active l2vlan"
check "the executable is gone" test ! -e /usr/bin/l2vlan
check_eq "dpkg: removed, configuration kept" "deinstall ok config-files" "$(dpkg-query -W -f='${Status}' l2vlan 2>&1)"
check_eq "the state files stay" "$states" "$(l2vlan_state_files)"
check "c1 still reaches the gateway (the data plane is the kernel's)" docker exec c1 ping -c 2 -W 2 192.168.1.1
check "reinstall" apt_get install "${L2VLAN_DEB_UPGRADE:-$L2VLAN_DEB}"
check_eq "reinstalled $installed" "$installed" "$(dpkg-query -W -f='${Version}' l2vlan)"
check "the service is active again" systemctl is-active l2vlan
check "l2vlan status shows the two networks again" sh -c "l2vlan status | grep -q '^networks: 2$'"
check "c1 replaced by c3 after the reinstall" sh -c "docker rm -f c1 >/dev/null && docker run -d --name c3 --network net1 bb:latest sleep 3600"
check_eq "c3 has 192.168.1.4/24" "192.168.1.4/24" "$(container_ipv4 c3)"
check "c3 reaches the gateway" docker exec c3 ping -c 2 -W 2 192.168.1.1

section "teardown, then apt purge: nothing of l2vlan's is left"
check "containers removed" sh -c 'docker rm -f $(docker ps -aq) >/dev/null'
check "docker network rm net1 net2 net1conf net2conf" docker network rm net1 net2 net1conf net2conf
check "the bridge is gone" sh -c "! ip link show vlan2000 2>/dev/null"
check "the sub-interface is gone" sh -c "! ip link show eno1.2000 2>/dev/null"
# What the package installed: its files and its own doc folder (not the shared folders).
files="/usr/share/doc/l2vlan $(dpkg-query -L l2vlan | while read -r f; do [ -d "$f" ] || echo "$f"; done)"
check "apt-get purge l2vlan" apt_get purge l2vlan
check "dpkg no longer knows l2vlan" sh -c "! dpkg-query -W -f='\${Status}' l2vlan 2>/dev/null | grep -q ok"
check "no l2vlan.service" sh -c "! systemctl cat l2vlan.service >/dev/null 2>&1"
check "/var/lib/l2vlan is gone" test ! -e /var/lib/l2vlan
check "/run/l2vlan is gone" test ! -e /run/l2vlan
check "the spec file is gone" test ! -e /etc/docker/plugins/l2vlan.spec
left=$(for f in $files; do [ ! -e "$f" ] || echo "$f"; done)
check_eq "no file of the package is left" "" "$left"
# A search of all of /usr over 9p takes minutes under TCG: the places where anything else would be.
# The repository's sources file and apt's lists of it are the user's, not the package's.
left=$(find /etc /run /var/lib -name '*l2vlan*' -not -name '*l2vlan-e2e*' -not -path /etc/apt/sources.list.d/l2vlan.sources \
    -not -path '/var/lib/apt/lists/*' 2>/dev/null)
check_eq "no other file named l2vlan is left in /etc, /run, /var/lib" "" "$left"
check_eq "no l2vlan firewall rule is left" 0 "$(l2vlan_firewall_rules)"
check "no l2vlan veth is left" sh -c "! ip -o link show | grep -q ': l2[vc]'"
check "the swarm adapter plugin is unregistered" sh -c "! docker plugin inspect l2vlan-swarm:latest >/dev/null 2>&1"
check "dockerd still answers" docker info

section "upgrade from the previous release through apt: the state it wrote is read by this one"
# What l2vlan status --json says is held: the network and endpoint IDs, and every address (subnets,
# gateways, --aux-address, fixed and dynamic endpoints' addresses, the pools' allocations).
held_state() { l2vlan status --json | grep -oE '"[0-9a-f]{64}"|"[0-9]+([.][0-9]+){3}(/[0-9]+)?"' | sort -u | tr '\n' ' '; }
# What the pools hold: each pool's ID and holder count, each allocation with its kind. A release that
# missed a pool's journal would show fewer holders, and the endpoints' addresses it holds again at
# start as requested rather than dynamic.
pool_state() {
    l2vlan status --json | tr -d ' \n' | grep -oE '"id":"[^"]*"|"holders":[0-9]+|[{]"address":"[^"]*","kind":"[^"]*"[}]' | sort | tr '\n' ' '
}
# Whether $pools names each of the arguments.
pools_hold() { local want; for want in "$@"; do case "$pools" in *"$want"*) ;; *) return 1 ;; esac; done; }
if [ -f "${L2VLAN_DEB_PREVIOUS:-}" ]; then
    t0=$SECONDS
    previous=$(dpkg-deb -f "$L2VLAN_DEB_PREVIOUS" Version)
    check "purged above: no state left" test ! -e /var/lib/l2vlan
    check "apt-get install l2vlan=$previous, the previous release, from the repository" \
        apt_logged /tmp/apt-previous.txt install "l2vlan=$previous"
    show_apt /tmp/apt-previous.txt
    check_eq "l2vlan --version is $previous" "$previous" "$(l2vlan --version 2>&1)"
    check "netp with --aux-address 192.168.1.10" docker network create -d l2vlan --ipam-driver l2vlan \
        --subnet 192.168.1.0/24 --gateway 192.168.1.1 --aux-address reserved=192.168.1.10 -o vlan_id=2000 -o ext_if=eno1 netp
    check "p1 with the fixed address 192.168.1.20" docker run -d --name p1 --network netp --ip 192.168.1.20 bb:latest sleep 3600
    check "p2 with a dynamic address" docker run -d --name p2 --network netp bb:latest sleep 3600
    p2=$(container_ipv4 p2)
    before=$(held_state)
    note "held under $previous: $before"
    check "apt-get upgrade" apt_logged /tmp/apt-upgrade.txt upgrade
    show_apt /tmp/apt-upgrade.txt
    check "apt upgraded l2vlan from $previous to $version" grep -q "^Unpacking l2vlan ($version) over ($previous)" /tmp/apt-upgrade.txt
    check_eq "l2vlan --version is $version" "$version" "$(l2vlan --version 2>&1)"
    check "the service is active" systemctl is-active l2vlan
    check_eq "networks, endpoints and held addresses survive (l2vlan status --json)" "$before" "$(held_state)"
    check "p1 pings the router after the upgrade" docker exec p1 ping -c 2 -W 2 192.168.1.1
    check "p2 pings the router after the upgrade" docker exec p2 ping -c 2 -W 2 192.168.1.1
    check "p3 runs on netp" docker run -d --name p3 --network netp bb:latest sleep 3600
    p3=$(container_ipv4 p3)
    check "p3 got $p3: none of the held .1, .10, .20, $p2" sh -c "case '$p3' in 192.168.1.1/24|192.168.1.10/24|192.168.1.20/24|'$p2'|'') exit 1;; esac"
    note "the upgrade from $previous took $((SECONDS - t0))s"

    section "downgrade to the previous release through apt: every held address is kept"
    t0=$SECONDS
    # netq shares netp's pool (same subnet, no range): the pool's second holder, and p3's and p4's
    # addresses, are in its journal only, which the previous release does not read.
    check "netq on the same subnet as netp" docker network create -d l2vlan --ipam-driver l2vlan \
        --subnet 192.168.1.0/24 --gateway 192.168.1.1 -o vlan_id=2000 -o ext_if=eno1 netq
    check "p4 with a dynamic address on netq" docker run -d --name p4 --network netq bb:latest sleep 3600
    p4=$(container_ipv4 p4)
    journal=$(cat /var/lib/l2vlan/pools/*.journal 2>/dev/null | wc -c)
    check "the pool's journal holds changes the pool file does not ($journal bytes)" test "$journal" -gt 0
    before=$(held_state) pools=$(pool_state)
    note "held under $version: $before"
    note "pools under $version: $pools"
    check "under $version the pool has two holders, and p3's and p4's addresses as dynamic" pools_hold '"holders":2' \
        "{\"address\":\"${p3%/*}\",\"kind\":\"dynamic\"}" "{\"address\":\"${p4%/*}\",\"kind\":\"dynamic\"}"
    check "apt-get install --allow-downgrades l2vlan=$previous" \
        apt_logged /tmp/apt-downgrade.txt install --allow-downgrades "l2vlan=$previous"
    show_apt /tmp/apt-downgrade.txt
    check "the prerm compacted the pools first" grep -q "^l2vlan compact: 1 address pool written whole" /tmp/apt-downgrade.txt
    check_eq "l2vlan --version is $previous" "$previous" "$(l2vlan --version 2>&1)"
    check "the service is active" systemctl is-active l2vlan
    check "no journal is left" sh -c "! ls /var/lib/l2vlan/pools/*.journal 2>/dev/null"
    check_eq "networks, endpoints and held addresses survive the downgrade" "$before" "$(held_state)"
    check_eq "each pool's holders and allocations survive it" "$pools" "$(pool_state)"
    check "p3 pings the router after the downgrade" docker exec p3 ping -c 2 -W 2 192.168.1.1
    check "p4 pings the router after the downgrade" docker exec p4 ping -c 2 -W 2 192.168.1.1
    check "p5 runs on netp under $previous" docker run -d --name p5 --network netp bb:latest sleep 3600
    p5=$(container_ipv4 p5)
    check "p5 got $p5: none of the held .1, .10, .20, $p2, $p3, $p4" \
        sh -c "case '$p5' in 192.168.1.1/24|192.168.1.10/24|192.168.1.20/24|'$p2'|'$p3'|'$p4'|'') exit 1;; esac"
    check "teardown: p1 to p5 removed" sh -c "docker rm -f p1 p2 p3 p4 p5 >/dev/null"
    check "teardown: netp and netq removed" docker network rm netp netq
    check "teardown: apt-get purge l2vlan" apt_get purge l2vlan
    note "the downgrade to $previous took $((SECONDS - t0))s"
else
    skip "upgrade from the previous release" "no L2VLAN_DEB_PREVIOUS (make deb-previous)"
fi
section "open files: the unit's LimitNOFILE, then 1,100 pools through the socket under the real unit"
# One network per fixed address makes a pool per network. Each pool's journal used to stay open, and systemd's
# default soft limit of 1024 descriptors ran out at about 1,000 pools. RequestPool and a RequestAddress for each of
# 1,100 --ip-range x/32 pools of one subnet, as Docker sends them, then their releases; the service's descriptors are
# counted as it goes. perl-base (Essential) is the VM's HTTP client: it has no curl.
t0=$SECONDS
check "apt-get install $(basename "$L2VLAN_DEB") again" apt_get install "$L2VLAN_DEB"
check "the service is active" systemctl is-active l2vlan
limit=$(systemctl show -p LimitNOFILE --value l2vlan)
note "systemctl show l2vlan -p LimitNOFILE: $limit"
check_eq "the unit's LimitNOFILE" 65536 "$limit"
pid=$(main_pid)
note "/proc/$pid/limits: $(grep 'Max open files' /proc/"$pid"/limits)"
check "the running service has it" sh -c "grep -Eq '^Max open files +65536 +65536 ' /proc/$pid/limits"
cat >/tmp/pools.pl <<'PERL'
use strict;
use warnings;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
my ($socket, $pid, $count) = @ARGV;
sub post {
    my ($path, $body) = @_;
    my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $socket) or die "connect $socket: $!\n";
    print $s "POST $path HTTP/1.1\r\nHost: l2vlan\r\nContent-Type: application/json\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
    local $/;
    my $reply = <$s>;
    close $s;
    my ($json) = $reply =~ /\r\n\r\n(.*)\z/s;
    return $json // '';
}
sub fds { opendir(my $d, "/proc/$pid/fd") or die "/proc/$pid/fd: $!\n"; my $n = grep { !/^\./ } readdir $d; closedir $d; return $n; }
sub journals { opendir(my $d, "/proc/$pid/fd") or die "/proc/$pid/fd: $!\n"; my $n = grep { (readlink("/proc/$pid/fd/$_") // '') =~ m{/pools/} } readdir $d; closedir $d; return $n; }
my ($before, $peak) = (fds(), 0);
my (@pools, @addresses, $refused);
for my $i (0 .. $count - 1) {
    my $host = $i + 2;
    my $reply = post('/IpamDriver.RequestPool', sprintf('{"AddressSpace":"LocalDefault","Pool":"10.77.0.0/16","SubPool":"10.77.%d.%d/32","Options":{},"V6":false}', $host >> 8, $host & 255));
    if ($reply =~ /"PoolID":\s*"([^"]+)"/) { push @pools, $1 } else { $refused //= "RequestPool $i: $reply" }
    $peak = fds() if $i % 50 == 0 && fds() > $peak;
}
for my $pool (@pools) {
    my $reply = post('/IpamDriver.RequestAddress', qq({"PoolID":"$pool","Address":"","Options":{}}));
    if ($reply =~ m{"Address":\s*"([0-9.]+)/}) { push @addresses, [$pool, $1] } else { $refused //= "RequestAddress $pool: $reply" }
    my $now = fds();
    $peak = $now if $now > $peak;
}
my $full = fds();
my $released = 0;
for my $held (@addresses) {
    my $reply = post('/IpamDriver.ReleaseAddress', qq({"PoolID":"$held->[0]","Address":"$held->[1]"}));
    $refused //= "ReleaseAddress $held->[1]: $reply" if $reply =~ /"Err":\s*"[^"]/;
}
for my $pool (@pools) {
    my $reply = post('/IpamDriver.ReleasePool', qq({"PoolID":"$pool"}));
    if ($reply =~ /"Err":\s*"[^"]/) { $refused //= "ReleasePool $pool: $reply" } else { $released++ }
}
printf "pools %d addresses %d released %d descriptors-before %d peak %d at-full %d after %d journals-after %d refused %s\n",
    scalar @pools, scalar @addresses, $released, $before, $peak, $full, fds(), journals(), $refused // 'none';
PERL
t1=$SECONDS
result=$(perl /tmp/pools.pl /run/l2vlan/l2vlan.sock "$pid" 1100 2>&1)
note "1,100 pools through the socket in $((SECONDS - t1))s: $result"
read -r _ pools _ addresses _ released _ before _ peak _ full _ after _ journals _ refused <<<"$result"
check_eq "every RequestPool granted" 1100 "$pools"
check_eq "every pool hands out its address" 1100 "$addresses"
check_eq "nothing refused" none "$refused"
check "the service's descriptors stay bounded: $before before, peak $peak, $full at 1,100 pools (at most $before + 100)" \
    test "$peak" -le $((before + 100)) -a "$full" -le $((before + 100))
check_eq "every pool released" 1100 "$released"
check_eq "no pool file is left" "" "$(find /var/lib/l2vlan/pools -maxdepth 1 -type f 2>&1)"
check_eq "no pool's descriptor is left ($after open, $before before)" 0 "$journals"
check_eq "the same process served it all" "$pid 0" "$(main_pid) $(systemctl show -p NRestarts --value l2vlan)"
check "teardown: apt-get purge l2vlan" apt_get purge l2vlan
note "the open-files section took $((SECONDS - t0))s"

finish
