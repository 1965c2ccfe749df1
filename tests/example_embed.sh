#!/bin/sh
# cmake --install puts apfsim, libapfsim, its headers, apfsim.pc, the CMake
# package config and the man page under a prefix; examples/embed/main.c
# builds against that copy with pkg-config and prints the same summary as
# the installed `apfsim run --oracle=off`; the installed command runs the
# SystemC kernel from its module.
# usage: example_embed.sh SOURCE_DIR BUILD_DIR CC
set -eu
src=$1 build=$2 cc=$3
dir=$(mktemp -d /tmp/apfsim_embed.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cmake --install "$build" --prefix "$dir/prefix" >/dev/null
p="$dir/prefix"
lib=$(ls -d "$p"/lib*/pkgconfig | head -n 1)
for f in "$p/bin/apfsim" "$p/include/apfsim/model/vm/machine.h" "$p/include/apfsim/apfsim_sc.h" \
	 "$(dirname "$lib")/libapfsim.a" "$(dirname "$lib")/cmake/apfsim/apfsimConfig.cmake" \
	 "$p/share/man/man1/apfsim.1"; do
	[ -f "$f" ] || { echo "not installed: $f" >&2; exit 1; }
done
PKG_CONFIG_PATH="$lib" pkg-config --exists apfsim
# shellcheck disable=SC2046
"$cc" -std=c11 -D_POSIX_C_SOURCE=200809L "$src/examples/embed/main.c" \
	$(PKG_CONFIG_PATH="$lib" pkg-config --cflags --libs apfsim) -o "$dir/embed"
sc="$src/workloads/scenarios/quickstart.yaml"
"$dir/embed" "$sc" protocol=arm64-v4 run.duration=100ms >"$dir/embed.out"
"$p/bin/apfsim" run "$sc" --protocol arm64-v4 --set run.duration=100ms --oracle=off >"$dir/cli.out"
cmp "$dir/embed.out" "$dir/cli.out"
grep -q 'protocol arm64-v4' "$dir/embed.out"
# The same example through find_package(apfsim).
cmake -S "$src/examples/embed" -B "$dir/cmake-build" -DCMAKE_PREFIX_PATH="$p" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$dir/cmake-build" >/dev/null
"$dir/cmake-build/embed" "$sc" protocol=arm64-v4 run.duration=100ms | cmp - "$dir/cli.out"
# The installed command finds its SystemC module in lib*/apfsim relative to
# itself (model/kernel/module.c) and gives the native kernel's output.
if ls "$p"/lib*/apfsim/apfsim-systemc.so >/dev/null 2>&1; then
	"$p/bin/apfsim" run "$sc" --protocol arm64-v4 --set run.duration=100ms --oracle=off \
		--set run.kernel=systemc | cmp - "$dir/cli.out"
fi
