#!/usr/bin/env bash
# Runs the whole suite on this machine in the foreground (what `make run`
# does after building): installs missing packages, starts a private MariaDB
# in var/mariadb, provisions the four databases and users, starts the four
# services and the gateway, prints where to reach them, and on Ctrl-C (or
# SIGTERM) stops everything cleanly.
#
#   scripts/run-all.sh [BUILD_DIR]           (default: build)
#
# State lives under var/ (CRM_STATE_DIR): secrets.env (generated once, mode
# 600), dev-admin-key (the gateway's development admin API key, mode 600,
# printed in the banner), mariadb/ (data), log/, run/, demo-data.done. Ports: see
# scripts/start-suite.sh. Once the suite is ready, the demo data set is
# loaded the first time (see crm_load_demo_data in lib.sh; CRM_DEMO_DATA=0
# skips it).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

build_dir=${1:-$CRM_REPO_ROOT/build}

"$CRM_SCRIPTS_DIR/install-deps.sh"

mkdir -p "$CRM_STATE_DIR"
CRM_MYSQL_ADMIN_PASSWORD=$(crm_secret_ensure "$CRM_SECRETS_FILE" CRM_MYSQL_ADMIN_PASSWORD)
export CRM_MYSQL_ADMIN_PASSWORD

stopping=false
stop_all() {
  [[ "$stopping" == true ]] && return
  stopping=true
  echo
  crm_log "stopping the suite"
  "$CRM_SCRIPTS_DIR/stop-suite.sh" || true
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

crm_log "starting MariaDB on $CRM_MYSQL_HOST:$CRM_MYSQL_PORT (data in $CRM_MYSQL_DIR)"
"$CRM_SCRIPTS_DIR/mariadb.sh" start "$CRM_MYSQL_DIR" "$CRM_MYSQL_PORT"
crm_log "provisioning databases and users"
"$CRM_SCRIPTS_DIR/provision-databases.sh" --host "$CRM_MYSQL_HOST" \
  --port "$CRM_MYSQL_PORT" --secrets "$CRM_SECRETS_FILE"
crm_log "starting the services and the gateway"
"$CRM_SCRIPTS_DIR/start-suite.sh" "$build_dir"

gateway="http://127.0.0.1:${GATEWAY_HTTP_PORT:-8080}"
port_of() { local var="${1}_GRPC_PORT"; echo "${!var:-$2}"; }
crm_load_demo_data "$build_dir" "127.0.0.1:$(port_of CUSTOMER_PROFILE 50051)"
admin_of() { local var="${1}_ADMIN_PORT"; echo "${!var:-$2}"; }
# The development admin key start-suite.sh generated (X-API-Key).
dev_admin_key=$(tr -d '\n' <"$CRM_STATE_DIR/dev-admin-key")
cat <<EOF

crm-suite is running.
  Gateway (HTTP/JSON)   $gateway    (/readyz, /healthz, /metrics)
  customer-profile      gRPC 127.0.0.1:$(port_of CUSTOMER_PROFILE 50051)   admin http://127.0.0.1:$(admin_of CUSTOMER_PROFILE 9091)/metrics
  segmentation          gRPC 127.0.0.1:$(port_of SEGMENTATION 50052)   admin http://127.0.0.1:$(admin_of SEGMENTATION 9092)/metrics
  loyalty               gRPC 127.0.0.1:$(port_of LOYALTY 50053)   admin http://127.0.0.1:$(admin_of LOYALTY 9093)/metrics
  feedback              gRPC 127.0.0.1:$(port_of FEEDBACK 50054)   admin http://127.0.0.1:$(admin_of FEEDBACK 9094)/metrics
  MariaDB               127.0.0.1:$CRM_MYSQL_PORT  (passwords in ${CRM_SECRETS_FILE#"$CRM_REPO_ROOT"/})
  Logs                  ${CRM_LOG_DIR#"$CRM_REPO_ROOT"/}/<name>.log

  Admin API key         $dev_admin_key
                        (in ${CRM_STATE_DIR#"$CRM_REPO_ROOT"/}/dev-admin-key; every /v1 call needs it in X-API-Key)

Try:
  curl -s $gateway/readyz
  export CRM_API_KEY=\$(cat ${CRM_STATE_DIR#"$CRM_REPO_ROOT"/}/dev-admin-key)
  curl -s -X POST $gateway/v1/customers -H "X-API-Key: \$CRM_API_KEY" \\
       -H 'Content-Type: application/json' \\
       -d '{"givenName":"小明","familyName":"王","email":"xiaoming@example.com"}'
  curl -s -H "X-API-Key: \$CRM_API_KEY" $gateway/v1/customers/<id>
  curl -s -X POST -H "X-API-Key: \$CRM_API_KEY" '$gateway/v1/accounts/<id>:adjustPoints' \\
       -d '{"pointsDelta":"100","reason":"welcome","requestId":"welcome-1"}'
  (<id> is the part after "customers/" in the created customer's "name";
   more examples in README.md)

Press Ctrl-C to stop everything (or run \`make stop\` in another terminal).
EOF

# Stay in the foreground; leave (and stop the rest) if a binary dies or
# another terminal ran `make stop`.
while true; do
  for name in "${CRM_SERVICE_NAMES[@]}" gateway; do
    if ! crm_pid_alive "$CRM_RUN_DIR/$name.pid" "crm-$name"; then
      if [[ -f "$CRM_RUN_DIR/$name.pid" ]]; then
        crm_log "$name exited unexpectedly; see $CRM_LOG_DIR/$name.log"
        exit 1
      fi
      crm_log "the suite was stopped from elsewhere"
      stopping=true
      exit 0
    fi
  done
  sleep 1 &
  wait $! || true
done
