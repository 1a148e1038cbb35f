#!/usr/bin/env bash
# Throw-away MediaWiki 1.39 (Debian package) test wikis on loopback.
#
#   scripts/test-wiki.sh install
#       Install the Debian packages (mediawiki php-cli php-sqlite3 php-intl
#       php-mbstring php-xml) if /usr/share/mediawiki/maintenance/install.php or
#       php is missing. Uses sudo only when not root. No service (apache2) is
#       started by the installation, and a running apache2 is not needed.
#
#   scripts/test-wiki.sh start DIR [EXTRA_SETTINGS_PHP_FILE]
#       Create a fresh sqlite wiki in DIR, serve it with `php -S` on a free
#       127.0.0.1 port and write DIR/env (KEY=value lines). The last line on
#       stdout is the path of DIR/env. If a wiki started by this script with
#       the same extra settings is already being served from DIR, it is reused.
#       Otherwise DIR must be empty, absent, or a directory created by this
#       script (its old wiki is stopped and replaced).
#       EXTRA_SETTINGS_PHP_FILE is appended to DIR/LocalSettings.php after the
#       test settings, once the accounts exist (a leading "<?php" is dropped),
#       so it may set e.g. $wgReadOnly. The test settings empty $wgRateLimits
#       and turn off $wgPasswordAttemptThrottle; set them in the extra file to
#       test them. DIR must not contain whitespace. The session cookie is
#       wiki_session (wiki_BPsession for bot passwords); cookies ignore ports,
#       so use one cookie jar per wiki.
#
#   scripts/test-wiki.sh stop DIR      stop the server, keep DIR for inspection
#   scripts/test-wiki.sh clean DIR     stop the server and delete DIR
#   scripts/test-wiki.sh status DIR    exit 0 if the server of DIR is running
#
# Environment: MW_INSTALL_PATH (default /usr/share/mediawiki),
#              TEST_WIKI_START_TIMEOUT (seconds to wait for api.php, default 60).
set -euo pipefail

MW_IP="${MW_INSTALL_PATH:-/usr/share/mediawiki}"
START_TIMEOUT="${TEST_WIKI_START_TIMEOUT:-60}"
MARKER=".test-wiki"
PROG="$(basename "$0")"

die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

usage() {
	sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		command -v sudo >/dev/null 2>&1 || die "not root and sudo is missing; cannot run: $*"
		sudo "$@"
	fi
}

# ---------------------------------------------------------------- install
cmd_install() {
	if [ -f "$MW_IP/maintenance/install.php" ] && command -v php >/dev/null 2>&1; then
		log "MediaWiki and php already installed ($MW_IP)"
		return 0
	fi
	log "installing MediaWiki packages"
	# Keep the packages' maintainer scripts from starting apache2 (pulled in by
	# the mediawiki package's dependencies): policy-rc.d exit 101 = "don't start".
	local policy=/usr/sbin/policy-rc.d created_policy=0
	if [ ! -e "$policy" ]; then
		as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
		created_policy=1
	fi
	local rc=0
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update || rc=$?
	if [ "$rc" -eq 0 ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml || rc=$?
	fi
	if [ "$created_policy" -eq 1 ]; then
		as_root rm -f "$policy"
	fi
	[ "$rc" -eq 0 ] || die "package installation failed (exit $rc)"
	# If an apache2 got started anyway (e.g. a real init system), stop it: it is not used.
	if command -v apache2ctl >/dev/null 2>&1 && pgrep -x apache2 >/dev/null 2>&1; then
		log "stopping apache2 started by the package (not needed)"
		as_root apache2ctl stop >/dev/null 2>&1 || true
	fi
	[ -f "$MW_IP/maintenance/install.php" ] || die "$MW_IP/maintenance/install.php still missing after install"
	command -v php >/dev/null 2>&1 || die "php still missing after install"
}

# ---------------------------------------------------------------- helpers
abs_dir() {
	# absolute path of a (possibly not yet existing) directory
	case "$1" in
		/*) printf '%s\n' "$1" ;;
		*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}

# random string of N chars from the given tr(1) set
rand_chars() {
	local n="$1" set="$2" out=""
	while [ "${#out}" -lt "$n" ]; do
		out+="$(head -c 512 /dev/urandom | LC_ALL=C tr -dc "$set" || true)"
	done
	printf '%s\n' "${out:0:$n}"
}

free_port() {
	# Ask the OS for a free loopback port.
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' && return 0
	fi
	php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1), "\n";'
}

read_pid() {
	local f="$1/server.pid"
	[ -f "$f" ] || return 1
	local pid
	pid="$(tr -dc '0-9' <"$f")"
	[ -n "$pid" ] || return 1
	printf '%s\n' "$pid"
}

# Is the server recorded in DIR alive (and really our php -S for that DIR)?
server_alive() {
	local dir="$1" pid
	pid="$(read_pid "$dir")" || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	# guard against pid reuse: it must be php serving with this DIR's config
	tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "MW_CONFIG_FILE=$dir/LocalSettings.php" || return 1
	return 0
}

stop_server() {
	local dir="$1" pid
	if ! pid="$(read_pid "$dir")"; then
		return 0
	fi
	if server_alive "$dir"; then
		# php -S was started with setsid: its pid is its process group id, and the
		# PHP_CLI_SERVER_WORKERS children are in that group.
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		local i
		for i in $(seq 1 50); do
			kill -0 -- "-$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 -- "-$pid" 2>/dev/null; then
			kill -KILL -- "-$pid" 2>/dev/null || true
		fi
		log "stopped server pid $pid ($dir)"
	fi
	rm -f "$dir/server.pid"
}

api_answers() {
	# prints nothing; succeeds when api.php returns siteinfo JSON
	local port="$1" body
	body="$(curl -s --max-time 10 -o - \
		"http://127.0.0.1:$port/api.php?action=query&meta=siteinfo&format=json&formatversion=2" 2>/dev/null)" || return 1
	case "$body" in *'"sitename"'*) return 0 ;; esac
	return 1
}

php_quote() {
	# single-quoted PHP string literal
	local s="${1//\\/\\\\}"
	s="${s//\'/\\\'}"
	printf "'%s'" "$s"
}

# ---------------------------------------------------------------- start
cmd_start() {
	[ $# -ge 1 ] && [ $# -le 2 ] || usage
	local dir extra="${2:-}"
	dir="$(abs_dir "$1")"
	case "$dir" in *[[:space:]]*) die "DIR must not contain whitespace: $dir" ;; esac
	if [ -n "$extra" ]; then
		[ -f "$extra" ] || die "extra settings file not found: $extra"
		extra="$(cd "$(dirname "$extra")" && pwd)/$(basename "$extra")"
	fi
	[ -f "$MW_IP/maintenance/install.php" ] && command -v php >/dev/null 2>&1 ||
		die "MediaWiki/php missing: run '$0 install' first"
	command -v curl >/dev/null 2>&1 || die "curl is required"

	mkdir -p "$dir"
	dir="$(cd "$dir" && pwd -P)"
	# Refuse to touch a non-empty directory that is not ours.
	if [ ! -f "$dir/$MARKER" ] && [ -n "$(ls -A "$dir" | grep -vxF .lock || true)" ]; then
		die "$dir is not empty and was not created by $PROG; refusing to use it"
	fi
	# one start/stop at a time per DIR (different DIRs run in parallel)
	exec 9>>"$dir/.lock"
	flock 9

	local extra_hash="none"
	if [ -n "$extra" ]; then
		extra_hash="$(sha256sum <"$extra" | cut -d' ' -f1)"
	fi

	# Reuse a running wiki with the same extra settings.
	if [ -f "$dir/$MARKER" ] && [ -f "$dir/env" ] && server_alive "$dir" &&
		[ "$(cat "$dir/extra.sha256" 2>/dev/null || true)" = "$extra_hash" ]; then
		local port
		port="$(sed -n 's/^MW_PORT=//p' "$dir/env")"
		if [ -n "$port" ] && api_answers "$port"; then
			log "wiki in $dir already running on port $port"
			printf '%s\n' "$dir/env"
			return 0
		fi
	fi

	# Fresh wiki (replacing an old one made by this script, if any).
	stop_server "$dir"
	find "$dir" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
	touch "$dir/$MARKER"

	local t0 t_install t_accounts t_serve
	t0=$(date +%s.%N)

	local admin_user="Admin" admin_pass main_user="TestBot" main_pass bot_app="client" bot_pass
	admin_pass="Adm-$(rand_chars 28 'A-Za-z0-9')"
	main_pass="Main-$(rand_chars 28 'A-Za-z0-9')"
	bot_pass="$(rand_chars 32 '0-9a-w')"

	local port
	port="$(free_port)"

	export MW_CONFIG_FILE="$dir/LocalSettings.php"
	if ! php "$MW_IP/maintenance/install.php" --quiet \
		--dbtype sqlite --dbpath "$dir" --dbname wiki \
		--server "http://127.0.0.1:$port" --scriptpath "" \
		--lang en --pass "$admin_pass" --confpath "$dir" \
		--skins Vector \
		TestWiki "$admin_user" >"$dir/install.log" 2>&1; then
		cat "$dir/install.log" >&2
		die "install.php failed (log: $dir/install.log)"
	fi
	t_install=$(date +%s.%N)

	# Test settings. $wgServer is (re)written here so the port can change.
	{
		echo ""
		echo "# ---- added by scripts/test-wiki.sh ----"
		echo "\$wgServer = 'http://127.0.0.1:$port'; # test-wiki-port"
		cat <<'PHP'
$wgShowExceptionDetails = true;
$wgShowHostnames = false;
$wgDebugAPI = false;
$wgEnableEmail = false;
$wgEnableUserEmail = false;
$wgEmailAuthentication = false;
$wgEnotifUserTalk = false;
$wgEnotifWatchlist = false;
$wgPingback = false;
$wgRateLimits = [];
$wgPasswordAttemptThrottle = false;
$wgJobRunRate = 0;
$wgUseImageMagick = false;
$wgEnableUploads = false;
$wgGroupPermissions['*']['createaccount'] = true;
PHP
		echo "\$wgDebugLogGroups['exception'] = $(php_quote "$dir/exception.log");"
		echo "\$wgDebugLogGroups['error'] = $(php_quote "$dir/error.log");"
	} >>"$dir/LocalSettings.php"

	# Bot account + bot password (one PHP process each; they are quick).
	if ! php "$MW_IP/maintenance/createAndPromote.php" --bot "$main_user" "$main_pass" \
		>"$dir/accounts.log" 2>&1; then
		cat "$dir/accounts.log" >&2
		die "createAndPromote.php failed"
	fi
	if ! php "$MW_IP/maintenance/createBotPassword.php" --appid "$bot_app" \
		--grants basic,editpage,highvolume "$main_user" "$bot_pass" >>"$dir/accounts.log" 2>&1; then
		cat "$dir/accounts.log" >&2
		die "createBotPassword.php failed"
	fi
	t_accounts=$(date +%s.%N)

	# Extra settings go in after the accounts exist (they may e.g. set $wgReadOnly).
	if [ -n "$extra" ]; then
		{
			echo ""
			echo "# ---- extra settings from $extra ----"
			sed -e '1s/^[[:space:]]*<?php//' -e '$s/?>[[:space:]]*$//' "$extra"
			echo ""
		} >>"$dir/LocalSettings.php"
	fi
	echo "$extra_hash" >"$dir/extra.sha256"
	php -l "$dir/LocalSettings.php" >/dev/null || die "LocalSettings.php has a syntax error (extra settings?)"

	# Serve. Retry with another port if the chosen one got taken meanwhile.
	local attempt pid ok=0
	for attempt in 1 2 3 4 5; do
		if [ "$attempt" -gt 1 ]; then
			port="$(free_port)"
			sed -i "s|^\$wgServer = 'http://127.0.0.1:[0-9]*'; # test-wiki-port\$|\$wgServer = 'http://127.0.0.1:$port'; # test-wiki-port|" \
				"$dir/LocalSettings.php"
		fi
		rm -f "$dir/server.pid"
		# setsid: own process group, so stop can kill the workers too; the inner
		# shell records its own pid, then becomes php.
		MW_CONFIG_FILE="$dir/LocalSettings.php" PHP_CLI_SERVER_WORKERS=4 \
			setsid bash -c 'echo $$ >"$1/server.pid"; exec php -S "127.0.0.1:$2" -t "$3"' \
			test-wiki-server "$dir" "$port" "$MW_IP" \
			>>"$dir/server.log" 2>&1 </dev/null 9>&- &
		local deadline=$((SECONDS + START_TIMEOUT))
		while [ ! -s "$dir/server.pid" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.02; done
		pid="$(read_pid "$dir")" || die "server did not record its pid"
		while [ "$SECONDS" -lt "$deadline" ]; do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			if api_answers "$port"; then
				if kill -0 "$pid" 2>/dev/null; then ok=1; fi
				break
			fi
			sleep 0.05
		done
		[ "$ok" -eq 1 ] && break
		if kill -0 "$pid" 2>/dev/null; then
			stop_server "$dir"
			tail -n 20 "$dir/server.log" >&2 || true
			die "api.php on 127.0.0.1:$port did not answer within ${START_TIMEOUT}s (log: $dir/server.log)"
		fi
		if grep -q "Address already in use" "$dir/server.log"; then
			log "port $port was taken, retrying"
			continue
		fi
		tail -n 20 "$dir/server.log" >&2 || true
		die "php -S exited (log: $dir/server.log)"
	done
	[ "$ok" -eq 1 ] || die "could not find a free port after 5 attempts"
	t_serve=$(date +%s.%N)

	local tmp="$dir/env.tmp.$$"
	cat >"$tmp" <<EOF
MW_API_URL=http://127.0.0.1:$port/api.php
MW_SERVER_URL=http://127.0.0.1:$port
MW_PORT=$port
MW_BOT_USER=$main_user@$bot_app
MW_BOT_PASSWORD=$bot_pass
MW_MAIN_USER=$main_user
MW_MAIN_PASSWORD=$main_pass
MW_ADMIN_USER=$admin_user
MW_ADMIN_PASSWORD=$admin_pass
MW_SESSION_COOKIE=wiki_session
MW_WIKI_DIR=$dir
MW_SERVER_PID=$pid
EOF
	chmod 600 "$tmp"
	mv -f "$tmp" "$dir/env"
	log "$(awk -v a="$t0" -v b="$t_install" -v c="$t_accounts" -v d="$t_serve" \
		'BEGIN { printf "wiki ready on port '"$port"' in %.2fs (install %.2fs, accounts %.2fs, serve %.2fs)", d-a, b-a, c-b, d-c }')"
	printf '%s\n' "$dir/env"
}

# ---------------------------------------------------------------- stop / clean / status
cmd_stop() {
	[ $# -eq 1 ] || usage
	local dir
	dir="$(abs_dir "$1")"
	[ -d "$dir" ] || { log "$dir does not exist; nothing to stop"; return 0; }
	dir="$(cd "$dir" && pwd -P)"
	exec 9>>"$dir/.lock"
	flock 9
	stop_server "$dir"
}

cmd_clean() {
	[ $# -eq 1 ] || usage
	local dir
	dir="$(abs_dir "$1")"
	[ -d "$dir" ] || return 0
	dir="$(cd "$dir" && pwd -P)"
	[ -f "$dir/$MARKER" ] || die "$dir was not created by $PROG; not deleting it"
	cmd_stop "$dir"
	exec 9>&-
	rm -rf "$dir"
}

cmd_status() {
	[ $# -eq 1 ] || usage
	local dir
	dir="$(abs_dir "$1")"
	if [ -d "$dir" ] && server_alive "$(cd "$dir" && pwd -P)"; then
		echo "running: $(sed -n 's/^MW_API_URL=//p' "$dir/env" 2>/dev/null)"
		return 0
	fi
	echo "not running"
	return 1
}

main() {
	[ $# -ge 1 ] || usage
	local cmd="$1"
	shift
	case "$cmd" in
		install) cmd_install "$@" ;;
		start) cmd_start "$@" ;;
		stop) cmd_stop "$@" ;;
		clean) cmd_clean "$@" ;;
		status) cmd_status "$@" ;;
		-h | --help | help) usage ;;
		*) usage ;;
	esac
}

main "$@"
