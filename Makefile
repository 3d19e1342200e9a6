# zvm-hil: `make run` and `make test` install what is missing (cheaply when
# nothing is), build, and run. See README.md.

PYTHON ?= python3
VENV := .venv
SYSROOT := .deps/sysroot
LINUX_ASSETS := .deps/linux
# LAVA's device-type templates, from Debian's lava-server package, unpacked
# (not installed: no server runs here).
LAVA_SERVER := .deps/lava-server
ZVM := $(VENV)/bin/zvm-hil

APT_PACKAGES := qemu-system-arm gcc-aarch64-linux-gnu picolibc-aarch64-linux-gnu \
	device-tree-compiler liblzo2-dev gdb-multiarch python3-venv python3-dev util-linux \
	lava-common lava-dispatcher cmake ninja-build gperf clang llvm libclang-rt-14-dev libfdt-dev zlib1g-dev \
	chromium
ARM64_PACKAGES := liblzo2-dev:arm64 liblzo2-2:arm64 libfdt-dev:arm64

.PHONY: deps apt-deps linux-assets compile firmware run test bench mutants fuzz coverage clean distclean

deps: apt-deps $(SYSROOT)/.unpacked $(LAVA_SERVER)/.unpacked linux-assets $(VENV)/.installed

apt-deps:
	@tools/deps-apt.sh $(APT_PACKAGES)

$(SYSROOT)/.unpacked: tools/deps-sysroot.sh | apt-deps
	tools/deps-sysroot.sh $(SYSROOT) $(ARM64_PACKAGES)
	touch $@

$(LAVA_SERVER)/.unpacked: tools/deps-sysroot.sh | apt-deps
	tools/deps-sysroot.sh $(LAVA_SERVER) lava-server
	touch $@

# The Linux guest: Debian's arm64 cloud kernel, its virtio modules, busybox,
# fetched once and checked against the hashes taken then at every make.
linux-assets: $(LINUX_ASSETS)/.unpacked
	@cd $(LINUX_ASSETS) && sha256sum --quiet --strict -c SHA256SUMS || \
		{ echo "$(LINUX_ASSETS) no longer matches its SHA256SUMS: run make linux-assets again" >&2; \
		  rm -f .unpacked; exit 1; }

$(LINUX_ASSETS)/.unpacked: tools/deps-linux.sh | $(SYSROOT)/.unpacked
	tools/deps-linux.sh $(LINUX_ASSETS)
	touch $@

$(VENV)/.installed: pyproject.toml | apt-deps
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -e '.[test]' --config-settings editable_mode=compat
	touch $@

# Byte-compiled once here: the harness's start-up time counts in every run.
compile: deps
	@$(VENV)/bin/python -m compileall -q harness bench

firmware: deps
	$(ZVM) build --variant static
	$(ZVM) build --variant dynamic

run: compile
	$(ZVM) run --scenario hello

# Everything the scenarios run is built first (tools/prebuild.py: seconds
# when cached), so that no build competes with a run that checks its timing.
test: compile
	@$(VENV)/bin/python tools/prebuild.py
	$(VENV)/bin/pytest -n 2 --dist worksteal --durations=15

bench: compile
	cd bench && ../$(VENV)/bin/python run.py

# The hypervisor's C under libFuzzer and sanitizers on the host (tools/fuzz.py):
# each target FUZZ_SECONDS (default 60), what adds coverage kept in fuzz/corpus/.
fuzz: compile
	$(VENV)/bin/python tools/fuzz.py --seconds $(or $(FUZZ_SECONDS),60)

# Line coverage of the hypervisor's C: the fuzz corpora on the host (llvm-cov)
# next to the QEMU suite (tools/line_coverage.py; build/coverage/).
coverage: compile
	$(VENV)/bin/python tools/line_coverage.py

# Deliberate firmware faults (mutants/firmware.toml): the suite must catch each.
mutants: compile
	$(VENV)/bin/python tools/mutants.py

clean:
	rm -rf build artifacts .pytest_cache

distclean: clean
	rm -rf $(VENV) .deps
