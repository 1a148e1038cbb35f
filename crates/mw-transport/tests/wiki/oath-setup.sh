#!/usr/bin/env bash
# Setup script of the two-factor test wiki (scripts/test-wiki.sh start DIR
# oath.php oath-setup.sh): creates OATHAuth's table and enrolls a TOTP key
# for a new main account, then prints its env lines (MW_OATH_*).
set -euo pipefail
dir="$1"
mw="${MW_INSTALL_PATH:-/usr/share/mediawiki}"
rand() { head -c 4096 /dev/urandom | LC_ALL=C tr -dc "$1" | head -c "$2"; }
user="OathUser"
pass="Oath-$(rand 'A-Za-z0-9' 28)"
secret="$(rand 'A-Z2-7' 32)"
recovery="$(rand 'A-Z2-7' 16)"
php "$mw/maintenance/update.php" --quick --skip-config-validation >&2
php "$mw/maintenance/createAndPromote.php" "$user" "$pass" >&2
# OATHAuth's row (OATHUserRepository::persist): id is the central id, which
# is the local user id without CentralAuth; data is TOTP::getDataFromUser.
data="{\"keys\":[{\"secret\":\"$secret\",\"scratch_tokens\":[\"$recovery\"]}]}"
php "$mw/maintenance/sql.php" --query \
	"INSERT INTO /*_*/oathauth_users (id, module, data) SELECT user_id, 'totp', '$data' FROM /*_*/user WHERE user_name = '$user'" >&2
rows="$(php "$mw/maintenance/sql.php" --json --query "SELECT id FROM /*_*/oathauth_users" 2>/dev/null || true)"
case "$rows" in *'"id"'*) ;; *) echo "oath-setup.sh: the key was not stored: $rows" >&2; exit 1 ;; esac
echo "MW_OATH_USER=$user"
echo "MW_OATH_PASSWORD=$pass"
echo "MW_OATH_SECRET=$secret"
echo "MW_OATH_RECOVERY=$recovery"
