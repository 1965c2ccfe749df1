# Thin wrapper over CMake.  `make demo` and `make test` are the two commands
# README.md gives; both install missing Debian packages first (as root).
BUILD       ?= build
BUILD_SAN   ?= build-sanitize
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DAPFSIM_WERROR=ON
endif

.PHONY: all deps build pgo demo test test-sanitize fuzz fuzz-smoke bench suite clean docs docs-check

all: build

deps:
	@scripts/setup-deps.sh

# The main build has MPI (setup-deps.sh installs Open MPI): `mpirun -n R
# apfsim explore|sweep` and the Mpi.* test; the sanitizer build has not
# (Open MPI's own allocations would fail LeakSanitizer).
#
# PGO=1 (the default) makes it a profile-guided build: scripts/pgo-profile.sh
# first builds an instrumented apfsim in $(BUILD)/pgo-gen and runs the
# training runs of scripts/pgo-training.txt (about a minute), once; the
# profile then stays.  `make pgo` makes it again and rebuilds (after large
# edits: a stale profile only costs speed).  PGO=0: a plain -O3 LTO build.
# docs/performance.md, thirteenth round.
PGO ?= 1
# The main build's options; the instrumented build gets the same ones.
MAIN_FLAGS := $(CMAKE_FLAGS) -DAPFSIM_MPI=ON
# The kind of build last configured: switching PGO reconfigures.
PGO_MODE := $(BUILD)/pgo-mode-$(PGO)
ifeq ($(PGO),1)
PGO_STAMP := $(BUILD)/pgo-data/complete
PGO_FLAGS := -DAPFSIM_PGO=use -DAPFSIM_PGO_DIR=$(abspath $(BUILD))/pgo-data
else
PGO_STAMP :=
PGO_FLAGS := -DAPFSIM_PGO=off
endif

$(BUILD)/pgo-data/complete:
	CMAKE_FLAGS="$(MAIN_FLAGS)" JOBS=$(JOBS) scripts/pgo-profile.sh $(BUILD)

$(PGO_MODE):
	mkdir -p $(BUILD)
	rm -f $(BUILD)/pgo-mode-*
	touch $@

$(BUILD)/CMakeCache.txt: $(PGO_MODE) $(PGO_STAMP)
	cmake -S . -B $(BUILD) $(MAIN_FLAGS) $(PGO_FLAGS)
	touch $@	# cmake leaves an unchanged cache's time alone

build: deps
	$(MAKE) --no-print-directory $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Without its marker the profile is made again, and the cache (which
# depends on the marker) is configured again, by the rules above.
pgo: deps
	rm -f $(BUILD)/pgo-data/complete
	$(MAKE) --no-print-directory PGO=1 $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --clean-first

demo: build
	$(BUILD)/apfsim run workloads/scenarios/quickstart.yaml

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Tests left out of the sanitizer run: each repeats, hundreds of times, code
# paths the rest of the suite already covers under ASan/UBSan, and together
# they took 940 of the 1 376 CPU seconds of that run (CTestCostData.txt,
# 2026-12-06). They still run in `make test`.  Example.EmbedAgainstInstalledLibrary
# builds an outside program against the installed library, which here is
# instrumented: without -fsanitize in that program's flags it cannot link.
# DeferredSteps.* runs 80 whole scenarios twice to compare their outputs: an
# equivalence check, not new code paths.  Example.GuestHandlerSuite builds the
# example with clang and runs its suite, whose broken-handler half is the
# IRQ storm that Bounds...no_irq_ack already runs under the sanitizers (57 to
# 141 s of this run on a 2-core machine, the same with the 39bf90b binary).
SAN_SKIP ?= ^(Example\.EmbedAgainstInstalledLibrary|Example\.GuestHandlerSuite|DeferredSteps\..*|Explore\.FindsTheZeroTokenHangAndTheFixPassesTheSameRuns|Explore\.FindsTheOfflineWaiterBugAndTheFixesPassTheSameRuns|CliScenarios\.TokenWrapClaims|OutputKeys\.EveryWrittenKeyIsDocumentedAndEveryDocumentedKeyIsWritten)$$
test-sanitize: deps
	cmake -S . -B $(BUILD_SAN) $(CMAKE_FLAGS) -DAPFSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -E '$(SAN_SKIP)'

# libFuzzer targets (docs/reliability.md): `make fuzz-smoke` is the short CI
# run; `make fuzz FUZZ_S=3600` runs each target FUZZ_S seconds in turn,
# keeping its corpus in build-fuzz/corpus/ and findings in build-fuzz/findings/.
FUZZ_S ?= 3600
fuzz-smoke: deps
	scripts/fuzz-smoke.sh

fuzz: deps
	FUZZ_S=$(FUZZ_S) nice -n 19 scripts/fuzz-smoke.sh

bench: build
	$(BUILD)/apfsim-bench

# The figure tables of docs/scenarios.md and README.md (scripts/doc-figures.pl):
# `make docs` rewrites them from this build, `make docs-check` fails with the
# diff when one is stale or a figure or claim of the prose no longer holds.
# Both include the published experiments (about 3 minutes); CI runs the rest
# (.ci/run, under a minute).
docs: build
	scripts/doc-figures.pl --build $(BUILD) --write

docs-check: build
	scripts/doc-figures.pl --build $(BUILD) --check

# The repository suite (workloads/suites/, docs/testing.md), every case;
# CI runs the shortened scripts/suite-smoke.sh.
suite: build
	$(BUILD)/apfsim test workloads/suites --jobs 2 --junit $(BUILD)/suite-junit.xml

clean:
	rm -rf $(BUILD) $(BUILD_SAN) build-fuzz
