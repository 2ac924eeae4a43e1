# The gateway-peer phase of bench/run.sh (BENCH_PHASES=gateway-peer):
# crm-gateway side by side with its peer, the Go grpc-gateway v1.6.4 from
# Debian's packages (bench/peer/), and with direct gRPC, all three on the
# same customer-profile and MariaDB, in one run:
#
#   direct  the RPC over gRPC from h2load (framed request, 32 connections,
#           one stream each)
#   ours    the HTTP route through crm-gateway from wrk (32 connections)
#   peer    the same route through grpc-gateway from wrk (32 connections)
#
# for three calls: GET /v1/customers/{id} (GetCustomer, one customer),
# GET /v1/customers?page_size=50 (ListCustomers, a page of 50) and
# POST /v1/customers (CreateCustomer, the same body each time; it carries no
# identifier, so every call creates a customer). Each call runs
# BENCH_PEER_ROUNDS rounds (3) of BENCH_PEER_DURATION (5s) per path, the
# three paths alternating within a round (the order rotating between
# rounds). Reported per path: the median over rounds of req/s, p50 and p99,
# and per request over all rounds the CPU time of the gateway, the service
# and mariadbd (utime + stime from /proc/PID/stat), the load generator, and
# the machine's softirq time (/proc/stat: the kernel's network work), plus
# ours/peer ratios of throughput and gateway CPU.
#
# Our gateway runs as shipped (its default HTTP threads) unless
# BENCH_GATEWAY_HTTP_THREADS is set. The peer is built once into
# BENCH_PEER_BUILD_DIR (default ${TMPDIR:-/tmp}/crm-bench-peer, rebuilt when
# the protos or bench/peer change); where the Go packages cannot be
# installed or the build fails, the peer is skipped with a message and the
# other two paths are still measured. BENCH_PEER_CALLS picks calls (default
# "get list create").
#
# Sourced by bench/run.sh after customer-profile is up and $names_file
# holds customers; uses its helpers (free_port, stop_pid, cpu_ticks, field)
# and variables (repo, work, results_dir, grpc_port, service_pid, db_pid,
# gateway_bin, clk_tck). Writes bench/results/gateway-peer-<UTC time>.md.

peer_rounds=${BENCH_PEER_ROUNDS:-3}
peer_duration=${BENCH_PEER_DURATION:-5s}
peer_calls=${BENCH_PEER_CALLS:-get list create}
peer_build_dir=${BENCH_PEER_BUILD_DIR:-${TMPDIR:-/tmp}/crm-bench-peer}
peer_connections=32
peer_pid=""
peer_gateway_pid=""
peer_bin=""
peer_skip_reason=""

# --- The peer: install, build (cached), start --------------------------------
peer_build() {
  if ! "$repo/bench/install-bench-deps.sh" --peer >"$work/peer-deps.log" 2>&1; then
    peer_skip_reason="the Go packages for grpc-gateway could not be installed ($(tail -n 1 "$work/peer-deps.log"))"
    return 1
  fi
  local stamp
  stamp=$(cat "$repo"/protos/crm/type/v1/*.proto \
    "$repo"/protos/crm/customerprofile/v1/*.proto \
    "$repo/bench/peer/build.sh" "$repo/bench/peer/main.go" | sha256sum | cut -c1-16)
  if [[ -x "$peer_build_dir/bin/crm-gw" && "$(cat "$peer_build_dir/stamp" 2>/dev/null)" == "$stamp" ]]; then
    crm_log "grpc-gateway peer: reusing $peer_build_dir/bin/crm-gw"
  else
    crm_log "grpc-gateway peer: building into $peer_build_dir (~1 min)"
    rm -f "$peer_build_dir/stamp"
    if ! "$repo/bench/peer/build.sh" "$peer_build_dir" >"$work/peer-build.log" 2>&1; then
      tail -n 15 "$work/peer-build.log" >&2
      peer_skip_reason="the grpc-gateway build failed (log above)"
      return 1
    fi
    echo "$stamp" >"$peer_build_dir/stamp"
  fi
  peer_bin=$peer_build_dir/bin/crm-gw
}

# wait_http_ok PID URL WHAT LOG: waits up to 30 s for URL to answer 200.
wait_http_ok() {
  local deadline=$((SECONDS + 30))
  until [[ "$(api_status "$2")" == 200 ]]; do
    crm_pid_running "$1" || {
      tail -n 20 "$4" >&2
      crm_die "$3 exited during start-up"
    }
    ((SECONDS < deadline)) || crm_die "$3 does not answer $2 within 30s"
    sleep 0.2
  done
}

first_customer=$(head -n 1 "$names_file")
ours_port=$(free_port)
crm_log "gateway-peer: crm-gateway on 127.0.0.1:$ours_port (HTTP threads: ${BENCH_GATEWAY_HTTP_THREADS:-as shipped})"
(
  export GATEWAY_HTTP_PORT=$ours_port
  export GATEWAY_BIND_ADDRESS=127.0.0.1
  [[ -n "${BENCH_GATEWAY_HTTP_THREADS:-}" ]] &&
    export GATEWAY_HTTP_THREADS=$BENCH_GATEWAY_HTTP_THREADS
  export GATEWAY_LOG_LEVEL=warning
  export GATEWAY_API_KEYS=$bench_api_keys
  export GATEWAY_RATE_LIMIT_PER_KEY=0 GATEWAY_RATE_LIMIT_PER_ADDRESS=0
  export CUSTOMER_PROFILE_ADDR=127.0.0.1:$grpc_port
  # Not started by the benchmark; only customer routes are called.
  export SEGMENTATION_ADDR=127.0.0.1:$(free_port)
  export LOYALTY_ADDR=127.0.0.1:$(free_port)
  export FEEDBACK_ADDR=127.0.0.1:$(free_port)
  exec "$gateway_bin" </dev/null >>"$work/peer-phase-gateway.log" 2>&1
) &
peer_gateway_pid=$!
wait_http_ok "$peer_gateway_pid" "http://127.0.0.1:$ours_port/v1/$first_customer" \
  crm-gateway "$work/peer-phase-gateway.log"

if peer_build; then
  peer_port=$(free_port)
  crm_log "gateway-peer: grpc-gateway on 127.0.0.1:$peer_port"
  "$peer_bin" -listen "127.0.0.1:$peer_port" -backend "127.0.0.1:$grpc_port" \
    </dev/null >>"$work/peer.log" 2>&1 &
  peer_pid=$!
  wait_http_ok "$peer_pid" "http://127.0.0.1:$peer_port/v1/$first_customer" \
    grpc-gateway "$work/peer.log"
else
  crm_log "gateway-peer: SKIPPING the grpc-gateway peer: $peer_skip_reason"
fi

# --- The calls: HTTP method, path, body; the gRPC method and its request -----
googleapis_dir=$repo/protos/googleapis/node_modules/google-proto-files
cat >"$work/create-customer.json" <<'JSON'
{"givenName":"Peer","familyName":"Bench","displayName":"Peer Bench","birthDate":"1980-05-17","locale":"zh-CN","gender":"FEMALE","sourceChannel":"web","address":{"countryCode":"CN","region":"上海市","city":"上海","postalCode":"200000","addressLine":"南京西路 1 号"},"tags":["bench","writer","vip"],"attributes":{"tier":"gold","store":"sh-001"},"consents":[{"purpose":"EMAIL_MARKETING","status":"GRANTED","source":"web"},{"purpose":"SMS_MARKETING","status":"DENIED","source":"web"}]}
JSON
declare -A call_method call_path call_body call_rpc call_request
call_method[get]=GET
call_path[get]=/v1/$first_customer
call_rpc[get]=GetCustomer
call_request[get]="crm.customerprofile.v1.GetCustomerRequest:name: \"$first_customer\""
call_method[list]=GET
call_path[list]="/v1/customers?page_size=50"
call_rpc[list]=ListCustomers
call_request[list]="crm.customerprofile.v1.ListCustomersRequest:page_size: 50"
call_method[create]=POST
call_path[create]=/v1/customers
call_body[create]=$work/create-customer.json
call_rpc[create]=CreateCustomer
call_request[create]='crm.customerprofile.v1.CreateCustomerRequest:customer {
  given_name: "Peer" family_name: "Bench" display_name: "Peer Bench"
  birth_date: "1980-05-17" locale: "zh-CN" gender: FEMALE source_channel: "web"
  address { country_code: "CN" region: "上海市" city: "上海" postal_code: "200000" address_line: "南京西路 1 号" }
  tags: "bench" tags: "writer" tags: "vip"
  attributes { key: "tier" value: "gold" } attributes { key: "store" value: "sh-001" }
  consents { purpose: EMAIL_MARKETING status: GRANTED source: "web" }
  consents { purpose: SMS_MARKETING status: DENIED source: "web" } }'

# grpc_frame CALL FILE: the call's request as one gRPC message frame.
grpc_frame() {
  local type=${call_request[$1]%%:*} text=${call_request[$1]#*:} len
  protoc -I"$repo/protos" -I"$googleapis_dir" -I/usr/include \
    --encode="$type" crm/customerprofile/v1/customer_profile_service.proto \
    <<<"$text" >"$work/$1.msg"
  len=$(stat -c %s "$work/$1.msg")
  {
    printf '\x00'
    printf "\\x$(printf %02x $(((len >> 24) & 255)))\\x$(printf %02x $(((len >> 16) & 255)))"
    printf "\\x$(printf %02x $(((len >> 8) & 255)))\\x$(printf %02x $((len & 255)))"
    cat "$work/$1.msg"
  } >"$2"
}

# http_check PORT CALL: the HTTP status of one request of CALL.
http_check() {
  local args=(-s -o "$work/check.out" -m 10 -w '%{http_code}' -X "${call_method[$2]}"
    -H "X-API-Key: $CRM_API_KEY")
  [[ -n "${call_body[$2]:-}" ]] &&
    args+=(-H 'Content-Type: application/json' --data-binary "@${call_body[$2]}")
  curl "${args[@]}" "http://127.0.0.1:$1${call_path[$2]}" 2>/dev/null || true
}

# --- One measured load ----------------------------------------------------------
# CPU ticks so far: "service= mariadbd= ours= peer= softirq= busy=".
peer_snapshot() {
  echo "service=$(cpu_ticks "$service_pid") mariadbd=$(cpu_ticks "$db_pid")" \
    "ours=$(cpu_ticks "$peer_gateway_pid") peer=$(cpu_ticks "$peer_pid")" \
    "$(awk '/^cpu / {print "softirq=" $8, "busy=" $2 + $3 + $4 + $7 + $8; exit}' /proc/stat)"
}

# load_direct CALL: h2load against the service; prints a report line.
load_direct() {
  h2load --duration="${peer_duration%s}" --clients="$peer_connections" \
    --threads=2 --max-concurrent-streams=1 \
    --header='content-type: application/grpc' --header='te: trailers' \
    --data="$work/$1.frame" --log-file="$work/h2load-peer.log" \
    "http://127.0.0.1:$grpc_port/crm.customerprofile.v1.CustomerProfileService/${call_rpc[$1]}" \
    >"$work/h2load-peer.out" 2>&1 || true
  local done data seconds stats
  done=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$work/h2load-peer.out")
  data=$(sed -n 's/^traffic: .*(\([0-9]*\)) data.*/\1/p' "$work/h2load-peer.out")
  seconds=$(sed -n 's/^finished in \([0-9.]*\)s.*/\1/p' "$work/h2load-peer.out")
  stats=$(awk -F'\t' '$2 == 200 {print $3}' "$work/h2load-peer.log" | sort -n |
    awk '{v[NR] = $1} END {
      if (NR == 0) { print "p50_ms=0 p99_ms=0"; exit }
      i50 = int(0.50 * (NR - 1) + 0.5) + 1; i99 = int(0.99 * (NR - 1) + 0.5) + 1
      printf "p50_ms=%.2f p99_ms=%.2f", v[i50] / 1000, v[i99] / 1000 }')
  # A gRPC error is HTTP 200 without a message: count calls that carried
  # less than a frame header's worth of data as errors.
  awk -v n="${done:-0}" -v s="${seconds:-0}" -v d="${data:-0}" -v st="$stats" 'BEGIN {
    per = (n > 0 ? d / n : 0)
    printf "mode=h2load rows=%d errors=%d seconds=%.2f rate=%.1f %s data_bytes_per_call=%.1f\n",
      n, (per < 6 ? n : 0), s, (s > 0 ? n / s : 0), st, per }'
}

# load_http PORT CALL: wrk against a gateway; prints a report line.
load_http() {
  local args=("${call_method[$2]}" "${call_path[$2]}")
  [[ -n "${call_body[$2]:-}" ]] && args+=("${call_body[$2]}")
  wrk --threads=2 --connections="$peer_connections" --duration="$peer_duration" \
    --script="$repo/bench/peer_load.lua" "http://127.0.0.1:$1" -- "${args[@]}" |
    grep '^mode=' || echo "mode=wrk rows=0 errors=1 rate=0 p50_ms=0 p99_ms=0"
}

# measure_path CALL PATH: one round of one path; appends a result line
# "call= path= rate= p50_ms= p99_ms= rows= errors= d_service= ... client=" to
# $work/peer-rounds.txt.
measure_path() {
  local call=$1 path=$2 before after out client report
  before=$(peer_snapshot)
  out=$(
    case $path in
      direct) load_direct "$call" ;;
      ours) load_http "$ours_port" "$call" ;;
      peer) load_http "$peer_port" "$call" ;;
    esac
    read -r stat <"/proc/$BASHPID/stat"
    read -ra fields <<<"${stat##*) }"
    echo "client=$((fields[13] + fields[14]))"
  )
  after=$(peer_snapshot)
  report=$(head -n 1 <<<"$out")
  client=$(tail -n 1 <<<"$out")
  awk -v b="$before" -v a="$after" -v r="$report" -v c="$client" \
    -v call="$call" -v path="$path" 'BEGIN {
      n = split(b, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); B[kv[1]] = kv[2] }
      n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); A[kv[1]] = kv[2] }
      printf "call=%s path=%s %s", call, path, r
      for (k in A) printf " d_%s=%d", k, A[k] - B[k]
      printf " d_%s\n", c }' >>"$work/peer-rounds.txt"
  echo "  $call $path: $report"
}

# --- Rounds -------------------------------------------------------------------
: >"$work/peer-rounds.txt"
declare -A peer_call_skip
for call in $peer_calls; do
  [[ -n "${call_method[$call]:-}" ]] || crm_die "BENCH_PEER_CALLS: unknown call $call (get list create)"
  grpc_frame "$call" "$work/$call.frame"
  status=$(http_check "$ours_port" "$call")
  [[ "$status" == 2* ]] || {
    cat "$work/check.out" >&2
    crm_die "crm-gateway answers ${call_method[$call]} ${call_path[$call]} with HTTP $status"
  }
  if [[ -n "$peer_pid" ]]; then
    status=$(http_check "$peer_port" "$call")
    if [[ "$status" != 2* ]]; then
      peer_call_skip[$call]="grpc-gateway answers HTTP $status: $(head -c 200 "$work/check.out")"
      crm_log "gateway-peer: peer skipped for $call: ${peer_call_skip[$call]}"
    fi
  fi
  paths=(direct ours)
  [[ -n "$peer_pid" && -z "${peer_call_skip[$call]:-}" ]] && paths+=(peer)
  crm_log "gateway-peer: $call (${call_method[$call]} ${call_path[$call]} / ${call_rpc[$call]}): $peer_rounds rounds of ${paths[*]}, $peer_duration each"
  for ((round = 0; round < peer_rounds; round++)); do
    for ((i = 0; i < ${#paths[@]}; i++)); do
      measure_path "$call" "${paths[$(((i + round) % ${#paths[@]}))]}"
    done
  done
done

# --- Report -------------------------------------------------------------------
peer_report="$results_dir/gateway-peer-$(date -u +%Y%m%dT%H%MZ).md"
{
  echo "# Gateway side by side: direct gRPC, crm-gateway, grpc-gateway v1.6.4"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname) ($(nproc) cores), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet HEAD -- gateway services 2>/dev/null || echo ' (with uncommitted changes)'), build \`$(basename "$build_dir")\`; $peer_connections connections/streams in flight on every path, $peer_rounds alternating rounds of $peer_duration per path; crm-gateway HTTP threads: ${BENCH_GATEWAY_HTTP_THREADS:-as shipped}."
  [[ -n "$peer_skip_reason" ]] && echo && echo "**grpc-gateway skipped:** $peer_skip_reason"
  for call in $peer_calls; do
    [[ -n "${peer_call_skip[$call]:-}" ]] && echo && echo "**grpc-gateway skipped for $call:** ${peer_call_skip[$call]}"
  done
  echo
  echo "Medians over rounds (req/s, p50, p99); CPU per request over all rounds of the path, in µs, from /proc/PID/stat (gateway, service, mariadbd, load generator) and /proc/stat (softirq: the whole machine's)."
  echo
  echo "| call | path | median req/s | p50 ms | p99 ms | gateway CPU µs/req | service CPU µs/req | mariadbd CPU µs/req | softirq µs/req | load generator CPU µs/req | requests | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk -v tck="$clk_tck" -v calls="$peer_calls" '
    function median(list,   n, v, i, j, t) {
      n = split(list, v, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
        if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
      if (n == 0) return 0
      return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    {
      delete F
      for (i = 1; i <= NF; i++) { split($i, kv, "="); F[kv[1]] = kv[2] }
      k = F["call"] SUBSEP F["path"]
      seen[k] = 1
      rate[k] = rate[k] " " F["rate"]; p50[k] = p50[k] " " F["p50_ms"]; p99[k] = p99[k] " " F["p99_ms"]
      rows[k] += F["rows"]; errors[k] += F["errors"]
      gw = (F["path"] == "ours") ? F["d_ours"] : (F["path"] == "peer") ? F["d_peer"] : 0
      gateway[k] += gw; service[k] += F["d_service"]; mariadbd[k] += F["d_mariadbd"]
      softirq[k] += F["d_softirq"]; client[k] += F["d_client"]
    }
    END {
      us = 1e6 / tck
      nc = split(calls, cl, " ")
      split("direct ours peer", paths, " ")
      names["direct"] = "direct gRPC (h2load)"; names["ours"] = "crm-gateway (wrk)"; names["peer"] = "grpc-gateway (wrk)"
      for (c = 1; c <= nc; c++) {
        for (p = 1; p <= 3; p++) {
          k = cl[c] SUBSEP paths[p]
          if (!(k in seen)) continue
          n = rows[k] > 0 ? rows[k] : 1
          printf "| %s | %s | %.0f | %.1f | %.1f | %s | %.0f | %.0f | %.0f | %.0f | %d | %d |\n",
            cl[c], names[paths[p]], median(rate[k]), median(p50[k]), median(p99[k]),
            (paths[p] == "direct") ? "–" : sprintf("%.0f", gateway[k] * us / n),
            service[k] * us / n, mariadbd[k] * us / n, softirq[k] * us / n,
            client[k] * us / n, rows[k], errors[k]
          R[cl[c], paths[p]] = median(rate[k]); G[cl[c], paths[p]] = gateway[k] * us / n
        }
      }
      print ""
      print "| call | ours/peer req/s (goal ≥ 1.2 get, ≥ 1 list/create) | ours/peer gateway CPU per request (goal ≤ 0.5 get) | ours/direct req/s | peer/direct req/s |"
      print "|---|---|---|---|---|"
      for (c = 1; c <= nc; c++) {
        x = cl[c]
        if (!((x, "ours") in R)) continue
        op = ((x, "peer") in R && R[x, "peer"] > 0) ? sprintf("**%.2f**", R[x, "ours"] / R[x, "peer"]) : "n/a"
        oc = ((x, "peer") in G && G[x, "peer"] > 0) ? sprintf("**%.2f**", G[x, "ours"] / G[x, "peer"]) : "n/a"
        od = (R[x, "direct"] > 0) ? sprintf("%.2f", R[x, "ours"] / R[x, "direct"]) : "n/a"
        pd = ((x, "peer") in R && R[x, "direct"] > 0) ? sprintf("%.2f", R[x, "peer"] / R[x, "direct"]) : "n/a"
        printf "| %s | %s | %s | %s | %s |\n", x, op, oc, od, pd
      }
    }' "$work/peer-rounds.txt"
  echo
  echo "Calls: get = \`GET ${call_path[get]%%customers/*}customers/{id}\` → GetCustomer (one customer); list = \`GET ${call_path[list]}\` → ListCustomers; create = \`POST ${call_path[create]}\` → CreateCustomer (bench/gateway_peer.sh's body, no identifiers: a new customer per call)."
  echo
  echo "Rounds (raw):"
  echo
  echo '```'
  cat "$work/peer-rounds.txt"
  echo '```'
} >"$peer_report"
echo
sed -n '/^| call | path/,/^Calls:/p' "$peer_report" | sed '$d'
crm_log "gateway-peer: report in ${peer_report#"$repo"/}"
stop_pid "$peer_pid"
stop_pid "$peer_gateway_pid"
peer_pid=""
peer_gateway_pid=""
