# shellcheck shell=bash disable=SC2034
# Shared helpers for the scripts in this folder. Source it; do not run it.
#
#   source "$(dirname "$0")/lib.sh"
#
# Defines the service table, state paths under CRM_STATE_DIR (default var/),
# secret handling and small wait helpers.

CRM_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CRM_SCRIPTS_DIR="$CRM_REPO_ROOT/scripts"
CRM_STATE_DIR=${CRM_STATE_DIR:-$CRM_REPO_ROOT/var}
CRM_SECRETS_FILE=${CRM_SECRETS_FILE:-$CRM_STATE_DIR/secrets.env}
CRM_MYSQL_DIR=${CRM_MYSQL_DIR:-$CRM_STATE_DIR/mariadb}
CRM_MYSQL_HOST=${CRM_MYSQL_HOST:-127.0.0.1}
CRM_MYSQL_PORT=${CRM_MYSQL_PORT:-3307}
CRM_LOG_DIR="$CRM_STATE_DIR/log"
CRM_RUN_DIR="$CRM_STATE_DIR/run"

# The four services, in start order: name (as in Kubernetes), environment
# prefix, database (= its user), default gRPC port, default admin port.
CRM_SERVICES=(
  "customer-profile CUSTOMER_PROFILE crm_customer_profile 50051 9091"
  "segmentation SEGMENTATION crm_segmentation 50052 9092"
  "loyalty LOYALTY crm_loyalty 50053 9093"
  "feedback FEEDBACK crm_feedback 50054 9094"
)

CRM_SERVICE_NAMES=(customer-profile segmentation loyalty feedback)

crm_log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
crm_die() {
  crm_log "$*"
  exit 1
}

# Prints a new random secret: 32 hex characters (no quoting issues in SQL,
# URLs or env files).
crm_new_secret() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 16
  else
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
    echo
  fi
}

# crm_secret_get FILE KEY: prints KEY's value from a KEY=value file, or
# nothing (status 1) if absent.
crm_secret_get() {
  local file=$1 key=$2 line
  [[ -f "$file" ]] || return 1
  line=$(grep -E "^${key}=" "$file" | tail -n 1 || true)
  [[ -n "$line" ]] || return 1
  printf '%s\n' "${line#*=}"
}

# crm_secret_ensure FILE KEY: prints KEY's value, generating it (and
# creating FILE with mode 600) the first time.
crm_secret_ensure() {
  local file=$1 key=$2 value
  if value=$(crm_secret_get "$file" "$key") && [[ -n "$value" ]]; then
    printf '%s\n' "$value"
    return 0
  fi
  mkdir -p "$(dirname "$file")"
  value=$(crm_new_secret)
  (
    umask 077
    if [[ ! -f "$file" ]]; then
      echo "# crm-suite local secrets: generated once, never commit." >"$file"
    fi
    printf '%s=%s\n' "$key" "$value" >>"$file"
  )
  chmod 600 "$file"
  printf '%s\n' "$value"
}

# crm_pid_running PID: true if PID is a live process (a zombie that nobody
# has reaped yet counts as gone).
crm_pid_running() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z ]]
}

# crm_pid_alive PIDFILE BINARY: true if PIDFILE names a live process running
# BINARY (guards against a recycled PID).
crm_pid_alive() {
  local pidfile=$1 binary=$2 pid exe
  [[ -f "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  crm_pid_running "$pid" || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 0
  [[ "$(basename "${exe% (deleted)}")" == "$binary" ]]
}

# crm_http_status URL: prints the HTTP status code (000 if unreachable).
crm_http_status() {
  curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

# crm_load_demo_data BUILD_DIR GRPC_ADDR [GATEWAY_URL]: loads the
# deterministic demo set once: the marker $CRM_STATE_DIR/demo-data.done
# records that it was loaded. Skipped when CRM_DEMO_DATA=0. In order:
#   1. the loyalty programme, rewards and campaigns through the gateway
#      (tools/demo_data/load_demo_extras.py program), so that the orders
#      earn points and campaign bonuses as loyalty follows the feed;
#   2. the customers, orders and events into customer-profile through its
#      public gRPC API (crm-demo-data, seed CRM_DEMO_SEED, default 42;
#      CRM_DEMO_CUSTOMERS, default 3000);
#   3. feedback in Chinese and English, a survey with responses and tickets
#      through the gateway (load_demo_extras.py activity).
# The gateway steps use the development admin key ($CRM_STATE_DIR/
# dev-admin-key; GATEWAY_URL defaults to http://127.0.0.1:${GATEWAY_HTTP_PORT:-8080})
# and are skipped without it. Prints one line per step; a failure is
# reported but does not stop the suite (every write is idempotent: the next
# run retries).
crm_load_demo_data() {
  local build_dir=$1 addr=$2 gateway=${3:-http://127.0.0.1:${GATEWAY_HTTP_PORT:-8080}}
  local marker="$CRM_STATE_DIR/demo-data.done" binary summary failed=0
  local extras="$CRM_REPO_ROOT/tools/demo_data/load_demo_extras.py"
  local key_file="$CRM_STATE_DIR/dev-admin-key"
  if [[ "${CRM_DEMO_DATA:-1}" == 0 ]]; then
    return 0
  fi
  if [[ -f "$marker" ]]; then
    crm_log "demo data already loaded ($(cat "$marker")); rm $marker to reload"
    return 0
  fi
  binary=$(find "$build_dir" -type f -name crm-demo-data -perm -u+x \
    -not -path '*/CMakeFiles/*' | head -n 1)
  if [[ -z "$binary" ]]; then
    crm_log "crm-demo-data not built; skipping the demo data"
    return 0
  fi
  # crm_demo_extras STEP: one step of load_demo_extras.py, when it can run.
  crm_demo_extras() {
    if [[ ! -s "$key_file" ]] || ! command -v python3 >/dev/null 2>&1; then
      crm_log "demo $1: skipped (needs python3 and $key_file)"
      return 0
    fi
    if summary=$(python3 "$extras" "$1" --gateway="$gateway" \
      --api_key_file="$key_file" 2>>"$CRM_LOG_DIR/demo-data.log"); then
      crm_log "demo $summary"
    else
      crm_log "demo $1 failed to load: see $CRM_LOG_DIR/demo-data.log"
      failed=1
    fi
  }
  crm_log "loading demo data (seed ${CRM_DEMO_SEED:-42}; CRM_DEMO_DATA=0 skips it)"
  crm_demo_extras program
  if summary=$("$binary" --seed="${CRM_DEMO_SEED:-42}" \
    --customers="${CRM_DEMO_CUSTOMERS:-3000}" --addr="$addr" \
    2>>"$CRM_LOG_DIR/demo-data.log"); then
    crm_log "${summary#crm-demo-data: }"
  else
    crm_log "demo data failed to load: ${summary:-see $CRM_LOG_DIR/demo-data.log}"
    return 0
  fi
  crm_demo_extras activity
  if [[ $failed == 0 ]]; then
    printf 'seed %s, %s customers, %s\n' "${CRM_DEMO_SEED:-42}" \
      "${CRM_DEMO_CUSTOMERS:-3000}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$marker"
  fi
}
