#!/usr/bin/env bash
# A private MariaDB server for development and tests; never a system service.
#
#   mariadb.sh start DIR PORT   initialise DIR/data if missing, start mariadbd
#                               on 127.0.0.1:PORT, wait until it answers, then
#                               create/update the admin user `crm_admin`
#                               (@127.0.0.1 and @localhost) with the password
#                               in CRM_MYSQL_ADMIN_PASSWORD (required). If a
#                               server already runs on DIR, only the user step.
#   mariadb.sh stop DIR         shut the server down and wait until it is gone
#                               (no error if it is not running)
#   mariadb.sh kill DIR         SIGKILL the server (for outage tests)
#   mariadb.sh status DIR       exit 0 if the server on DIR is running
#
# Everything lives under DIR: data/, mysqld.sock, mysqld.pid, error.log.
# Only the process recorded in DIR/mysqld.pid is ever signalled. Every client
# and server command runs with --no-defaults, so no my.cnf of the machine is
# read, and the machine's own MySQL is never touched.
set -euo pipefail

readonly START_TIMEOUT_SECONDS=30
readonly STOP_TIMEOUT_SECONDS=60

die() {
  echo "mariadb.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: mariadb.sh start DIR PORT | stop DIR | kill DIR | status DIR" >&2
  exit 2
}

find_program() {
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
    if [[ -x "/usr/sbin/$name" ]]; then
      echo "/usr/sbin/$name"
      return 0
    fi
  done
  die "none of [$*] is installed (see scripts/ or PLATFORM.md for the packages)"
}

# The PID in DIR/mysqld.pid if that process is alive and is a MariaDB server.
server_pid() {
  local pid comm
  [[ -f "$PID_FILE" ]] || return 1
  pid=$(tr -dc '0-9' <"$PID_FILE")
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  case "$comm" in
    mariadbd | mysqld) ;;
    *) return 1 ;;
  esac
  echo "$pid"
}

is_running() {
  server_pid >/dev/null
}

ping_server() {
  "$ADMIN" --no-defaults --socket="$SOCKET" --user=root --connect-timeout=2 \
    ping >/dev/null 2>&1
}

print_log_tail() {
  if [[ -f "$ERROR_LOG" ]]; then
    echo "---- last lines of $ERROR_LOG ----" >&2
    tail -n 30 "$ERROR_LOG" >&2 || true
  fi
}

# Escapes a value for a single-quoted SQL string literal.
sql_quote() {
  local value=$1
  value=${value//\\/\\\\}
  value=${value//\'/\\\'}
  printf "'%s'" "$value"
}

ensure_admin_user() {
  local password
  password=$(sql_quote "$CRM_MYSQL_ADMIN_PASSWORD")
  # The statements go through stdin so the password never appears in argv.
  "$CLIENT" --no-defaults --socket="$SOCKET" --user=root --batch <<SQL
CREATE USER IF NOT EXISTS 'crm_admin'@'127.0.0.1' IDENTIFIED BY $password;
CREATE USER IF NOT EXISTS 'crm_admin'@'localhost' IDENTIFIED BY $password;
ALTER USER 'crm_admin'@'127.0.0.1' IDENTIFIED BY $password;
ALTER USER 'crm_admin'@'localhost' IDENTIFIED BY $password;
GRANT ALL PRIVILEGES ON *.* TO 'crm_admin'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'crm_admin'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
}

wait_until_gone() {
  local pid=$1 timeout=$2 waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= timeout * 10)); then
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  return 0
}

cmd_start() {
  local port=$1
  if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    die "PORT must be a number in 1..65535, got '$port'"
  fi
  [[ -n "${CRM_MYSQL_ADMIN_PASSWORD:-}" ]] ||
    die "CRM_MYSQL_ADMIN_PASSWORD must be set (the crm_admin password)"

  mkdir -p "$DIR"
  if ((${#SOCKET} > 100)); then
    die "socket path $SOCKET is too long for a Unix socket; use a shorter DIR"
  fi

  if is_running; then
    ping_server || die "a server runs on $DIR but does not answer"
    ensure_admin_user
    echo "mariadb.sh: already running on $DIR (pid $(server_pid))"
    return 0
  fi
  # Left over by a killed server.
  rm -f "$PID_FILE" "$SOCKET" "$SOCKET.lock"

  local user_args=()
  if [[ "$(id -u)" == 0 ]]; then
    user_args=(--user=root)
  fi

  if [[ ! -d "$DATA_DIR/mysql" ]]; then
    local install_db
    install_db=$(find_program mariadb-install-db mysql_install_db)
    rm -rf "$DATA_DIR"
    if ! "$install_db" --no-defaults --datadir="$DATA_DIR" "${user_args[@]}" \
      --auth-root-authentication-method=normal --skip-test-db \
      >"$DIR/install.log" 2>&1; then
      tail -n 30 "$DIR/install.log" >&2 || true
      die "mariadb-install-db failed (log: $DIR/install.log)"
    fi
  fi

  # setsid and closed descriptors: the server must not hold the caller's
  # terminal or pipes (CTest waits for those to close).
  setsid "$SERVER" --no-defaults --datadir="$DATA_DIR" --socket="$SOCKET" \
    --pid-file="$PID_FILE" --port="$port" --bind-address=127.0.0.1 \
    "${user_args[@]}" --skip-name-resolve --log-error="$ERROR_LOG" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    </dev/null >>"$DIR/mariadbd.out" 2>&1 &
  local launcher=$!

  local waited=0
  until ping_server; do
    if ((waited >= START_TIMEOUT_SECONDS * 10)); then
      print_log_tail
      die "server on $DIR did not answer within ${START_TIMEOUT_SECONDS}s"
    fi
    if ! kill -0 "$launcher" 2>/dev/null && ! is_running; then
      print_log_tail
      die "server on $DIR exited during start-up"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  ensure_admin_user
  echo "mariadb.sh: started on 127.0.0.1:$port (pid $(server_pid), dir $DIR)"
}

cmd_stop() {
  local pid
  if ! pid=$(server_pid); then
    rm -f "$PID_FILE"
    echo "mariadb.sh: not running on $DIR"
    return 0
  fi
  if ! "$ADMIN" --no-defaults --socket="$SOCKET" --user=root \
    --connect-timeout=5 shutdown >/dev/null 2>&1; then
    kill -TERM "$pid" 2>/dev/null || true
  fi
  if ! wait_until_gone "$pid" "$STOP_TIMEOUT_SECONDS"; then
    echo "mariadb.sh: server did not stop within ${STOP_TIMEOUT_SECONDS}s;" \
      "sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_until_gone "$pid" 10 || die "server pid $pid did not exit"
  fi
  echo "mariadb.sh: stopped (dir $DIR)"
}

cmd_kill() {
  local pid
  if ! pid=$(server_pid); then
    echo "mariadb.sh: not running on $DIR"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  wait_until_gone "$pid" 10 || die "server pid $pid did not exit"
  echo "mariadb.sh: killed pid $pid (dir $DIR)"
}

[[ $# -ge 2 ]] || usage
COMMAND=$1
DIR=$2
[[ -n "$DIR" ]] || usage
if [[ "$COMMAND" == start ]]; then
  mkdir -p "$DIR"
fi
if [[ -d "$DIR" ]]; then
  DIR=$(cd "$DIR" && pwd)
fi
readonly DATA_DIR="$DIR/data"
readonly SOCKET="$DIR/mysqld.sock"
readonly PID_FILE="$DIR/mysqld.pid"
readonly ERROR_LOG="$DIR/error.log"

case "$COMMAND" in
  start)
    [[ $# -eq 3 ]] || usage
    SERVER=$(find_program mariadbd mysqld)
    ADMIN=$(find_program mariadb-admin mysqladmin)
    CLIENT=$(find_program mariadb mysql)
    cmd_start "$3"
    ;;
  stop)
    [[ $# -eq 2 ]] || usage
    ADMIN=$(find_program mariadb-admin mysqladmin)
    cmd_stop
    ;;
  kill)
    [[ $# -eq 2 ]] || usage
    cmd_kill
    ;;
  status)
    [[ $# -eq 2 ]] || usage
    if is_running; then
      echo "mariadb.sh: running on $DIR (pid $(server_pid))"
      exit 0
    fi
    echo "mariadb.sh: not running on $DIR"
    exit 1
    ;;
  *)
    usage
    ;;
esac
