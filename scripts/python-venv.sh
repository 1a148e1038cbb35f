# Shell functions for the Python scripts (sourced, not run):
# scripts/build-release.sh and scripts/test-python.sh.
#
#   tools_venv              creates (or reuses) the tools virtualenv
#                           $MWAUTH_VENV (default .venv-test, ignored by git)
#                           from $PYTHON (default python3, 3.11 or later) and installs what
#                           is missing of TOOLS_PACKAGES; sets $tools_py.
#   find_cpython X.Y        prints the path of CPython X.Y: $MWAUTH_PYTHON_X_Y
#                           if set, else the newest X.Y.* under
#                           ${PYENV_ROOT:-~/.pyenv}/versions; fails (exit 1)
#                           when there is none or it is another version.
#   fresh_venv PYTHON DIR   deletes DIR and makes a new virtualenv there with
#                           the interpreter's own pip; fails loudly when the
#                           interpreter cannot (no venv or ensurepip).
# Expects $root (the repository) and step() from the caller.

# The CPython versions the wheel claims (Requires-Python, classifiers) and
# scripts/test-python.sh --all-pythons tests, oldest first.
SUPPORTED_PYTHONS=(3.9 3.10 3.11 3.12 3.13)

# The release build (maturin, zig for the manylinux link), its checks (twine,
# auditwheel, trove-classifiers) and the stub checks (mypy). ziglang is
# pinned: the manylinux_2_17 link was checked with this zig (docs/python.md).
TOOLS_PACKAGES=(pytest requests mypy "maturin>=1.9.4,<2" "ziglang==0.17.1" twine auditwheel trove-classifiers)
TOOLS_IMPORTS="pytest, requests, mypy, maturin, ziglang, twine, auditwheel, trove_classifiers"
# What the suite itself needs in a virtualenv of its own: mypy for
# tests/python/test_typing.py, which type-checks code that uses requests;
# requests has its own type hints only from 2.33, which needs Python 3.10.
TEST_PACKAGES=(pytest requests mypy "types-requests; python_version < '3.10'")

tools_venv() {
	local venv="${MWAUTH_VENV:-$root/.venv-test}"
	local python="${PYTHON:-python3}"
	# 3.11: scripts/build-release.sh reads pyproject.toml with tomllib.
	if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
		echo "$python is older than Python 3.11 (the tools virtualenv needs tomllib)" >&2
		return 1
	fi
	if [ ! -x "$venv/bin/python" ]; then
		step "creating the tools virtualenv $venv"
		if ! "$python" -m venv "$venv"; then
			# Debian splits venv/ensurepip off the interpreter.
			rm -rf "$venv"
			if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
				apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
				"$python" -m venv "$venv"
			else
				echo "cannot create a virtualenv with $python (install python3-venv)" >&2
				return 1
			fi
		fi
	fi
	tools_py="$venv/bin/python"
	# Installed once; a reused virtualenv skips the index.
	if ! "$tools_py" -c "import $TOOLS_IMPORTS" >/dev/null 2>&1; then
		step "installing the tools into $venv"
		"$tools_py" -m pip install --quiet --upgrade pip
		"$tools_py" -m pip install --quiet "${TOOLS_PACKAGES[@]}"
	fi
}

find_cpython() {
	local want="$1" var="MWAUTH_PYTHON_${1//./_}" found=""
	if [ -n "${!var:-}" ]; then
		found="${!var}"
	else
		local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}" candidate
		# sort -V: 3.9.18 after 3.9.9; the last one is the newest.
		for candidate in $(ls -d "$pyenv_root/versions/$want".* 2>/dev/null | sort -V); do
			[ -x "$candidate/bin/python$want" ] && found="$candidate/bin/python$want"
		done
	fi
	if [ -z "$found" ]; then
		echo "CPython $want not found (no $var, nothing under ${PYENV_ROOT:-$HOME/.pyenv}/versions/$want.*): install it, e.g. pyenv install $want" >&2
		return 1
	fi
	if ! "$found" -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(v != sys.argv[1] or sys.implementation.name != "cpython")' "$want"; then
		echo "$found is not CPython $want" >&2
		return 1
	fi
	echo "$found"
}

fresh_venv() {
	local python="$1" dir="$2"
	rm -rf "$dir"
	if ! "$python" -m venv "$dir"; then
		echo "$python cannot make a virtualenv (venv or ensurepip missing)" >&2
		return 1
	fi
	if ! "$dir/bin/python" -m pip --version >/dev/null; then
		echo "the virtualenv $dir has no working pip" >&2
		return 1
	fi
}
