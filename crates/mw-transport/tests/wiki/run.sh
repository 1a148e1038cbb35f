#!/usr/bin/env bash
# Runs mw-transport's tests against seven throw-away MediaWiki wikis:
#   MW_TEST_ENV               a plain wiki
#   MW_TEST_ENV_READONLY      one with tests/wiki/readonly.php
#   MW_TEST_ENV_SHORTSESSION  one with tests/wiki/shortsession.php
#   MW_TEST_ENV_APACHE        one served by Apache over HTTPS (start-apache)
#   MW_TEST_ENV_OATH          one with OATHAuth (oath.php, oath-setup.sh)
#   MW_TEST_ENV_CAPTCHA       one with ConfirmEdit's QuestyCaptcha (captcha.php)
#   MW_TEST_ENV_THROTTLE      one with an account-creation throttle (accountthrottle.php)
# started with scripts/test-wiki.sh in $MW_TRANSPORT_WIKI_DIR (kept, stopped,
# afterwards) or a temporary directory (deleted afterwards). Extra arguments
# go to `cargo test`.
#
#   crates/mw-transport/tests/wiki/run.sh [-- cargo test args...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
wiki="$repo/scripts/test-wiki.sh"
if [ -n "${MW_TRANSPORT_WIKI_DIR:-}" ]; then
	work="$MW_TRANSPORT_WIKI_DIR" # kept (stopped) for inspection
	done_cmd=stop
else
	work="$(mktemp -d "${TMPDIR:-/tmp}/mw-transport-wikis.XXXXXX")"
	# Apache started by root serves as www-data, which must reach $work/apache.
	chmod o+x "$work"
	done_cmd=clean
fi

stop_all() {
	for d in plain readonly shortsession apache oath captcha throttle; do
		"$wiki" "$done_cmd" "$work/$d" >/dev/null 2>&1 || true
	done
	[ "$done_cmd" = clean ] && rmdir "$work" 2>/dev/null || true
}
trap stop_all EXIT

"$wiki" install
MW_TEST_ENV="$("$wiki" start "$work/plain" | tail -n 1)"
MW_TEST_ENV_READONLY="$("$wiki" start "$work/readonly" "$here/readonly.php" | tail -n 1)"
MW_TEST_ENV_SHORTSESSION="$("$wiki" start "$work/shortsession" "$here/shortsession.php" | tail -n 1)"
MW_TEST_ENV_APACHE="$("$wiki" start-apache "$work/apache" | tail -n 1)"
MW_TEST_ENV_OATH="$("$wiki" start "$work/oath" "$here/oath.php" "$here/oath-setup.sh" | tail -n 1)"
MW_TEST_ENV_CAPTCHA="$("$wiki" start "$work/captcha" "$here/captcha.php" "$here/captcha-setup.sh" | tail -n 1)"
MW_TEST_ENV_THROTTLE="$("$wiki" start "$work/throttle" "$here/accountthrottle.php" | tail -n 1)"
export MW_TEST_ENV MW_TEST_ENV_READONLY MW_TEST_ENV_SHORTSESSION MW_TEST_ENV_APACHE
export MW_TEST_ENV_OATH MW_TEST_ENV_CAPTCHA MW_TEST_ENV_THROTTLE

cd "$repo"
[ "${1:-}" = "--" ] && shift
cargo test -p mw-transport "$@"
