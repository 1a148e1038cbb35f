#!/usr/bin/env bash
# Builds the mwauth release artifacts the way they are published, the wheel
# from the sdist, and checks them as a package index would:
#   1. the sdist (`maturin sdist`);
#   2. the wheel, built from that sdist alone: unpacked, then `pip wheel` in a
#      fresh virtualenv of the oldest supported CPython holding only the
#      sdist's [build-system] requirements from the index. abi3 (CPython
#      3.9+), release build, linked by zig against glibc 2.17 symbols and
#      tagged manylinux_2_17 (manylinux2014), audited by maturin itself
#      (`--auditwheel check`: a non-compliant wheel fails the build, nothing
#      is grafted in). Why 2.17 and why zig: docs/python.md, "Release
#      artifacts". The build may drop the other workspace crates' entries
#      from the Cargo.lock the sdist ships, never resolve a crate it does not
#      pin (checked);
#   3. `twine check --strict` on both; `auditwheel show`, a second audit, must
#      find the wheel consistent with manylinux_2_17_x86_64;
#   4. scripts/check-dist.py: tags, file lists, license files, metadata
#      (License-Expression, project URLs, valid classifiers naming exactly the
#      Python versions scripts/test-python.sh --all-pythons tests).
# Usage: scripts/build-release.sh [OUT_DIR]     (default: dist/; its mwauth
#        files are replaced)
# The tools (maturin for the sdist, zig, twine, auditwheel) come from the
# virtualenv of scripts/python-venv.sh ($MWAUTH_VENV, default .venv-test).
# The unpacked sdist and the build virtualenv live in target/release-build;
# cargo builds in target/ ($CARGO_TARGET_DIR), so a second run is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
out="${1:-$root/dist}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

step() { printf '\n==> %s\n' "$*"; }
# shellcheck source=scripts/python-venv.sh
source "$root/scripts/python-venv.sh"

# The manylinux policy of the wheel (docs/python.md, "Release artifacts").
MANYLINUX=manylinux_2_17
oldest="${SUPPORTED_PYTHONS[0]}"
build_python="$(find_cpython "$oldest")"
build="$root/target/release-build"
mkdir -p "$build"

tools_venv
bin="$(dirname "$tools_py")"

rm -f "$out"/mwauth-*.whl "$out"/mwauth-*.tar.gz

step "sdist (maturin sdist)"
"$bin/maturin" sdist --out "$out"
sdist="$(ls "$out"/mwauth-*.tar.gz)"
top="$(basename "$sdist" .tar.gz)"

step "abi3 wheel from the sdist: $MANYLINUX, zig, audited (pip wheel in a fresh CPython $oldest virtualenv)"
# Unpacked to the same place every run, so cargo compiles incrementally. The
# sdist's files carry one fixed mtime: when the sdist changed since the last
# build, they are touched, so that cargo rebuilds from them (a file missing
# from the sdist fails the build either way).
src="$build/sdist"
stamp="$build/sdist.sha256"
sum="$(sha256sum "$sdist" | cut -d' ' -f1)"
rm -rf "$src"
mkdir -p "$src"
tar -xzf "$sdist" -C "$src"
if [ "$sum" != "$(cat "$stamp" 2>/dev/null || true)" ]; then
	find "$src" -type f -exec touch {} +
fi
rm -f "$stamp"
cp "$src/$top/Cargo.lock" "$build/Cargo.lock.shipped"

venv="$build/venv"
fresh_venv "$build_python" "$venv"
# What pip's build isolation would install: the sdist's own requirements.
mapfile -t requires < <("$tools_py" - "$src/$top/pyproject.toml" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["build-system"]["requires"]))
EOF
)
echo "build requirements: ${requires[*]}"
"$venv/bin/python" -m pip install --quiet "${requires[@]}"
# zig from the tools virtualenv, found on PATH by maturin.
mkdir -p "$build/zig"
ln -sfn "$("$tools_py" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')" "$build/zig/zig"
# Not build isolation: pip would put maturin in a new temporary directory each
# run, and the zig linker wrappers maturin writes are named after it, which
# makes cargo rebuild every crate. The virtualenv at a fixed path, new each
# run and holding only the build requirements, builds the same way.
# --no-cache-dir: pip would otherwise keep the wheel of a directory named
# like a release and could hand it back later.
(cd "$build" && PATH="$venv/bin:$build/zig:$PATH" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}" \
	MATURIN_PEP517_ARGS="--zig --compatibility $MANYLINUX --auditwheel check" \
	"$venv/bin/python" -m pip wheel --no-cache-dir --no-build-isolation --no-deps --wheel-dir "$out" "$src/$top")
echo "$sum" >"$stamp"
"$venv/bin/python" - "$build/Cargo.lock.shipped" "$src/$top/Cargo.lock" <<'EOF'
import re, sys
def packages(path):
    text = open(path, encoding="utf-8").read()
    return set(re.findall(r'^\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"\n(?:source = "([^"]+)")?', text, re.M))
shipped, used = packages(sys.argv[1]), packages(sys.argv[2])
if not used:
    sys.exit(f"no package in {sys.argv[2]}")
unpinned = sorted(used - shipped)
if unpinned:
    sys.exit(f"the sdist's build used crates its Cargo.lock does not pin: {unpinned}")
print(f"the build used {len(used)} packages, all pinned by the sdist's Cargo.lock ({len(shipped)} entries)")
EOF

wheels=("$out"/mwauth-*.whl)

step "twine check --strict"
"$bin/twine" check --strict "${wheels[@]}" "$sdist"

step "auditwheel show (a second audit)"
report="$("$bin/auditwheel" show "${wheels[@]}")"
echo "$report"
# auditwheel wraps its lines: compare with the whitespace squeezed.
if ! tr -s ' \n' ' ' <<<"$report" | grep -q "is consistent with the following platform tag: \"${MANYLINUX}_x86_64\""; then
	echo "build-release.sh: auditwheel does not find the wheel consistent with ${MANYLINUX}_x86_64" >&2
	exit 1
fi

step "contents and metadata (scripts/check-dist.py)"
pythons="${SUPPORTED_PYTHONS[*]}"
"$tools_py" "$root/scripts/check-dist.py" --dist "$out" --manylinux "$MANYLINUX" --pythons "${pythons// /,}"

echo
echo "release artifacts in $out:"
ls -l "$out"
