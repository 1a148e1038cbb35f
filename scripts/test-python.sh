#!/usr/bin/env bash
# Builds and installs the mwauth wheel into a virtualenv and runs its tests:
#   1. creates (or reuses) the virtualenv $MWAUTH_VENV (default: .venv-test
#      in the repository, ignored by git) with pytest, requests and mypy;
#   2. `pip install .` (maturin builds the abi3 wheel in release mode);
#   3. `python -m mypy.stubtest mwauth` (the stubs match the native module)
#      and `mypy` on the pure-Python part;
#   4. pytest on tests/python, against the INSTALLED package (run from the
#      tests directory so that python/ is not on sys.path).
# Expects MW_TEST_ENV to name a test wiki's env file (scripts/test-wiki.sh
# start DIR prints it; scripts/test.sh sets it), and MW_TEST_ENV_APACHE one
# of a wiki behind Apache (start-apache DIR) for test_tls.py. Without them
# the tests fail.
# Extra arguments go to pytest (e.g. -k sansio -x).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

step() { printf '\n==> %s\n' "$*"; }

if [ -z "${MW_TEST_ENV:-}" ]; then
	echo "test-python.sh: MW_TEST_ENV is not set (start a wiki: scripts/test-wiki.sh start DIR)" >&2
	exit 1
fi

venv="${MWAUTH_VENV:-$root/.venv-test}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
	echo "test-python.sh: $python is older than Python 3.9" >&2
	exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
	step "creating virtualenv $venv"
	if ! "$python" -m venv "$venv"; then
		# Debian splits venv/ensurepip off the interpreter.
		rm -rf "$venv"
		if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
			"$python" -m venv "$venv"
		else
			echo "test-python.sh: cannot create a virtualenv (install python3-venv)" >&2
			exit 1
		fi
	fi
fi
py="$venv/bin/python"

step "test dependencies"
# Installed once; a reused virtualenv skips the index.
if ! "$py" -c 'import pytest, requests, mypy, maturin' >/dev/null 2>&1; then
	"$py" -m pip install --quiet --upgrade pip
	"$py" -m pip install --quiet pytest requests mypy "maturin>=1.9.4,<2"
fi

step "building and installing the wheel (pip install .)"
# --no-build-isolation: maturin is already in the virtualenv, so pip needs
# no index; cargo reuses target/ between runs.
"$py" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps "$root"
"$py" -c 'import mwauth, sys; print("mwauth", mwauth.__version__, "from", mwauth.__file__); sys.exit(mwauth.__file__.startswith(sys.argv[1]))' "$root/python/"

step "stubtest and mypy"
(cd "$root/tests/python" && "$py" -m mypy.stubtest mwauth)
(cd "$root/tests/python" && "$py" -m mypy --strict --no-incremental -p mwauth)

step "pytest tests/python"
cd "$root/tests/python"
exec "$py" -m pytest -q -p no:cacheprovider "$@"
