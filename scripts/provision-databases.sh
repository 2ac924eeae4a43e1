#!/usr/bin/env bash
# Creates the four service databases and their users on a MariaDB/MySQL.
#
#   CRM_MYSQL_ADMIN_PASSWORD=... scripts/provision-databases.sh \
#       [--host 127.0.0.1] [--port 3307] [--admin-user crm_admin] \
#       [--secrets var/secrets.env]
#
# For each service: database crm_<service> (utf8mb4) and user
# crm_<service>@'127.0.0.1' and @'localhost' with ALL PRIVILEGES on that
# database only. Passwords are generated once into the secrets file
# (KEY=value lines, mode 600, git-ignored under var/):
#   CUSTOMER_PROFILE_DB_PASSWORD, SEGMENTATION_DB_PASSWORD,
#   LOYALTY_DB_PASSWORD, FEEDBACK_DB_PASSWORD.
# Idempotent: running it again changes nothing, except that each user's
# password is set to the one in the secrets file.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

host=$CRM_MYSQL_HOST
port=$CRM_MYSQL_PORT
admin_user=crm_admin
secrets=$CRM_SECRETS_FILE

while [[ $# -gt 0 ]]; do
  case "$1" in
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --admin-user) admin_user=$2; shift 2 ;;
    --secrets) secrets=$2; shift 2 ;;
    -h | --help)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) crm_die "unknown argument: $1 (see --help)" ;;
  esac
done

[[ -n "${CRM_MYSQL_ADMIN_PASSWORD:-}" ]] ||
  crm_die "CRM_MYSQL_ADMIN_PASSWORD is not set (the admin user's password)"
command -v mariadb >/dev/null 2>&1 ||
  crm_die "the mariadb client is missing: run scripts/install-deps.sh"

sql=""
for entry in "${CRM_SERVICES[@]}"; do
  read -r _name prefix database _grpc _admin <<<"$entry"
  password=$(crm_secret_ensure "$secrets" "${prefix}_DB_PASSWORD")
  # In GRANT, `_` is a wildcard: escape it so the grant names one database.
  grant_database=${database//_/\\_}
  sql+="CREATE DATABASE IF NOT EXISTS \`$database\`
  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
"
  for user_host in 127.0.0.1 localhost; do
    account="'$database'@'$user_host'"
    sql+="CREATE USER IF NOT EXISTS $account IDENTIFIED BY '$password';
ALTER USER $account IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`$grant_database\`.* TO $account;
"
  done
done

# The password goes through the environment, never the command line.
if ! output=$(printf '%s' "$sql" | MYSQL_PWD=$CRM_MYSQL_ADMIN_PASSWORD \
  mariadb --no-defaults --protocol=TCP -h"$host" -P"$port" -u"$admin_user" \
    --batch 2>&1); then
  crm_die "provisioning on $host:$port failed: $output"
fi
