# Thin wrapper over CMake.  `make demo` and `make test` are the two commands
# README.md gives; both install missing Debian packages first (as root).
BUILD       ?= build
BUILD_SAN   ?= build-sanitize
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DAPFSIM_WERROR=ON
endif

.PHONY: all deps build demo test test-sanitize fuzz fuzz-smoke bench suite clean docs docs-check

all: build

deps:
	@scripts/setup-deps.sh

# The main build has MPI (setup-deps.sh installs Open MPI): `mpirun -n R
# apfsim explore|sweep` and the Mpi.* test; the sanitizer build has not
# (Open MPI's own allocations would fail LeakSanitizer).
$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DAPFSIM_MPI=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

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
