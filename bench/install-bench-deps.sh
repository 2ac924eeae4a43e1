#!/usr/bin/env bash
# Installs the Debian 12 packages only the benchmark needs (bench/run.sh
# calls it; `make test` and `make build` never do):
#   wrk             HTTP/1.1 keep-alive load generator (gateway phase)
#   nghttp2-client  h2load, which sends framed gRPC requests (direct phase)
#   linux-perf      perf record/report of the services under load (optional
#                   profile phase; skipped where the kernel refuses it)
#
#   bench/install-bench-deps.sh
#
# Idempotent and quiet when everything is present: each package is checked
# with dpkg-query; only missing ones are installed (one `apt-get update`,
# then one `apt-get install`). Uses sudo only when not root.
set -euo pipefail

packages=(wrk nghttp2-client linux-perf)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-bench-deps: missing packages (${missing[*]}) and no apt-get:" \
    "install them by hand." >&2
  exit 1
fi
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-bench-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  }
  sudo_cmd=(sudo)
fi
echo "install-bench-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq "${missing[@]}"
