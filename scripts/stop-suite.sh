#!/usr/bin/env bash
# Stops what scripts/start-suite.sh and scripts/run-all.sh started.
#
#   scripts/stop-suite.sh [--keep-db]
#
# Sends SIGTERM to the gateway, then to the four services (each binary shuts
# down gracefully: health NOT_SERVING, drain, exit 0), using only the PIDs
# recorded under $CRM_STATE_DIR/run/ (default var/run/). A process still
# alive after CRM_STOP_TIMEOUT seconds (default 15) gets SIGKILL. Then stops
# the private MariaDB in $CRM_STATE_DIR/mariadb with scripts/mariadb.sh,
# unless --keep-db is given. Safe to run when nothing is running.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

keep_db=false
for arg in "$@"; do
  case "$arg" in
    --keep-db) keep_db=true ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) crm_die "unknown argument: $arg (see --help)" ;;
  esac
done
stop_timeout=${CRM_STOP_TIMEOUT:-15}

# stop_group NAME...: SIGTERM to each, then wait for all (bounded), then
# SIGKILL the stragglers. Removes the PID files.
stop_group() {
  local name pidfile pids=() names=()
  for name in "$@"; do
    pidfile="$CRM_RUN_DIR/$name.pid"
    if crm_pid_alive "$pidfile" "crm-$name"; then
      pids+=("$(<"$pidfile")")
      names+=("$name")
      # Removed first, so that run-all.sh's watch loop sees a stop from
      # elsewhere, not a crash.
      rm -f "$pidfile"
      kill -TERM "${pids[-1]}" 2>/dev/null || true
    else
      rm -f "$pidfile"
    fi
  done
  local deadline=$((SECONDS + stop_timeout)) i alive
  while true; do
    alive=0
    for i in "${!pids[@]}"; do
      crm_pid_running "${pids[$i]}" && alive=1
    done
    ((alive == 0)) && break
    if ((SECONDS >= deadline)); then
      for i in "${!pids[@]}"; do
        if crm_pid_running "${pids[$i]}"; then
          crm_log "${names[$i]} (PID ${pids[$i]}) did not stop within" \
            "${stop_timeout}s; sending SIGKILL"
          kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
      done
      break
    fi
    sleep 0.1
  done
  if ((${#names[@]} > 0)); then
    crm_log "stopped ${names[*]}"
  fi
}

# The gateway first, so that no new calls reach the services.
stop_group gateway
stop_group "${CRM_SERVICE_NAMES[@]}"

if [[ "$keep_db" == false && -d "$CRM_MYSQL_DIR" ]]; then
  "$CRM_SCRIPTS_DIR/mariadb.sh" stop "$CRM_MYSQL_DIR"
fi
