#!/usr/bin/env bash
# Starts the four services and the gateway from a build tree, in the
# background, and waits until the gateway's /readyz answers 200.
#
#   scripts/start-suite.sh [BUILD_DIR]        (default: build)
#
# Needs a running, provisioned MariaDB (scripts/mariadb.sh start,
# scripts/provision-databases.sh) and the secrets file they use.
# Logs go to $CRM_STATE_DIR/log/<name>.log, PIDs to $CRM_STATE_DIR/run/<name>.pid
# (CRM_STATE_DIR defaults to var/). The gateway's development admin key is in
# $CRM_STATE_DIR/dev-admin-key. Stop with scripts/stop-suite.sh.
#
# Every port can be overridden from the environment:
#   CRM_MYSQL_HOST (127.0.0.1), CRM_MYSQL_PORT (3307),
#   CUSTOMER_PROFILE_GRPC_PORT (50051), CUSTOMER_PROFILE_ADMIN_PORT (9091),
#   SEGMENTATION_GRPC_PORT (50052),     SEGMENTATION_ADMIN_PORT (9092),
#   LOYALTY_GRPC_PORT (50053),          LOYALTY_ADMIN_PORT (9093),
#   FEEDBACK_GRPC_PORT (50054),         FEEDBACK_ADMIN_PORT (9094),
#   GATEWAY_HTTP_PORT (8080),
# CRM_BIND_ADDRESS (127.0.0.1: a local run is not reachable from the network;
# each binary's <PREFIX>_BIND_ADDRESS / GATEWAY_BIND_ADDRESS still wins),
# and CRM_READY_TIMEOUT (seconds to wait for /readyz, default 90).
# Any other <PREFIX>_* or GATEWAY_* variable in the environment reaches the
# binaries unchanged.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

build_dir=${1:-$CRM_REPO_ROOT/build}
ready_timeout=${CRM_READY_TIMEOUT:-90}
bind_address=${CRM_BIND_ADDRESS:-127.0.0.1}
[[ -d "$build_dir" ]] || crm_die "no build directory $build_dir (run \`make build\`)"
build_dir=$(cd "$build_dir" && pwd)

# find_binary NAME: the executable NAME anywhere in the build tree.
find_binary() {
  local found
  found=$(find "$build_dir" -type f -name "$1" -perm -u+x -not -path '*/CMakeFiles/*' |
    head -n 1)
  [[ -n "$found" ]] || crm_die "$1 not found under $build_dir (run \`make build\`)"
  printf '%s\n' "$found"
}

mkdir -p "$CRM_LOG_DIR" "$CRM_RUN_DIR"
[[ -f "$CRM_SECRETS_FILE" ]] ||
  crm_die "no secrets file $CRM_SECRETS_FILE (run scripts/provision-databases.sh)"

# start NAME BINARY VAR=VALUE...: starts BINARY in its own session (so a
# Ctrl-C in the terminal does not reach it; stop-suite.sh stops it in order)
# with the given variables, appending to its log, and records its PID.
start() {
  local name=$1 binary=$2
  shift 2
  local pidfile="$CRM_RUN_DIR/$name.pid" log="$CRM_LOG_DIR/$name.log"
  (
    for assignment in "$@"; do export "${assignment?}"; done
    # setsid does not fork here (a background job is no group leader), so
    # the PID below is the binary's own.
    exec setsid "$binary" </dev/null >>"$log" 2>&1
  ) &
  echo $! >"$pidfile"
}

for name in "${CRM_SERVICE_NAMES[@]}" gateway; do
  if crm_pid_alive "$CRM_RUN_DIR/$name.pid" "crm-$name"; then
    crm_die "$name is already running (PID $(<"$CRM_RUN_DIR/$name.pid"));" \
      "stop the suite first (make stop)"
  fi
done

# On any failure below, stop what was started (MariaDB stays up).
started=()
on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && ${#started[@]} -gt 0 ]]; then
    "$CRM_SCRIPTS_DIR/stop-suite.sh" --keep-db || true
  fi
}
trap on_exit EXIT

# customer-profile's PII master key ring ("<key id>:<base64 of 32 bytes>"):
# taken from the environment when set, else generated once into the secrets
# file. Losing it makes every stored customer's personal data unreadable.
if [[ -z "${CUSTOMER_PROFILE_PII_MASTER_KEYS:-}" ]]; then
  if ! CUSTOMER_PROFILE_PII_MASTER_KEYS=$(crm_secret_get "$CRM_SECRETS_FILE" \
    CUSTOMER_PROFILE_PII_MASTER_KEYS); then
    CUSTOMER_PROFILE_PII_MASTER_KEYS="local1:$(head -c 32 /dev/urandom | base64 -w0)"
    (umask 077 && printf '%s=%s\n' CUSTOMER_PROFILE_PII_MASTER_KEYS \
      "$CUSTOMER_PROFILE_PII_MASTER_KEYS" >>"$CRM_SECRETS_FILE")
  fi
fi
export CUSTOMER_PROFILE_PII_MASTER_KEYS
# feedback anonymises erased customers' feedback from customer-profile's feed.
export FEEDBACK_CUSTOMER_PROFILE_ADDR=${FEEDBACK_CUSTOMER_PROFILE_ADDR:-127.0.0.1:${CUSTOMER_PROFILE_GRPC_PORT:-50051}}
# feedback compensates resolved tickets and asks top tiers through loyalty.
export FEEDBACK_LOYALTY_ADDR=${FEEDBACK_LOYALTY_ADDR:-127.0.0.1:${LOYALTY_GRPC_PORT:-50053}}
# segmentation builds its read model from customer-profile's change feed.
export SEGMENTATION_CUSTOMER_PROFILE_ADDR=${SEGMENTATION_CUSTOMER_PROFILE_ADDR:-127.0.0.1:${CUSTOMER_PROFILE_GRPC_PORT:-50051}}
# segmentation values referrals (CRV) from loyalty's change feed.
export SEGMENTATION_LOYALTY_ADDR=${SEGMENTATION_LOYALTY_ADDR:-127.0.0.1:${LOYALTY_GRPC_PORT:-50053}}
# loyalty earns points from customer-profile's order events (its change feed).
export LOYALTY_CUSTOMER_PROFILE_ADDR=${LOYALTY_CUSTOMER_PROFILE_ADDR:-127.0.0.1:${CUSTOMER_PROFILE_GRPC_PORT:-50051}}
# loyalty asks segmentation for segment memberships (segment campaigns and
# coupons).
export LOYALTY_SEGMENTATION_ADDR=${LOYALTY_SEGMENTATION_ADDR:-127.0.0.1:${SEGMENTATION_GRPC_PORT:-50052}}
# loyalty follows feedback's change feed (complaint and survey journey
# triggers) and sends journeys' survey invitations through feedback.
export LOYALTY_FEEDBACK_ADDR=${LOYALTY_FEEDBACK_ADDR:-127.0.0.1:${FEEDBACK_GRPC_PORT:-50054}}
gateway_env=()
for entry in "${CRM_SERVICES[@]}"; do
  read -r name prefix database default_grpc default_admin <<<"$entry"
  grpc_var="${prefix}_GRPC_PORT"
  admin_var="${prefix}_ADMIN_PORT"
  grpc_port=${!grpc_var:-$default_grpc}
  admin_port=${!admin_var:-$default_admin}
  bind_var="${prefix}_BIND_ADDRESS"
  password=$(crm_secret_get "$CRM_SECRETS_FILE" "${prefix}_DB_PASSWORD") ||
    crm_die "${prefix}_DB_PASSWORD missing from $CRM_SECRETS_FILE (run scripts/provision-databases.sh)"
  binary=$(find_binary "crm-$name")
  start "$name" "$binary" \
    "${prefix}_GRPC_PORT=$grpc_port" \
    "${prefix}_ADMIN_PORT=$admin_port" \
    "${prefix}_BIND_ADDRESS=${!bind_var:-$bind_address}" \
    "${prefix}_DB_HOST=$CRM_MYSQL_HOST" \
    "${prefix}_DB_PORT=$CRM_MYSQL_PORT" \
    "${prefix}_DB_NAME=$database" \
    "${prefix}_DB_USER=$database" \
    "${prefix}_DB_PASSWORD=$password"
  started+=("$name")
  addr_var="${prefix}_ADDR"
  gateway_env+=("${prefix}_ADDR=${!addr_var:-127.0.0.1:$grpc_port}")
done

# The gateway's development admin key (header X-API-Key): generated once
# into $CRM_STATE_DIR/dev-admin-key (mode 600); the gateway is given only its
# SHA-256. API keys in GATEWAY_API_KEYS from the environment are kept.
dev_admin_key_file="$CRM_STATE_DIR/dev-admin-key"
if [[ ! -s "$dev_admin_key_file" ]]; then
  (umask 077 && printf 'crm-dev-%s\n' "$(crm_new_secret)" >"$dev_admin_key_file")
fi
chmod 600 "$dev_admin_key_file"
dev_admin_digest=$(tr -d '\n' <"$dev_admin_key_file" | sha256sum | cut -d' ' -f1)
gateway_api_keys="dev-admin admin sha256:$dev_admin_digest"
if [[ -n "${GATEWAY_API_KEYS:-}" ]]; then
  gateway_api_keys="$GATEWAY_API_KEYS;$gateway_api_keys"
fi

gateway_port=${GATEWAY_HTTP_PORT:-8080}
binary=$(find_binary crm-gateway)
start gateway "$binary" \
  "GATEWAY_API_KEYS=$gateway_api_keys" \
  "GATEWAY_HTTP_PORT=$gateway_port" \
  "GATEWAY_BIND_ADDRESS=${GATEWAY_BIND_ADDRESS:-$bind_address}" \
  "${gateway_env[@]}"
started+=(gateway)

# check_alive: fails, showing its log, if a started binary has exited.
check_alive() {
  local name
  for name in "${started[@]}"; do
    if ! crm_pid_alive "$CRM_RUN_DIR/$name.pid" "crm-$name"; then
      crm_log "$name exited during start-up; last lines of $CRM_LOG_DIR/$name.log:"
      tail -n 20 "$CRM_LOG_DIR/$name.log" >&2 || true
      exit 1
    fi
  done
}

# Wait until the gateway reports every backend ready, or a process dies.
deadline=$((SECONDS + ready_timeout))
while true; do
  status=$(crm_http_status "http://127.0.0.1:$gateway_port/readyz")
  if [[ "$status" == 200 ]]; then
    check_alive
    break
  fi
  check_alive
  if ((SECONDS >= deadline)); then
    crm_log "the gateway's /readyz was not 200 within ${ready_timeout}s" \
      "(last status $status); logs are in $CRM_LOG_DIR"
    exit 1
  fi
  sleep 0.2
done
