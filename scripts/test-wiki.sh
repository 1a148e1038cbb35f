#!/usr/bin/env bash
# Throw-away MediaWiki 1.39 (Debian package) test wikis on loopback.
#
#   scripts/test-wiki.sh install
#       Install the Debian packages (mediawiki php-cli php-sqlite3 php-intl
#       php-mbstring php-xml apache2 libapache2-mod-php openssl) if
#       /usr/share/mediawiki/maintenance/install.php, php, Apache's mod_php or
#       mod_ssl, or openssl is missing. Uses sudo only when not root. No
#       service (apache2) is started by the installation, and the system's
#       apache2 service is never used.
#
#   scripts/test-wiki.sh start DIR [EXTRA_SETTINGS_PHP_FILE [SETUP_SCRIPT]]
#       Create a fresh sqlite wiki in DIR, serve it with `php -S` on a free
#       127.0.0.1 port and write DIR/env (KEY=value lines). The last line on
#       stdout is the path of DIR/env. If a wiki started by this script with
#       the same extra settings is already being served from DIR, it is reused.
#       Otherwise DIR must be empty, absent, or a directory created by this
#       script (its old wiki is stopped and replaced).
#       EXTRA_SETTINGS_PHP_FILE is appended to DIR/LocalSettings.php after the
#       test settings, once the accounts exist (a leading "<?php" is dropped),
#       so it may set e.g. $wgReadOnly. The test settings empty $wgRateLimits
#       and turn off $wgPasswordAttemptThrottle and $wgAccountCreationThrottle
#       (a test run creates more accounts than the default 6 a day); set
#       them in the extra file to test them. The wiki patrols recent changes;
#       the bot group may patrol, roll back and add or remove the group
#       "tokentest"; the bot password's grants cover edit (new pages too),
#       watch, patrol, rollback and createaccount. DIR/env names a second
#       account in no group (MW_OTHER_USER, MW_OTHER_PASSWORD).
#       DIR must not contain whitespace. The session cookie is
#       wiki_session (wiki_BPsession for bot passwords); cookies ignore ports,
#       so use one cookie jar per wiki.
#       SETUP_SCRIPT (optional; needs EXTRA_SETTINGS_PHP_FILE, which may be
#       an empty file) runs once the extra settings are in and before the
#       wiki is served, as `SETUP_SCRIPT DIR` with MW_CONFIG_FILE and
#       MW_INSTALL_PATH set, for what an extension needs after install:
#       `php $MW_INSTALL_PATH/maintenance/update.php --quick` for its tables,
#       accounts, rows. The KEY=value lines it prints on stdout are added to
#       DIR/env (its stderr goes to DIR/setup.log); a failure stops the
#       start. A wiki is reused only with the same extra settings and script.
#
#   scripts/test-wiki.sh start-apache DIR [EXTRA_SETTINGS_PHP_FILE [SETUP_SCRIPT]]
#       The same wiki, served by Apache 2.4 (mod_php, mod_ssl; its own config
#       in DIR/apache, run in the foreground as an ordinary process, not the
#       system service) over HTTPS with a certificate of a throw-away CA made
#       here with openssl (DIR/tls/ca.crt; its key is deleted once the
#       certificate is signed), KeepAlive On with a KeepAliveTimeout of 2 s,
#       on two free 127.0.0.1 ports: one HTTPS, and one plain HTTP port that
#       redirects (301) every URL to the same path on the HTTPS port. DIR/env
#       also has MW_HTTP_API_URL (the redirecting URL), MW_CA_FILE,
#       MW_KEEPALIVE_TIMEOUT and MW_ACCESS_LOG (one line per request: the
#       local port, the client's port, %k, method, path, status, user agent).
#       Started by root, Apache serves as www-data (it refuses to serve as
#       root): DIR is then given to www-data, and its parent directories
#       must be searchable by it.
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
	sed -n '2,/^set -euo pipefail$/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
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
# What start-apache needs: Apache with mod_php (the mediawiki package pulls
# both in through php's first alternative; named here in case it did not),
# and openssl for the throw-away CA.
APACHE_MODULES=/usr/lib/apache2/modules
mod_php() {
	local f
	for f in "$APACHE_MODULES"/libphp*.so; do
		[ -f "$f" ] && { printf '%s\n' "$f"; return 0; }
	done
	return 1
}
have_all() {
	[ -f "$MW_IP/maintenance/install.php" ] && command -v php >/dev/null 2>&1 &&
		[ -x /usr/sbin/apache2 ] && [ -f "$APACHE_MODULES/mod_ssl.so" ] && mod_php >/dev/null &&
		command -v openssl >/dev/null 2>&1
}

cmd_install() {
	if have_all; then
		log "MediaWiki, php, Apache (mod_php, mod_ssl) and openssl already installed ($MW_IP)"
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
			mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml \
			apache2 libapache2-mod-php openssl || rc=$?
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
	have_all || die "Apache with mod_php and mod_ssl, or openssl, still missing after install"
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
	# prints nothing; succeeds when BASE/api.php returns siteinfo JSON. BASE is
	# http(s)://127.0.0.1:PORT; CA_FILE, if given, is the CA to trust.
	local base="$1" ca="${2:-}" body
	local tls=()
	[ -z "$ca" ] || tls=(--cacert "$ca")
	body="$(curl -s --max-time 10 "${tls[@]}" -o - \
		"$base/api.php?action=query&meta=siteinfo&format=json&formatversion=2" 2>/dev/null)" || return 1
	case "$body" in *'"sitename"'*) return 0 ;; esac
	return 1
}

php_quote() {
	# single-quoted PHP string literal
	local s="${1//\\/\\\\}"
	s="${s//\'/\\\'}"
	printf "'%s'" "$s"
}

# Points $wgServer (the line marked "test-wiki-port") at SCHEME://127.0.0.1:PORT.
set_server() {
	local dir="$1" scheme="$2" port="$3"
	sed -i "s|^\$wgServer = '[a-z]*://127.0.0.1:[0-9]*'; # test-wiki-port\$|\$wgServer = '$scheme://127.0.0.1:$port'; # test-wiki-port|" \
		"$dir/LocalSettings.php"
}

# ---------------------------------------------------------------- start
# start_wiki KIND DIR [EXTRA]: a fresh wiki in DIR served by KIND, php
# (php -S, plain HTTP) or apache (HTTPS and keep-alive).
start_wiki() {
	local kind="$1"
	shift
	[ $# -ge 1 ] && [ $# -le 3 ] || usage
	local dir extra="${2:-}" setup="${3:-}" scheme=http
	[ "$kind" = apache ] && scheme=https
	dir="$(abs_dir "$1")"
	case "$dir" in *[[:space:]]*) die "DIR must not contain whitespace: $dir" ;; esac
	if [ -n "$extra" ]; then
		[ -f "$extra" ] || die "extra settings file not found: $extra"
		extra="$(cd "$(dirname "$extra")" && pwd)/$(basename "$extra")"
	fi
	if [ -n "$setup" ]; then
		[ -n "$extra" ] || die "a setup script needs an extra settings file (it may be empty)"
		[ -x "$setup" ] || die "setup script not found or not executable: $setup"
		setup="$(cd "$(dirname "$setup")" && pwd)/$(basename "$setup")"
	fi
	[ -f "$MW_IP/maintenance/install.php" ] && command -v php >/dev/null 2>&1 ||
		die "MediaWiki/php missing: run '$0 install' first"
	command -v curl >/dev/null 2>&1 || die "curl is required"
	if [ "$kind" = apache ]; then
		have_all || die "Apache (mod_php, mod_ssl) or openssl missing: run '$0 install' first"
	fi

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
	if [ -n "$setup" ]; then
		extra_hash="$extra_hash+$(sha256sum <"$setup" | cut -d' ' -f1)"
	fi

	# Reuse a running wiki of the same kind with the same extra settings.
	if [ -f "$dir/$MARKER" ] && [ -f "$dir/env" ] && server_alive "$dir" &&
		[ "$(cat "$dir/extra.sha256" 2>/dev/null || true)" = "$extra_hash" ] &&
		[ "$(cat "$dir/server.kind" 2>/dev/null || echo php)" = "$kind" ]; then
		local base ca
		base="$(sed -n 's/^MW_SERVER_URL=//p' "$dir/env")"
		ca="$(sed -n 's/^MW_CA_FILE=//p' "$dir/env")"
		if [ -n "$base" ] && api_answers "$base" "$ca"; then
			log "wiki in $dir already running at $base"
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
	local other_user="OtherUser" other_pass
	admin_pass="Adm-$(rand_chars 28 'A-Za-z0-9')"
	main_pass="Main-$(rand_chars 28 'A-Za-z0-9')"
	other_pass="Other-$(rand_chars 28 'A-Za-z0-9')"
	bot_pass="$(rand_chars 32 '0-9a-w')"

	local port
	port="$(free_port)"

	export MW_CONFIG_FILE="$dir/LocalSettings.php"
	if ! php "$MW_IP/maintenance/install.php" --quiet \
		--dbtype sqlite --dbpath "$dir" --dbname wiki \
		--server "$scheme://127.0.0.1:$port" --scriptpath "" \
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
		echo "\$wgServer = '$scheme://127.0.0.1:$port'; # test-wiki-port"
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
$wgAccountCreationThrottle = [];
$wgJobRunRate = 0;
$wgUseImageMagick = false;
$wgEnableUploads = false;
$wgGroupPermissions['*']['createaccount'] = true;
# For the token types' modules (crates/mw-transport/tests/real_wiki_tokens.rs,
# tests/python/test_tokens_live.py): patrolling on, and the bot group may
# patrol, roll back, and add or remove the group "tokentest" (through
# $wgAddGroups, which a bot password may use without any grant: no core grant
# carries the userrights right).
$wgUseRCPatrol = true;
$wgGroupPermissions['bot']['patrol'] = true;
$wgGroupPermissions['bot']['rollback'] = true;
$wgGroupPermissions['tokentest']['read'] = true;
$wgAddGroups['bot'] = [ 'tokentest' ];
$wgRemoveGroups['bot'] = [ 'tokentest' ];
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
	# The grants: editpage (csrf: action=edit), createeditmovepage (a new
	# page, as a bot writing a sandbox needs), editmywatchlist and
	# viewmywatchlist (watch: action=watch; prop=info&inprop=watched), patrol
	# (action=patrol), rollback (action=rollback), createaccount.
	if ! php "$MW_IP/maintenance/createBotPassword.php" --appid "$bot_app" \
		--grants basic,editpage,createeditmovepage,highvolume,editmywatchlist,viewmywatchlist,patrol,rollback,createaccount \
		"$main_user" "$bot_pass" >>"$dir/accounts.log" 2>&1; then
		cat "$dir/accounts.log" >&2
		die "createBotPassword.php failed"
	fi
	# A second account, in no group: the author of edits to patrol and roll back.
	if ! php "$MW_IP/maintenance/createAndPromote.php" "$other_user" "$other_pass" \
		>>"$dir/accounts.log" 2>&1; then
		cat "$dir/accounts.log" >&2
		die "createAndPromote.php failed (second account)"
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
	echo "$kind" >"$dir/server.kind"
	php -l "$dir/LocalSettings.php" >/dev/null || die "LocalSettings.php has a syntax error (extra settings?)"
	local setup_env=""
	if [ -n "$setup" ]; then
		if ! setup_env="$(MW_INSTALL_PATH="$MW_IP" "$setup" "$dir" 2>"$dir/setup.log")"; then
			cat "$dir/setup.log" >&2
			die "setup script $setup failed (log: $dir/setup.log)"
		fi
		setup_env="$(printf '%s\n' "$setup_env" | grep -E '^[A-Z_][A-Z0-9_]*=' || true)"
	fi

	# Serve: sets SERVED_PORT, SERVED_PID and SERVED_ENV (more env lines).
	"serve_$kind" "$dir" "$port"
	port="$SERVED_PORT"
	t_serve=$(date +%s.%N)

	local tmp="$dir/env.tmp.$$"
	cat >"$tmp" <<EOF
MW_API_URL=$scheme://127.0.0.1:$port/api.php
MW_SERVER_URL=$scheme://127.0.0.1:$port
MW_PORT=$port
MW_BOT_USER=$main_user@$bot_app
MW_BOT_PASSWORD=$bot_pass
MW_MAIN_USER=$main_user
MW_MAIN_PASSWORD=$main_pass
MW_OTHER_USER=$other_user
MW_OTHER_PASSWORD=$other_pass
MW_ADMIN_USER=$admin_user
MW_ADMIN_PASSWORD=$admin_pass
MW_SESSION_COOKIE=wiki_session
MW_WIKI_DIR=$dir
MW_SERVER_PID=$SERVED_PID
EOF
	[ -z "$SERVED_ENV" ] || printf '%s\n' "$SERVED_ENV" >>"$tmp"
	[ -z "$setup_env" ] || printf '%s\n' "$setup_env" >>"$tmp"
	chmod 600 "$tmp"
	mv -f "$tmp" "$dir/env"
	log "$(awk -v a="$t0" -v b="$t_install" -v c="$t_accounts" -v d="$t_serve" \
		'BEGIN { printf "wiki ready on port '"$port"' ('"$kind"') in %.2fs (install %.2fs, accounts %.2fs, serve %.2fs)", d-a, b-a, c-b, d-c }')"
	printf '%s\n' "$dir/env"
}

SERVED_PORT="" SERVED_PID="" SERVED_ENV=""

# Waits until BASE answers (and, if given, until CHECK also succeeds) while
# the server PID lives. Exit status: 0 ready, 1 the server died, 2 timeout.
wait_ready() {
	local pid="$1" base="$2" ca="$3" check="${4:-true}"
	local deadline=$((SECONDS + START_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		kill -0 "$pid" 2>/dev/null || return 1
		if api_answers "$base" "$ca" && $check; then
			kill -0 "$pid" 2>/dev/null || return 1
			return 0
		fi
		sleep 0.05
	done
	return 2
}

# Starts CMD... as the server of DIR: in its own process group (setsid), so
# that stop can end its workers too, with DIR's MW_CONFIG_FILE (which
# server_alive checks). The inner shell records its own pid, then becomes
# the server. Sets SERVED_PID.
spawn_server() {
	local dir="$1"
	shift
	rm -f "$dir/server.pid"
	MW_CONFIG_FILE="$dir/LocalSettings.php" \
		setsid bash -c 'echo $$ >"$0/server.pid"; exec "$@"' "$dir" "$@" \
		>>"$dir/server.log" 2>&1 </dev/null 9>&- &
	local deadline=$((SECONDS + START_TIMEOUT))
	while [ ! -s "$dir/server.pid" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.02; done
	SERVED_PID="$(read_pid "$dir")" || die "server did not record its pid"
}

# ---------------------------------------------------------------- php -S
serve_php() {
	local dir="$1" port="$2" attempt rc
	# Retry with another port if the chosen one got taken meanwhile.
	for attempt in 1 2 3 4 5; do
		if [ "$attempt" -gt 1 ]; then
			port="$(free_port)"
			set_server "$dir" http "$port"
		fi
		PHP_CLI_SERVER_WORKERS=4 spawn_server "$dir" php -S "127.0.0.1:$port" -t "$MW_IP"
		rc=0
		wait_ready "$SERVED_PID" "http://127.0.0.1:$port" "" || rc=$?
		if [ "$rc" -eq 0 ]; then
			SERVED_PORT="$port" SERVED_ENV=""
			return 0
		fi
		if [ "$rc" -eq 2 ]; then
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
	die "could not find a free port after 5 attempts"
}

# ---------------------------------------------------------------- apache
# Apache's KeepAliveTimeout, in seconds: short, so that tests can idle past it.
APACHE_KEEPALIVE_TIMEOUT=2

# A throw-away CA and a certificate for 127.0.0.1 (and localhost) that it
# signs, in DIR/tls; the CA's key is deleted once it has signed.
make_tls() {
	local tls="$1/tls"
	mkdir -p "$tls"
	(
		cd "$tls"
		umask 077
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.crt -days 30 \
			-subj "/CN=mw-auth throw-away test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign"
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout server.key -out server.csr -subj "/CN=127.0.0.1"
		printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			"basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature" \
			"extendedKeyUsage=serverAuth" >server.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 30 -extfile server.ext -out server.crt
		rm -f ca.key ca.srl server.csr server.ext
		chmod 644 ca.crt server.crt
	) >"$1/tls.log" 2>&1 || { cat "$1/tls.log" >&2; die "openssl could not make the test CA and certificate"; }
}

# The configuration: only what the wiki needs, every path under DIR/apache.
write_apache_conf() {
	local dir="$1" port="$2" http_port="$3" user="$4" m="$APACHE_MODULES"
	local php
	php="$(mod_php)"
	{
		cat <<EOF
# Written by scripts/test-wiki.sh start-apache; not the system's Apache.
ServerRoot "$dir/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$port https
Listen 127.0.0.1:$http_port http
PidFile "$dir/apache/httpd.pid"
DefaultRuntimeDir "$dir/apache/run"
Mutex file:$dir/apache/run default
ErrorLog "$dir/apache/error.log"
LogLevel warn
# local port, client port, requests before this one on its connection (%k),
# TLS version, method, path (no query string), status, user agent
LogFormat "%p %{remote}p %k %{SSL_PROTOCOL}x %m %U %>s \"%{User-Agent}i\"" mwtest
CustomLog "$dir/apache/access.log" mwtest
EOF
		if [ -n "$user" ]; then
			printf 'User %s\nGroup %s\n' "$user" "$(id -gn "$user")"
		fi
		cat <<EOF

# prefork: mod_php is not thread-safe (and so mod_http2, which does not
# run under prefork, is not loaded). Every kept-alive connection holds a
# child while it idles, so there are children for many at once.
LoadModule mpm_prefork_module $m/mod_mpm_prefork.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule mime_module $m/mod_mime.so
LoadModule dir_module $m/mod_dir.so
LoadModule alias_module $m/mod_alias.so
LoadModule env_module $m/mod_env.so
LoadModule socache_shmcb_module $m/mod_socache_shmcb.so
LoadModule ssl_module $m/mod_ssl.so
LoadModule php_module $php
StartServers 8
MinSpareServers 8
MaxSpareServers 32
ServerLimit 96
MaxRequestWorkers 96
MaxConnectionsPerChild 0

KeepAlive On
KeepAliveTimeout $APACHE_KEEPALIVE_TIMEOUT
MaxKeepAliveRequests 10000
Timeout 30

TypesConfig /etc/mime.types
PassEnv MW_CONFIG_FILE
DocumentRoot "$MW_IP"
DirectoryIndex index.php
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory "$MW_IP">
	Options FollowSymLinks
	AllowOverride None
	Require all granted
</Directory>
<FilesMatch "\.php$">
	SetHandler application/x-httpd-php
</FilesMatch>

SSLSessionCache "shmcb:$dir/apache/run/ssl_scache(512000)"
<VirtualHost 127.0.0.1:$port>
	SSLEngine on
	SSLCertificateFile "$dir/tls/server.crt"
	SSLCertificateKeyFile "$dir/tls/server.key"
</VirtualHost>
# Plain HTTP: every URL moves to the same path over HTTPS.
<VirtualHost 127.0.0.1:$http_port>
	Redirect permanent / https://127.0.0.1:$port/
</VirtualHost>
EOF
	} >"$dir/apache/httpd.conf"
}

# Does http://127.0.0.1:HTTP_PORT/api.php redirect to the HTTPS port?
redirects_to_https() {
	local http_port="$1" port="$2" got
	got="$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' \
		"http://127.0.0.1:$http_port/api.php?action=query" 2>/dev/null)" || return 1
	[ "$got" = "301 https://127.0.0.1:$port/api.php?action=query" ]
}

serve_apache() {
	local dir="$1" port="$2" http_port user="" attempt rc
	make_tls "$dir"
	mkdir -p "$dir/apache/run"
	if [ "$(id -u)" -eq 0 ]; then
		# Started by root, Apache's children must serve as another user (its
		# children do not even start without one; it refuses root): www-data,
		# which then owns the wiki's files (sqlite, logs) but not the TLS key
		# or Apache's own logs, which the parent opens as root.
		user=www-data
		id -u "$user" >/dev/null 2>&1 || die "there is no user $user for Apache's children"
		find "$dir" -mindepth 1 -maxdepth 1 ! -name tls ! -name apache ! -name .lock \
			-exec chown -R "$user:" {} +
		chown "$user:" "$dir"
		setpriv --reuid="$user" --regid="$user" --clear-groups \
			sh -c 'test -w "$1" && test -r "$1/LocalSettings.php"' sh "$dir" ||
			die "$user cannot reach $dir: make its parent directories searchable (chmod o+x)"
	fi
	# Retry with other ports if a chosen one got taken meanwhile.
	for attempt in 1 2 3 4 5; do
		if [ "$attempt" -gt 1 ]; then
			port="$(free_port)"
			set_server "$dir" https "$port"
		fi
		http_port="$(free_port)"
		[ "$http_port" != "$port" ] || http_port="$(free_port)"
		write_apache_conf "$dir" "$port" "$http_port" "$user"
		if ! /usr/sbin/apache2 -t -f "$dir/apache/httpd.conf" >"$dir/apache/configtest.log" 2>&1; then
			cat "$dir/apache/configtest.log" >&2
			die "Apache refuses its configuration ($dir/apache/httpd.conf)"
		fi
		: >"$dir/server.log"
		spawn_server "$dir" /usr/sbin/apache2 -DFOREGROUND -f "$dir/apache/httpd.conf"
		rc=0
		wait_ready "$SERVED_PID" "https://127.0.0.1:$port" "$dir/tls/ca.crt" \
			"redirects_to_https $http_port $port" || rc=$?
		if [ "$rc" -eq 0 ]; then
			SERVED_PORT="$port"
			SERVED_ENV="MW_HTTP_API_URL=http://127.0.0.1:$http_port/api.php
MW_HTTP_PORT=$http_port
MW_CA_FILE=$dir/tls/ca.crt
MW_KEEPALIVE_TIMEOUT=$APACHE_KEEPALIVE_TIMEOUT
MW_ACCESS_LOG=$dir/apache/access.log
MW_SERVER_KIND=apache"
			return 0
		fi
		if [ "$rc" -eq 2 ]; then
			stop_server "$dir"
			tail -n 20 "$dir/server.log" "$dir/apache/error.log" >&2 || true
			die "Apache did not serve api.php on 127.0.0.1:$port within ${START_TIMEOUT}s (logs: $dir/server.log, $dir/apache/error.log)"
		fi
		if cat "$dir/server.log" "$dir/apache/error.log" 2>/dev/null | grep -q "Address already in use"; then
			log "port $port or $http_port was taken, retrying"
			rm -f "$dir/apache/error.log"
			continue
		fi
		tail -n 20 "$dir/server.log" "$dir/apache/error.log" >&2 || true
		die "apache2 exited (logs: $dir/server.log, $dir/apache/error.log)"
	done
	die "could not find free ports after 5 attempts"
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
		start) start_wiki php "$@" ;;
		start-apache) start_wiki apache "$@" ;;
		stop) cmd_stop "$@" ;;
		clean) cmd_clean "$@" ;;
		status) cmd_status "$@" ;;
		-h | --help | help) usage ;;
		*) usage ;;
	esac
}

main "$@"
