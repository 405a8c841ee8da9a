# Welkom — the two commands that do all set-up on a fresh Debian machine:
#   make demo   the whole pipeline on a simulated store (embedded defaults, temporary data dir)
#   make test   installs what the tests need (Debian packages, a Python venv for the rigs) and runs every test
SWIFT      ?= swift
VENV       := .venv
PYTHON     := $(abspath $(VENV))/bin/python
BIN        := .build/debug/welkom
DEMO_ARGS  ?=

# Build: the C libraries behind the CBluetooth and CUSB system-library targets, SQLite for GRDB.
DEB_BUILD  := pkg-config libbluetooth-dev libusb-1.0-0-dev libsqlite3-dev libqrencode-dev
# Tests: ptys for serial rigs, umockdev (+ its GObject bindings for the live USB harness) for USB readers, Chromium for the till page,
# qemu, busybox and BlueZ for the real-kernel rig (Tests/Rigs/kernel_vm); btmon (bluez) and tshark (its editcap) write and read
# the Linux monitor captures Welkom did not write (Tests/e2e/test_btsnoop_monitor.py).
DEB_TEST   := debootstrap socat umockdev libumockdev-dev python3-gi gir1.2-umockdev-1.0 chromium chromium-driver sqlite3 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user qemu-system-x86 busybox-static bluez kmod tshark postgresql openssl

.PHONY: all build release deb demo test test-unit test-e2e bench fuzz soak deps-build deps-test venv clean

all: build

deps-build:
	@scripts/ensure-debian-packages $(DEB_BUILD)

deps-test: deps-build venv
	@scripts/ensure-debian-packages $(DEB_TEST)
	@$(MAKE) --no-print-directory $(KERNEL_VM)

# The real-kernel rig's guest: Debian's kernel package unpacked (never installed), its ELF and an
# initramfs, built once into .build-kernel/.
KERNEL_VM  := .build-kernel/version
$(KERNEL_VM): Tests/Rigs/kernel_vm/build_kernel.py Tests/Rigs/kernel_vm/initramfs_init.sh
	python3 Tests/Rigs/kernel_vm/build_kernel.py --dir .build-kernel

venv: $(VENV)/.installed
$(VENV)/.installed: Tests/Rigs/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r Tests/Rigs/requirements.txt
	touch $@

build: deps-build
	$(SWIFT) build

# The gateway's build: optimised, the Swift runtime and Foundation linked in, so the machine needs
# no toolchain (libbluetooth, libusb and libsqlite3 stay shared: the package's Depends).
RELEASE_BIN := .build/release/welkom
VERSION    ?= $(shell cat VERSION)
release: deps-build
	$(SWIFT) build -c release --static-swift-stdlib --product welkom

# dist/welkom_VERSION_ARCH.deb (dpkg-deb, see packaging/build-deb).
deb: release
	packaging/build-deb $(RELEASE_BIN) $(VERSION) dist

demo: build
	$(BIN) demo $(DEMO_ARGS)

# Every suite runs whatever the one before it did, so one failing unit test never hides the
# whole-agent tests; the target fails at the end if any suite failed.
test: deps-test
	$(SWIFT) build --build-tests
	@status=0; \
	$(MAKE) --no-print-directory deb || status=1; \
	$(MAKE) --no-print-directory test-unit || status=1; \
	$(MAKE) --no-print-directory test-e2e || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: at least one suite failed (see above)"; fi; \
	exit $$status

# Swift unit and rig tests (XCTest). Not --parallel: it drops XCTest's summary line.
# The suite is XCTest only; without --disable-swift-testing a "0 tests" line would close the run.
test-unit:
	WELKOM_RIG_PYTHON=$(PYTHON) $(SWIFT) test --skip-build --disable-swift-testing

# Whole-agent tests: the built binary against Bumble, Chromium and the CLI.
test-e2e:
	WELKOM_BIN=$(abspath $(BIN)) WELKOM_DEB=$(abspath dist/welkom_$(VERSION)_$(shell dpkg --print-architecture).deb) WELKOM_LEDGER_WRITER=$(abspath .build/debug/welkom-ledger-writer) WELKOM_RIG_PYTHON=$(PYTHON) $(PYTHON) -m pytest -q Tests/e2e

# Then Home Assistant's resolver and parser on the same workloads (Benchmarks/peers, own venv),
# then `welkom replay` in release against BlueZ's btmon on one synthetic capture, then the whole
# agent's CPU per report, memory and cold start through a Bumble controller (agent_cpu.py, rigs venv),
# then how long an enrolment takes to reach a running agent with 1,000,000 enrolled (enrol_apply.py).
BENCH_VENV := Benchmarks/peers/.venv
DEB_BENCH  := bluez
bench: deps-build $(BENCH_VENV)/.installed venv
	@scripts/ensure-debian-packages $(DEB_BENCH)
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress
	$(BENCH_VENV)/bin/python Benchmarks/peers/ha_bench.py
	$(BENCH_VENV)/bin/python Benchmarks/peers/replay_vs_btmon.py
	$(VENV)/bin/python Benchmarks/peers/agent_cpu.py
	$(VENV)/bin/python Benchmarks/peers/enrol_apply.py --welkom "$$($(SWIFT) build -c release --show-bin-path)/welkom"

$(BENCH_VENV)/.installed: Benchmarks/peers/requirements.txt
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r Benchmarks/peers/requirements.txt
	touch $@

# libFuzzer over every parser of outside input (Fuzz/, a package of its own): a short bounded run of each
# target, new inputs kept in a scratch directory, the seeds in Fuzz/Corpus/ read only.
# Swift's backtracer is off so that libFuzzer catches a trap and writes the input that caused it
# (Fuzz/.build/TARGET-crash-…), a reproducer for the parser's unit test.
# lld, the Swift toolchain's linker: gold fails with an internal error on libFuzzer's objects.
FUZZ_TARGETS := FuzzH4Decoder FuzzHCIEvent FuzzADStructures FuzzConsentImport FuzzTillRequest \
	FuzzKeyboardReport FuzzHIDPOSReport FuzzCCIDMessage FuzzCardCode FuzzBtsnoop FuzzConfig
FUZZ_SECONDS ?= 20
fuzz: deps-build
	cd Fuzz && $(SWIFT) build -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld
	@set -e; for t in $(FUZZ_TARGETS); do \
		work=$$(mktemp -d); \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		SWIFT_BACKTRACE=enable=no Fuzz/.build/debug/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=Fuzz/.build/$$t- $$work Fuzz/Corpus/$$t; \
		rm -rf $$work; \
	done

# Issue 13: the agent for SOAK_MINUTES against Bumble at ~1,000 reports/s, 305 customers enrolled
# and a scanner scanning every second; fails if memory grows after warm-up (Tests/Rigs/soak.py).
# A 1-minute version is Tests/e2e/test_soak.py, in `make test`.
SOAK_MINUTES ?= 10
soak: build venv
	@scripts/ensure-debian-packages socat
	WELKOM_BIN=$(abspath $(BIN)) WELKOM_RIG_PYTHON=$(PYTHON) $(PYTHON) Tests/Rigs/soak.py --minutes $(SOAK_MINUTES)

clean:
	rm -rf .build $(VENV) dist
