#!/usr/bin/env bash
# Builds the mwauth release artifacts the way they are published, and checks
# them as a package index would:
#   1. the sdist (`maturin sdist`);
#   2. the wheel: abi3 (CPython 3.9+), release build, linked by zig against
#      glibc 2.17 symbols and tagged manylinux_2_17 (manylinux2014), audited
#      by maturin itself (`--auditwheel check`: a non-compliant wheel fails the
#      build, nothing is grafted in). Why 2.17 and why zig: docs/python.md,
#      "Release artifacts";
#   3. `twine check --strict` on both; `auditwheel show`, a second audit, must
#      find the wheel consistent with manylinux_2_17_x86_64;
#   4. scripts/check-dist.py: tags, file lists, license files, metadata
#      (License-Expression, project URLs, valid classifiers naming exactly the
#      Python versions scripts/test-python.sh --all-pythons tests).
# Usage: scripts/build-release.sh [OUT_DIR]     (default: dist/, emptied first)
# The tools come from the virtualenv of scripts/python-venv.sh ($MWAUTH_VENV,
# default .venv-test). Cargo builds in target/ ($CARGO_TARGET_DIR) as usual.
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

tools_venv
bin="$(dirname "$tools_py")"
# maturin finds zig as `python -m ziglang` of the interpreter on PATH.
export PATH="$bin:$PATH"

rm -f "$out"/mwauth-*.whl "$out"/mwauth-*.tar.gz

step "sdist (maturin sdist)"
"$bin/maturin" sdist --out "$out"

step "abi3 wheel, $MANYLINUX, audited (maturin build --release --zig)"
# --locked: Cargo.lock (shipped in the sdist too) must already be complete.
"$bin/maturin" build --release --locked --zig --compatibility "$MANYLINUX" --auditwheel check --out "$out"

wheels=("$out"/mwauth-*.whl)
sdists=("$out"/mwauth-*.tar.gz)

step "twine check --strict"
"$bin/twine" check --strict "${wheels[@]}" "${sdists[@]}"

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
