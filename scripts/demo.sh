#!/usr/bin/env bash
# The main job: runs the whole token flow of the seeds through the `mw`
# command, printing each step (login, tokens, checktoken, logout).
#
# With MW_API_URL, MW_USERNAME and MW_PASSWORD set, it talks to that wiki.
# Otherwise it installs MediaWiki's Debian packages if needed, starts a
# throw-away MediaWiki 1.39 on a free loopback port with a bot password,
# runs the flow against it and stops it again.
#
# mw requires a descriptive user agent: MW_USER_AGENT, or this script's own
# (the demo's name and the project's URL) when it is unset.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MW_API_URL:-}" ]; then
	if ! command -v curl >/dev/null 2>&1; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates
	fi
	scripts/test-wiki.sh install
	work="$(mktemp -d "${TMPDIR:-/tmp}/mw-demo.XXXXXX")"
	trap 'scripts/test-wiki.sh stop "$work/wiki" >/dev/null 2>&1 || true' EXIT
	echo "==> starting a local MediaWiki in $work/wiki"
	env_file="$(scripts/test-wiki.sh start "$work/wiki" | tail -n 1)"
	set -a
	# shellcheck disable=SC1090
	. "$env_file"
	set +a
	export MW_USERNAME="$MW_BOT_USER" MW_PASSWORD="$MW_BOT_PASSWORD"
	export MW_SESSION_FILE="$work/session.json"
fi

export MW_USER_AGENT="${MW_USER_AGENT:-mw-auth-demo/0.1 (https://github.com/mw-auth/mw-auth; scripts/demo.sh)}"

echo "==> building the mw command"
cargo build --release --quiet -p mw-cli
echo "==> running the seed flow against $MW_API_URL"
target/release/mw --api "$MW_API_URL" flow
