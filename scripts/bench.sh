#!/usr/bin/env bash
# The benchmark suite (docs/performance.md), in one command:
#   1. the machine (nproc, memory, CPU, load);
#   2. criterion micro-benchmarks of mw-protocol: every request builder,
#      every typed parser next to serde_json::Value of the same bytes, the
#      seed flow through a Session in memory;
#   3. client overhead against a fast loopback server of recorded MediaWiki
#      1.39 responses (`mw-bench serve`): mw-transport vs a bare hyper-util
#      client (the floor), then Python requests running the seed code vs
#      mwauth vs the Rust client (bench/python_flows.py), then mwauth's
#      AsyncSession vs its Session and 64 concurrent flows vs one
#      (bench/python_async.py);
#   4. scale: RSS per logged-in Session / Client up to 10,000 held at once;
#      throughput with 1, 10, 100 and 1,000 concurrent sessions.
# Every comparison is measured in turns within one run, so the machine's
# load cancels out of the ratios. The whole output is also written to
# target/bench/results-<UTC time>.txt.
#
# Usage: scripts/bench.sh           the full suite (about 10 minutes)
#        scripts/bench.sh --quick   build everything and run each benchmark
#                                   once on a tiny input (CI; scripts/test.sh)
# The Python part uses the virtualenv of scripts/test-python.sh ($MWAUTH_VENV,
# default .venv-test), creating it and installing the wheel (pip install .)
# when needed; without Python 3.9+ it is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*)
	echo "usage: scripts/bench.sh [--quick]" >&2
	exit 2
	;;
esac

step() { printf '\n==> %s\n' "$*"; }

# mwclient and pywikibot, for the side-by-side run of bench/python_libs.py
# (pinned: the figures in docs/performance.md are for these versions).
python_libraries() {
	if ! "$1" -c 'import mwclient, pywikibot' >/dev/null 2>&1; then
		"$1" -m pip install --quiet "mwclient==0.11.0" "pywikibot==11.9.0"
	fi
}

if [ "$quick" -eq 1 ]; then
	step "criterion benchmarks of mw-protocol, once each (test mode)"
	cargo test --quiet -p mw-protocol --bench protocol
	step "parse/ rows in turns, tiny (debug build: the ratios mean nothing here)"
	cargo run --quiet -p mw-protocol --example parse_ratio -- 2 10
	step "mw-bench quick (debug build, tiny inputs: the figures and PASS/FAIL mean nothing here)"
	cargo run --quiet -p mw-bench -- quick
	venv="${MWAUTH_VENV:-$root/.venv-test}"
	if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import mwauth, requests' 2>/dev/null; then
		step "Python seed flows (requests, mwauth, Rust), tiny"
		url_file="$(mktemp)"
		target/debug/mw-bench serve >"$url_file" &
		server=$!
		trap 'kill "$server" 2>/dev/null || true; rm -f "$url_file"' EXIT
		for _ in $(seq 50); do grep -q '^url ' "$url_file" && break; sleep 0.1; done
		url="$(awk '/^url /{print $2}' "$url_file")"
		"$venv/bin/python" bench/python_flows.py --url "$url" --mw-bench target/debug/mw-bench --secs 0.1 --rounds 1
		step "Python AsyncSession vs Session, concurrent flows, tiny"
		"$venv/bin/python" bench/python_async.py --url "$url" --secs 0.1 --rounds 1 --concurrency 4
		if [ -n "${MW_TEST_ENV:-}" ]; then
			python_libraries "$venv/bin/python"
			step "Python libraries on the test wiki, one flow each"
			(cd bench && "$venv/bin/python" python_libs.py --env "$MW_TEST_ENV" --flows 1 --rounds 1)
			step "whole processes: mw flow vs the seed script, once each"
			cargo build --quiet -p mw-cli
			"$venv/bin/python" bench/process_time.py --env "$MW_TEST_ENV" --mw target/debug/mw --runs 1
		else
			echo "MW_TEST_ENV is not set: the benchmarks on a real wiki were not run"
		fi
		step "Python memory per logged-in Session, tiny"
		"$venv/bin/python" bench/python_scale.py --url "$url" --max 20
	else
		echo "no virtualenv with mwauth at $venv (scripts/test-python.sh makes it): Python benchmark not run"
	fi
	echo
	echo "benchmarks build and run"
	exit 0
fi

mkdir -p target/bench
results="target/bench/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
exec > >(tee "$results") 2>&1

step "machine"
date -u
echo "nproc: $(nproc)"
free -h
grep -m1 'model name' /proc/cpuinfo || true
uptime
echo "top CPU users now:"
ps -eo pid,ni,pcpu,comm --sort=-pcpu | head -6
rustc --version

step "building (release)"
cargo build --quiet --release -p mw-bench
bench=target/release/mw-bench

step "criterion: mw-protocol builders, parsers, session"
cargo bench --quiet -p mw-protocol --bench protocol >target/bench/criterion.log 2>&1 || {
	cat target/bench/criterion.log
	exit 1
}
python3 bench/criterion_summary.py target/criterion

# The same rows timed in turns (typed, Value, Value, typed, ...): on this
# kind of VM criterion's medians of one side and then the other swing by
# up to 0.3 in a ratio between runs; the median of per-round ratios does
# not (docs/performance.md, "The rows timed in turns").
step "parse/ rows in turns: typed vs Value"
cargo run --quiet --release -p mw-protocol --example parse_ratio

# Where the processes run. In this kind of VM a wake-up across cores costs
# far more than the client's own work (~60 µs per request round trip,
# against ~15 µs of client CPU), so the comparisons run twice: with the
# client on the server's core (the client's overhead undiluted, the
# figures the targets are judged on) and on the other core (what an idle
# machine gives). Without taskset or a second core, unpinned.
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	server_cpu=(taskset -c 0)
	placements=("same core as the server:taskset -c 0" "the other core:taskset -c 1")
else
	server_cpu=()
	placements=("unpinned:")
fi

step "fast server"
url_file="$(mktemp)"
"${server_cpu[@]}" $bench serve >"$url_file" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$url_file"' EXIT
for _ in $(seq 50); do grep -q '^url ' "$url_file" && break; sleep 0.1; done
url="$(awk '/^url /{print $2}' "$url_file")"
echo "$url (pid $server)"

for placement in "${placements[@]}"; do
	step "client overhead: mw-transport vs the hyper-util floor; client on ${placement%%:*}"
	read -r -a pin <<<"${placement#*:}"
	"${pin[@]}" $bench flows --url "$url" --server-pid "$server" --secs 3 --rounds 5
done

step "Python: requests (seed code) vs mwauth vs Rust"
venv="${MWAUTH_VENV:-$root/.venv-test}"
python="${PYTHON:-python3}"
if "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
	if [ ! -x "$venv/bin/python" ]; then
		"$python" -m venv "$venv"
	fi
	py="$venv/bin/python"
	if ! "$py" -c 'import requests, maturin' >/dev/null 2>&1; then
		"$py" -m pip install --quiet requests "maturin>=1.9.4,<2"
	fi
	# The wheel of this tree (release build, as users get it).
	"$py" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps "$root"
	"$py" -c 'import mwauth, requests; print("mwauth", mwauth.__version__, "requests", requests.__version__)'
	for placement in "${placements[@]}"; do
		step "Python vs Rust; clients on ${placement%%:*}"
		read -r -a pin <<<"${placement#*:}"
		"${pin[@]}" "$py" bench/python_flows.py --url "$url" --mw-bench "$bench" --secs 3 --rounds 5
	done
	# Concurrency needs both cores: the clients are not pinned here (the
	# server stays on CPU 0); the targets are judged on this run.
	step "Python: AsyncSession vs Session, and 64 concurrent flows vs one; clients unpinned"
	"$py" bench/python_async.py --url "$url" --secs 3 --rounds 5 --concurrency 64
	if [ "${#server_cpu[@]}" -gt 0 ]; then
		step "Python: AsyncSession vs Session, concurrent flows; clients on the same core as the server"
		"${server_cpu[@]}" "$py" bench/python_async.py --url "$url" --secs 3 --rounds 5 --concurrency 64
	fi
	# The libraries bot authors use, and the CLI as a whole process, on a
	# real MediaWiki: $MW_TEST_ENV's, or one started here (scripts/test-wiki.sh).
	if [ -z "${MW_TEST_ENV:-}" ]; then
		wiki_dir="$(mktemp -d)"
		chmod 711 "$wiki_dir"
		scripts/test-wiki.sh install
		scripts/test-wiki.sh start "$wiki_dir/main" >"$wiki_dir/main.log" 2>&1
		trap 'kill "$server" 2>/dev/null || true; rm -f "$url_file"; scripts/test-wiki.sh stop "$wiki_dir/main" >/dev/null 2>&1 || true' EXIT
		export MW_TEST_ENV="$wiki_dir/main/env"
	fi
	python_libraries "$py"
	step "Python libraries on a real MediaWiki: requests (seed code), mwauth, mwclient, pywikibot; unpinned"
	(cd bench && "$py" python_libs.py --env "$MW_TEST_ENV" --flows 20 --rounds 3)
	step "whole processes on a real MediaWiki: mw flow vs the seed script; unpinned"
	cargo build --quiet --release -p mw-cli
	"$py" bench/process_time.py --env "$MW_TEST_ENV" --mw target/release/mw --runs 20
	step "Python: memory per logged-in Session, 100 to 10,000 held at once"
	"$py" bench/python_scale.py --mw-bench "$bench" --max 10000 --close
	"$py" bench/python_scale.py --mw-bench "$bench" --max 10000
else
	echo "no Python 3.9+: skipped"
fi
kill "$server" 2>/dev/null || true

step "scale: memory per logged-in session, 100 to 10,000 held at once"
$bench scale-protocol --max 10000
$bench scale-client --max 10000 --built-only
$bench scale-client --max 10000 --close
$bench scale-client --max 10000

step "scale: throughput with concurrent sessions"
$bench concurrency --levels 1,10,100,1000 --secs 3

step "load at the end"
uptime
echo
echo "results: $results"
