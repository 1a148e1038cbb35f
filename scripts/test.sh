#!/usr/bin/env bash
# Runs every test of the workspace on a fresh Debian machine:
#   1. installs what is missing (MediaWiki's Debian packages, curl);
#   2. starts four throw-away MediaWiki 1.39 wikis on free loopback ports
#      (a normal one, a read-only one, one whose sessions expire in seconds,
#      all three served by `php -S`, and one served by Apache over HTTPS
#      with keep-alive and a certificate of a throw-away CA);
#   3. runs formatting and lint checks, the Rust unit, doc, snapshot
#      (insta, in check mode) and integration tests against those wikis,
#      then the Python release artifacts (scripts/test-python.sh: the sdist,
#      and the abi3 manylinux wheel built from it in a fresh virtualenv, both
#      checked as an index would, then the Python suite against the wheel
#      installed in fresh virtualenvs of CPython 3.9 and 3.13), then the
#      benchmarks once each on a tiny input (scripts/bench.sh --quick),
#      then every example of README.md and docs/*.md (scripts/check-docs.py);
#   4. stops the wikis, whatever happened.
# Usage: scripts/test.sh            (no arguments)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "installing MediaWiki (Debian packages) if missing"
if ! command -v curl >/dev/null 2>&1; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates
fi
scripts/test-wiki.sh install

work="$(mktemp -d "${TMPDIR:-/tmp}/mw-tests.XXXXXX")"
# Searchable (not readable) by others: Apache, started by root, serves the
# apache wiki as www-data, which must reach $work/apache. The env files
# with the passwords stay 0600.
chmod 711 "$work"
wikis=(main readonly shortsession apache oath captcha throttle)
cleanup() {
	for w in "${wikis[@]}"; do scripts/test-wiki.sh stop "$work/$w" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

# The variants' settings live beside the tests that need them.
settings=crates/mw-transport/tests/wiki
step "starting test wikis in $work"
scripts/test-wiki.sh start "$work/main" >"$work/main.log" 2>&1 &
p1=$!
scripts/test-wiki.sh start "$work/readonly" "$settings/readonly.php" >"$work/readonly.log" 2>&1 &
p2=$!
scripts/test-wiki.sh start "$work/shortsession" "$settings/shortsession.php" >"$work/shortsession.log" 2>&1 &
p3=$!
scripts/test-wiki.sh start-apache "$work/apache" >"$work/apache.log" 2>&1 &
p4=$!
scripts/test-wiki.sh start "$work/oath" "$settings/oath.php" "$settings/oath-setup.sh" >"$work/oath.log" 2>&1 &
p5=$!
scripts/test-wiki.sh start "$work/captcha" "$settings/captcha.php" "$settings/captcha-setup.sh" >"$work/captcha.log" 2>&1 &
p6=$!
scripts/test-wiki.sh start "$work/throttle" "$settings/accountthrottle.php" >"$work/throttle.log" 2>&1 &
p7=$!
for p in $p1 $p2 $p3 $p4 $p5 $p6 $p7; do
	if ! wait "$p"; then
		cat "$work"/*.log >&2
		echo "a test wiki failed to start" >&2
		exit 1
	fi
done
export MW_TEST_ENV="$work/main/env"
export MW_TEST_ENV_READONLY="$work/readonly/env"
export MW_TEST_ENV_SHORTSESSION="$work/shortsession/env"
export MW_TEST_ENV_APACHE="$work/apache/env"
export MW_TEST_ENV_OATH="$work/oath/env"
export MW_TEST_ENV_CAPTCHA="$work/captcha/env"
export MW_TEST_ENV_THROTTLE="$work/throttle/env"
grep MW_API_URL "$MW_TEST_ENV" "$MW_TEST_ENV_READONLY" "$MW_TEST_ENV_SHORTSESSION" "$MW_TEST_ENV_APACHE" \
	"$MW_TEST_ENV_OATH" "$MW_TEST_ENV_CAPTCHA" "$MW_TEST_ENV_THROTTLE"
grep -h "wiki ready" "$work"/*.log || true

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (unit, snapshot, integration, doc)"
# insta never writes snapshots here: a missing or changed one fails.
INSTA_UPDATE=no cargo test --workspace --all-targets
INSTA_UPDATE=no cargo test --workspace --doc

# A crate that depends on mw-protocol may turn on serde_json's
# preserve_order (features unify): the scanner's pass and serde's must
# still agree when serde_json::Map keeps the body's order.
step "mw-protocol's unit tests with serde_json/preserve_order"
INSTA_UPDATE=no cargo test --quiet -p mw-protocol --lib --features serde_json/preserve_order

step "the fuzz targets build (fuzz/ is its own workspace; running them is docs/reliability.md's)"
(cd fuzz && cargo check --quiet --bins)

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "cargo package (every publishable crate, verified together)"
# Cargo verifies each crate against the others as if they came from a
# registry, and treats a registry crate as immutable: it reuses the sources
# it unpacked and the library it built the last time this version was
# packaged, however the code changed since (a run on a reused machine once
# verified mw-transport against last week's mw-protocol and failed). So drop
# both before packaging: the unpacked copies (these names exist on no real
# registry) and the build fingerprints of these crates.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
target_dir="${CARGO_TARGET_DIR:-target}"
for crate in mw-protocol mw-transport mw-cli; do
    rm -rf "$cargo_home"/registry/src/-*/"$crate"-[0-9]* \
        "$target_dir"/debug/.fingerprint/"$crate"-*
done
cargo package --quiet -p mw-protocol -p mw-transport -p mw-cli --allow-dirty

step "Python: release sdist and wheel, and the suite on the installed wheel"
scripts/test-python.sh

step "benchmarks: build, and run each once on a tiny input"
# Not timed: scripts/bench.sh (no arguments) measures; docs/performance.md.
scripts/bench.sh --quick

step "every example of README.md and docs/*.md, run against the wikis"
# Python blocks: run, and type-checked with mypy --strict, with the wheel
# installed in the tools virtualenv by scripts/test-python.sh; the shell
# blocks of docs/cli.md: run in order (scripts/check-docs.py says how a
# block declares the names it expects).
"${MWAUTH_VENV:-.venv-test}/bin/python" scripts/check-docs.py "$MW_TEST_ENV" "$MW_TEST_ENV_APACHE" "$MW_TEST_ENV_OATH" "$MW_TEST_ENV_CAPTCHA"

echo
echo "all tests passed"
