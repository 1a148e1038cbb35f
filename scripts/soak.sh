#!/usr/bin/env bash
# Soak/load test (not part of scripts/test.sh): starts a throw-away local
# MediaWiki (scripts/test-wiki.sh), then runs SESSIONS concurrent clients,
# each doing the full seed flow (login token, login, csrf token, checktoken,
# logout) in a loop for MINUTES, and reports flows completed, errors and RSS.
# Fails if any flow failed or the RSS grew by more than MAX_RSS_GROWTH_MIB
# after the first round.
#
# Usage: scripts/soak.sh [SESSIONS] [MINUTES] [MAX_RSS_GROWTH_MIB]
#        (defaults 200, 3 and 64; also from the environment variables
#        SOAK_SESSIONS, SOAK_MINUTES, SOAK_MAX_RSS_GROWTH_MIB)
set -euo pipefail
cd "$(dirname "$0")/.."

sessions="${1:-${SOAK_SESSIONS:-200}}"
minutes="${2:-${SOAK_MINUTES:-3}}"
growth="${3:-${SOAK_MAX_RSS_GROWTH_MIB:-64}}"

scripts/test-wiki.sh install
work="$(mktemp -d "${TMPDIR:-/tmp}/mw-soak.XXXXXX")"
cleanup() { scripts/test-wiki.sh clean "$work/wiki" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

echo "==> starting a test wiki in $work/wiki"
env_file="$(scripts/test-wiki.sh start "$work/wiki" | tail -n 1)"
echo "==> building the soak client"
cargo build --release -p mw-transport --example soak
echo "==> soak: $sessions sessions, $minutes min"
./target/release/examples/soak "$env_file" "$sessions" "$minutes" "$growth"
