#!/usr/bin/env bash
# Builds the mwauth release artifacts and tests them as a user installs them:
#   1. scripts/build-release.sh: the sdist, and the abi3 manylinux_2_17 wheel
#      built from it by pip in a fresh virtualenv of the oldest supported
#      CPython, audited by maturin and auditwheel, `twine check --strict`,
#      contents and metadata checked (into target/release-check/dist);
#   2. the wheel in the tools virtualenv ($MWAUTH_VENV, default .venv-test,
#      which scripts/bench.sh uses too): `python -m mypy.stubtest mwauth` (the
#      stubs match the native module) and `mypy --strict` on the package;
#   3. for each CPython asked for (default: the oldest and the newest
#      supported, 3.9 and 3.13): a fresh virtualenv, the wheel installed with
#      that Python's own pip (which must accept its tags), and pytest on
#      tests/python against the INSTALLED package: run from tests/python, so
#      the source tree's python/ is not on sys.path, and conftest.py fails the
#      run unless mwauth comes from that virtualenv.
# Every CPython comes from pyenv (${PYENV_ROOT:-~/.pyenv}/versions/X.Y.*) or
# $MWAUTH_PYTHON_X_Y; one that is missing, or cannot make a virtualenv, fails
# the run (nothing is skipped).
#
# Usage: scripts/test-python.sh [--all-pythons | --python X.Y ...] [--] [PYTEST_ARGS...]
#   --all-pythons   run the suite on every supported CPython (3.9 to 3.13)
#   --python X.Y    run it on X.Y (repeatable; replaces the default pair)
#   PYTEST_ARGS     go to every pytest run (e.g. -k sansio -x)
# Expects MW_TEST_ENV to name a test wiki's env file (scripts/test-wiki.sh
# start DIR prints it; scripts/test.sh sets it), and MW_TEST_ENV_APACHE one
# of a wiki behind Apache (start-apache DIR) for test_tls.py. Without them
# the tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

step() { printf '\n==> %s\n' "$*"; }
# shellcheck source=scripts/python-venv.sh
source "$root/scripts/python-venv.sh"

usage() { sed -n 's/^# Usage: //p' "$0" >&2; exit 2; }
pythons=()
all=0
while [ $# -gt 0 ]; do
	case "$1" in
	--all-pythons) all=1; shift ;;
	--python)
		[ $# -ge 2 ] || usage
		pythons+=("$2"); shift 2 ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) break ;;
	esac
done
oldest="${SUPPORTED_PYTHONS[0]}"
newest="${SUPPORTED_PYTHONS[${#SUPPORTED_PYTHONS[@]} - 1]}"
if [ "$all" -eq 1 ]; then
	pythons=("${SUPPORTED_PYTHONS[@]}")
elif [ ${#pythons[@]} -eq 0 ]; then
	pythons=("$oldest" "$newest")
fi

if [ -z "${MW_TEST_ENV:-}" ]; then
	echo "test-python.sh: MW_TEST_ENV is not set (start a wiki: scripts/test-wiki.sh start DIR)" >&2
	exit 1
fi

# Every interpreter first, so that a missing one fails before the builds.
declare -A interpreter
for v in "$oldest" "${pythons[@]}"; do
	interpreter[$v]="$(find_cpython "$v")"
done

work="$root/target/release-check"
dist="$work/dist"
mkdir -p "$work"
started=$SECONDS
phase() { printf '    (%s: %ds)\n' "$1" $((SECONDS - $2)); }

t=$SECONDS
"$root/scripts/build-release.sh" "$dist"
phase "release artifacts" "$t"
wheel="$(ls "$dist"/mwauth-*.whl)"
sdist="$(ls "$dist"/mwauth-*.tar.gz)"
version="$(basename "$sdist" .tar.gz)"
version="${version#mwauth-}"

# Prints where mwauth and its native module come from; fails unless both are
# inside the virtualenv $1. Run with the current directory outside the tree.
check_installed() {
	"$1/bin/python" - "$1" "$version" <<'EOF'
import os, sys
import mwauth, mwauth._native
venv, version = os.path.realpath(sys.argv[1]), sys.argv[2]
print("mwauth", mwauth.__version__, "from", os.path.dirname(mwauth.__file__))
for f in (mwauth.__file__, mwauth._native.__file__):
    if not os.path.realpath(f).startswith(venv + os.sep):
        sys.exit(f"{f} is not inside the virtualenv {venv}")
if mwauth.__version__ != version:
    sys.exit(f"mwauth.__version__ is {mwauth.__version__}, the sdist is {version}")
EOF
}

step "the wheel in the tools virtualenv: stubtest and mypy --strict"
t=$SECONDS
tools_venv
tools="$(dirname "$(dirname "$tools_py")")"
"$tools_py" -m pip install --quiet --force-reinstall --no-deps "$wheel"
(cd / && check_installed "$tools")
(cd "$root/tests/python" && "$tools_py" -m mypy.stubtest mwauth)
(cd "$root/tests/python" && "$tools_py" -m mypy --strict --no-incremental -p mwauth)
phase "stubs" "$t"

failed=()
summary=()
for v in "${pythons[@]}"; do
	step "pytest tests/python on CPython $v, against the wheel installed in a fresh virtualenv"
	t=$SECONDS
	venv="$work/venv-$v"
	fresh_venv "${interpreter[$v]}" "$venv"
	"$venv/bin/python" -m pip install --quiet --no-compile "${TEST_PACKAGES[@]}"
	# The interpreter's own pip: it must accept the wheel's tags.
	"$venv/bin/python" -m pip install --quiet --no-index --no-deps "$wheel"
	(cd "$root/tests/python" && check_installed "$venv")
	log="$work/pytest-$v.log"
	set +e
	(cd "$root/tests/python" && MWAUTH_TEST_INSTALLED_IN="$venv" \
		"$venv/bin/python" -m pytest -q -p no:cacheprovider "$@") 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	line="$("$venv/bin/python" -c 'import platform; print(platform.python_version())'): $(tail -n 1 "$log" | tr -s '=' | sed 's/^= //; s/ =$//') (exit $rc, $((SECONDS - t))s)"
	summary+=("$line")
	[ "$rc" -eq 0 ] || failed+=("$v")
done

step "summary ($((SECONDS - started))s in all)"
echo "wheel: $(basename "$wheel")"
echo "sdist: $(basename "$sdist") (the wheel was built from it)"
printf 'CPython %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "test-python.sh: the suite failed on CPython ${failed[*]}" >&2
	exit 1
fi
