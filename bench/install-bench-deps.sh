#!/usr/bin/env bash
# Installs the Debian 12 packages only the benchmark needs (bench/run.sh
# calls it; `make test` and `make build` never do):
#   wrk             HTTP/1.1 keep-alive load generator (gateway phase)
#   nghttp2-client  h2load, which sends framed gRPC requests (direct phase)
#   linux-perf      perf record/report of the services under load (optional
#                   profile phase; skipped where the kernel refuses it)
# and with --peer also what bench/peer/build.sh needs to build the Go
# grpc-gateway v1.6.4 the gateway-peer phase compares against (Go 1.19,
# grpc-gateway's sources and their Go dependencies, protoc-gen-go;
# about 450 MB):
#   golang-go golang-github-grpc-ecosystem-grpc-gateway-dev
#   golang-goprotobuf-dev golang-google-grpc-dev golang-google-genproto-dev
#   golang-github-ghodss-yaml-dev protobuf-compiler
#
#   bench/install-bench-deps.sh [--peer]
#
# Idempotent and quiet when everything is present: each package is checked
# with dpkg-query; only missing ones are installed (one `apt-get update`,
# then one `apt-get install`). Uses sudo only when not root.
set -euo pipefail

packages=(wrk nghttp2-client linux-perf)
if [[ "${1:-}" == "--peer" ]]; then
  packages+=(golang-go golang-github-grpc-ecosystem-grpc-gateway-dev
    golang-goprotobuf-dev golang-google-grpc-dev golang-google-genproto-dev
    golang-github-ghodss-yaml-dev protobuf-compiler)
fi

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
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
