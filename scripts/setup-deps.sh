#!/usr/bin/env bash
# Installs the Debian 12 packages apfsim builds with, when any is missing.
# Needs root (apt-get); does nothing when everything is already there.
# libclang-rt-14-dev: libFuzzer and the clang sanitizer runtimes (fuzz/).
# libzstd-dev: .zst trace files; protobuf-compiler: protoc, which the tests
# use to decode the Perfetto protobuf traces (docs/traces.md).
# gnuplot-nox: `apfsim sweep --plot` (run as a subprocess, optional at run
# time); libopenmpi-dev + openmpi-bin: the -DAPFSIM_MPI=ON build and its
# mpirun test (docs/studies.md).  perl (with JSON::PP): scripts/check-layers.pl,
# scripts/doc-figures.pl and scripts/published-figures.sh (build-essential
# pulls it in; named here because the tests need it).
set -euo pipefail
PKGS=(build-essential cmake pkg-config clang lld llvm libclang-rt-14-dev
      libunicorn-dev libcapstone-dev libsystemc-dev libfyaml-dev libjansson-dev
      libzstd-dev protobuf-compiler libgtest-dev googletest gnuplot-nox
      libopenmpi-dev openmpi-bin perl)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "apfsim: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "apfsim: missing packages (${missing[*]}); run as root (sudo) to install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
