#!/bin/sh
# tests/pgo_options.sh SRC — the profile-guided build's CMake options refuse
# what they cannot use, with a message naming the option (docs/install.md):
# an unknown mode, no profile directory, a profile directory without the
# marker scripts/pgo-profile.sh writes last, and a build (Debug, no LTO)
# the profile cannot apply to.  (CMake makes a relative
# directory absolute against the working directory: a PATH cache entry.)
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# refuse NAME EXPECTED-TEXT OPTIONS...: configuring must fail and say it.
refuse() {
	name=$1 want=$2
	shift 2
	if cmake -S "$src" -B "$tmp/$name" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$tmp/$name.out" 2>&1; then
		echo "FAIL $name: configured, expected a refusal"
		fail=1
	elif ! grep -q "$want" "$tmp/$name.out"; then
		echo "FAIL $name: the message lacks '$want':"
		cat "$tmp/$name.out"
		fail=1
	fi
}

refuse bad-mode 'APFSIM_PGO is "sometimes": expected off, generate or use' -DAPFSIM_PGO=sometimes
refuse no-dir 'needs APFSIM_PGO_DIR, an absolute directory' -DAPFSIM_PGO=use
mkdir "$tmp/half"
touch "$tmp/half/some.gcda"
refuse no-marker "no complete profile in $tmp/half" -DAPFSIM_PGO=use -DAPFSIM_PGO_DIR="$tmp/half"
echo "1 training run" >"$tmp/half/complete"
refuse debug-build 'applies to the optimised GCC build only' -DAPFSIM_PGO=use \
	-DAPFSIM_PGO_DIR="$tmp/half" -DCMAKE_BUILD_TYPE=Debug
refuse no-lto 'applies to the optimised GCC build only' -DAPFSIM_PGO=generate \
	-DAPFSIM_PGO_DIR="$tmp/half" -DAPFSIM_LTO=OFF
exit $fail
