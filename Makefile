# l2vlan — the targets README.md names. Run as root on Debian 12 (the e2e VM serves the host's / to qemu).
SHELL := /bin/bash
# ARCH is the Debian architecture built for: this machine's by default; ARCH=arm64 on an amd64 machine
# cross-builds (packaging/install-cross-toolchain.sh installs the toolchain and the arm64 sysroot).
BUILD_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
ARCH := $(BUILD_ARCH)
RID := $(if $(filter arm64,$(ARCH)),linux-arm64,linux-x64)
# A cross build's objcopy (ILC's debug-symbol split) must read the target's ELF: binutils' one for its GNU triple.
CROSS := $(if $(filter-out $(BUILD_ARCH),$(ARCH)),-p:ObjCopyName=$(shell dpkg-architecture -a$(ARCH) -qDEB_HOST_GNU_TYPE 2>/dev/null)-objcopy)
OUT := out$(if $(CROSS),/$(ARCH))
BIN := $(OUT)/l2vlan
# One VM each, in this order, on each engine of ENGINE (default: the whole matrix of
# tests/e2e/roots/engines.sh). `make e2e ENGINE=deb13-docker28 E2E_SCENARIOS=core` runs one.
E2E_SCENARIOS ?= core vlans package swarm swarm2
ENGINES := $(shell . tests/e2e/roots/engines.sh && echo $$ENGINES)
ENGINE ?= $(ENGINES)
E2E_RUNS := $(E2E_SCENARIOS)
# CI has 90 minutes on 2 cores. Under CI=true, unless ENGINE or E2E_SCENARIOS is given, core and
# package run on the oldest engine (Debian 12), swarm, the widest scenario (local, config-only and
# swarm networks, dockerd restarted and killed), on docker26, and every scenario on the newest.
# tests/e2e/README.md has each VM's time from the timing table run-vm.sh prints.
ifeq ($(CI)$(origin ENGINE)$(origin E2E_SCENARIOS),truefilefile)
E2E_RUNS := deb12-docker20/core deb12-docker20/package \
	deb13-docker26/swarm \
	$(foreach s,$(E2E_SCENARIOS),deb13-docker28/$(s))
endif
# The Debian package (debian/, packaging/build-deb.sh); its version comes from debian/changelog.
DEB_VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
DEB := dist/l2vlan_$(DEB_VERSION)_$(ARCH).deb
# The same source under a higher version, for the e2e scenario's upgrade.
DEB_UPGRADE_VERSION := $(DEB_VERSION)+e2e1
DEB_UPGRADE := dist/l2vlan_$(DEB_UPGRADE_VERSION)_$(ARCH).deb
# The last release's package (packaging/previous-release names its commit), for the e2e upgrade from it:
# built once per commit in a git worktree under /var/tmp and cached there, then copied into dist/,
# the only place the VM sees. The state it wrote must be read by this source.
PREVIOUS_COMMIT := $(shell cat packaging/previous-release)
PREVIOUS_CACHE := /var/tmp/l2vlan-deb-previous/$(PREVIOUS_COMMIT)
DEB_PREVIOUS := dist/previous/l2vlan-previous_$(ARCH).deb

.PHONY: all build deps unit e2e test run clean packages deb deb-upgrade deb-previous deb-arm64 arm64-smoke repo install bench bench-short

all: build

# What building and testing need from Debian: a C toolchain and zlib for Native AOT, Debian's packaging
# tools, and the VM's parts.
# The packaging tools too, so that make packages can build two packages at once without two apt-gets,
# and the apt repository's (apt-ftparchive, gpg, gpgv).
# curl, jq and iproute2 drive the service in the smoke test and the benches.
# Then the arm64 cross toolchain and sysroot, and qemu-user that runs the arm64 build (make arm64-smoke).
deps:
	@missing=$$(for p in clang zlib1g-dev build-essential debhelper dpkg-dev fakeroot lintian apt-utils gnupg gpgv curl jq iproute2; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; fi
	packaging/install-cross-toolchain.sh arm64
	tests/e2e/install-deps.sh

# A self-contained Native AOT executable: no .NET runtime needed where it runs. ARCH=arm64 writes out/arm64/l2vlan.
build:
	$(if $(CROSS),packaging/install-cross-toolchain.sh $(ARCH))
	dotnet publish src/L2Vlan.Cli/L2Vlan.Cli.csproj -c Release -r $(RID) -o $(OUT) --nologo $(CROSS)
	@rm -f $(OUT)/*.dbg $(OUT)/*.pdb
	@ls -l $(BIN)

# The suites (tests/L2Vlan.Tests/Suites) run on their own, with their figures and seeds shown.
# The kill-point suite starts its service process over 1,000 times: it gets the native build (seconds instead of minutes).
unit:
	dotnet test L2Vlan.sln -c Release --nologo --filter 'TestCategory!=Suite'
	dotnet publish tests/L2Vlan.KillHost/L2Vlan.KillHost.csproj -c Release -r $(RID) -o $(OUT)/killhost --nologo
	L2VLAN_KILL_HOST=$(abspath $(OUT))/killhost/L2Vlan.KillHost \
		dotnet test L2Vlan.sln -c Release --nologo --no-build --filter 'TestCategory=Suite' --logger 'console;verbosity=normal'

# The package scenario installs l2vlan by name from the signed repository that make repo writes.
e2e: build packages repo
	L2VLAN_BIN=$(abspath $(BIN)) L2VLAN_DEB=$(abspath $(DEB)) L2VLAN_DEB_UPGRADE=$(abspath $(DEB_UPGRADE)) \
		L2VLAN_DEB_PREVIOUS=$(abspath $(DEB_PREVIOUS)) L2VLAN_APT_REPO=$(abspath $(APT_REPO)) \
		E2E_ENGINES="$(ENGINE)" tests/e2e/run-vm.sh $(E2E_RUNS)

# Everything CI runs: unit and netlink tests on this kernel, the benches' short versions, the arm64 package and its
# smoke test under qemu-user, then the scenarios in the VM.
test: deps unit bench-short arm64-smoke e2e

# The three packages the scenarios install, two builds at a time (each is mostly one compiler's run).
packages:
	$(MAKE) --no-print-directory -j2 --output-sync=target deb deb-upgrade deb-previous

# dist/l2vlan_<version>_<arch>.deb, built in a copy of the checkout (installs its build
# dependencies with apt; needs dotnet on PATH), then checked: lintian must report no error or warning.
# ARCH=arm64 cross-builds the arm64 package.
deb:
	packaging/build-deb.sh --arch $(ARCH)

# The arm64 package, cross-built here (the apt repository takes it from dist/).
deb-arm64:
	$(MAKE) --no-print-directory deb ARCH=arm64

# The arm64 executable as the package ships it, run under qemu-user by tests/arm64/smoke.sh: one cross
# build gives both the package and the executable the smoke test runs.
ARM64_DEB := dist/l2vlan_$(DEB_VERSION)_arm64.deb
arm64-smoke: deb-arm64
	rm -rf $(OUT)/arm64-deb && dpkg-deb -x $(ARM64_DEB) $(OUT)/arm64-deb
	tests/arm64/smoke.sh $(OUT)/arm64-deb/usr/bin/l2vlan

deb-upgrade:
	packaging/build-deb.sh --arch $(ARCH) --no-lintian $(DEB_UPGRADE_VERSION)

# The previous release's .deb, built by that commit's own packaging/build-deb.sh in a detached worktree.
deb-previous:
	@set -euo pipefail; cache=$(PREVIOUS_CACHE); \
	if ! ls $$cache/l2vlan_*.deb >/dev/null 2>&1; then \
		src=/var/tmp/l2vlan-previous-src-$(PREVIOUS_COMMIT); t0=$$SECONDS; \
		git worktree remove --force $$src 2>/dev/null || rm -rf $$src; git worktree prune; \
		git worktree add --detach $$src $(PREVIOUS_COMMIT); \
		trap 'git worktree remove --force '$$src' || true' EXIT; \
		$$src/packaging/build-deb.sh --no-lintian; \
		mkdir -p $$cache.tmp && cp $$src/dist/l2vlan_*.deb $$cache.tmp/ && rm -rf $$cache && mv $$cache.tmp $$cache; \
		echo "[deb] previous release $(PREVIOUS_COMMIT) built in $$((SECONDS - t0))s"; \
	fi; \
	mkdir -p $(dir $(DEB_PREVIOUS)) && cp $$cache/l2vlan_*.deb $(DEB_PREVIOUS); \
	echo "[deb] previous release: $(DEB_PREVIOUS) = $$(ls $$cache/l2vlan_*.deb)"

# A signed apt repository in dist/apt (packaging/make-repo.sh; docs/release.md): this version's package for
# every architecture in dist/ (make deb, make deb ARCH=arm64), and the previous release's, so that apt
# upgrades from it. Builds this architecture's package only when dist/ has none: after a change, make deb repo.
# The signing key stays in L2VLAN_REPO_GNUPGHOME (default /var/lib/l2vlan-repo/gnupg), made on first use.
APT_REPO := dist/apt
repo: $(DEB) deb-previous
	packaging/make-repo.sh $(APT_REPO) $(sort $(wildcard dist/l2vlan_$(DEB_VERSION)_*.deb)) $(DEB_PREVIOUS)

$(DEB):
	$(MAKE) --no-print-directory deb

# Builds the package and installs it: the service is enabled and started.
install: deb
	DEBIAN_FRONTEND=noninteractive apt-get install -y ./$(DEB)

run: build
	$(BIN) serve --log-level Debug

clean:
	rm -rf $(OUT) dist
	dotnet clean L2Vlan.sln --nologo -v q

# The benchmarks, in one table (tests/bench/table.sh): start-up and idle memory with an empty state,
# start-up with up to 4,094 networks in a private network namespace, the IPAM through the socket, then
# the VM's (the endpoint life cycle, bursts against macvlan). Not part of make test's pass/fail: a bench fails
# only when it could not measure. BENCH_SHORT=--short runs the short host parts (make bench-short).
BENCH_SHORT ?=
BENCH_FAILED := $(OUT)/bench-failed
bench: build
	dotnet publish src/L2Vlan.Cli/L2Vlan.Cli.csproj -c Release -p:PublishAot=false --no-self-contained -o $(OUT)/jit --nologo -v q
	dotnet publish tests/L2Vlan.KillHost/L2Vlan.KillHost.csproj -c Release -r $(RID) -o $(OUT)/killhost --nologo -v q
	dotnet build tests/L2Vlan.Bench -c Release --nologo -v q
	@rm -f $(BENCH_FAILED); failed() { echo "bench could not measure: $$*" | tee -a $(BENCH_FAILED) >&2; }; { \
		previous=$$(ls $(PREVIOUS_CACHE)/l2vlan_*_$(ARCH).deb 2>/dev/null | head -1); \
		if [ -n "$$previous" ]; then rm -rf $(OUT)/previous && dpkg-deb -x "$$previous" $(OUT)/previous; fi; \
		L2VLAN_PREVIOUS_BIN=$(abspath $(OUT))/previous/usr/bin/l2vlan \
			tests/bench/startup.sh $(BIN) $(OUT)/jit/l2vlan.dll $(BENCH_SHORT) || failed "startup.sh (empty start)"; \
		unshare -n dotnet tests/L2Vlan.Bench/bin/Release/net10.0/L2Vlan.Bench.dll startup $(OUT)/killhost/L2Vlan.KillHost $(BENCH_SHORT) \
			|| failed "startup with a big state"; \
		dotnet tests/L2Vlan.Bench/bin/Release/net10.0/L2Vlan.Bench.dll ipam --binary $(BIN) $(BENCH_SHORT) || failed "ipam"; \
		if [ -n "$(BENCH_SHORT)" ]; then echo "VM bench skipped: the short benches are the host's only" >&2; \
		elif [ ! -f tests/e2e/scenarios/bench.sh ]; then echo "VM bench skipped: no tests/e2e/scenarios/bench.sh" >&2; \
		else \
			L2VLAN_BIN=$(abspath $(BIN)) flock /var/tmp/l2vlan-vm.lock tests/e2e/run-vm.sh deb13-docker28/bench >&2 || failed "the VM's bench"; \
			grep -h '^BENCH|' /var/tmp/l2vlan-e2e/out/deb13-docker28/bench/*.log 2>/dev/null | sort -u || failed "the VM's bench printed no BENCH row"; \
			grep -h '^ACCOUNT|' /var/tmp/l2vlan-e2e/out/deb13-docker28/bench/*.log 2>/dev/null | awk '!seen[$$0]++'; \
		fi; \
	} | tee $(OUT)/bench.txt | tests/bench/table.sh
	@test ! -e $(BENCH_FAILED)

# The host benches' short versions (under a minute), run by make test so that they cannot rot.
bench-short:
	$(MAKE) --no-print-directory bench BENCH_SHORT=--short
