#!/usr/bin/env bash
# Installs the Debian 12 packages crm-suite needs to build, test and run.
#
#   scripts/install-deps.sh
#
# Idempotent and quiet when everything is present: each package is checked
# with dpkg-query, and only the missing ones are installed (one
# `apt-get update`, then one `apt-get install`). Uses sudo only when not root.
# Never install libboost1.81-dev: it conflicts with Boost 1.74, which
# libmysqlcppconn-dev needs.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format lld
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libmysqlcppconn-dev mariadb-server mariadb-client grpc-proto
  libboost-dev libphonenumber-dev libssl-dev libgtest-dev libgmock-dev libicu-dev
  libcurl4-openssl-dev
  curl python3-grpcio python3-protobuf clang-14 libfuzzer-14-dev
  chromium
  # A Chinese font, so that the dashboard's screenshots show zh text.
  fonts-wqy-microhei
)

# The googleapis protos (google.api annotations, google.rpc error details)
# are a build-time input from npm, pinned by protos/googleapis/package-lock.json.
# `npm ci` runs when node_modules is missing or older than the lockfile.
install_googleapis_protos() {
  local dir protos_dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  protos_dir="$dir/protos/googleapis"
  if [[ -f "$protos_dir/node_modules/.package-lock.json" &&
        "$protos_dir/node_modules/.package-lock.json" -nt "$protos_dir/package-lock.json" ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm is needed for the googleapis protos; installing nodejs and npm"
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
  fi
  echo "install-deps: npm ci in protos/googleapis"
  (cd "$protos_dir" && npm ci --no-audit --no-fund --loglevel=error)
}

# The gateway's /docs assets (swagger-ui-dist) and the OpenAPI linter run by
# `make test` (@redocly/cli), pinned by gateway/web-vendor/package-lock.json.
install_gateway_web_vendor() {
  local vendor_dir
  vendor_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/gateway/web-vendor"
  if [[ -f "$vendor_dir/node_modules/.package-lock.json" &&
        "$vendor_dir/node_modules/.package-lock.json" -nt "$vendor_dir/package-lock.json" ]]; then
    return 0
  fi
  echo "install-deps: npm ci in gateway/web-vendor"
  (cd "$vendor_dir" && npm ci --no-audit --no-fund --loglevel=error)
}

# The dashboard's build inputs (Vite, Preact, htm, ECharts), pinned by
# gateway/web/package-lock.json; CMake builds the bundle from them offline
# (gateway/web/CMakeLists.txt).
install_gateway_web() {
  local web_dir
  web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/gateway/web"
  if [[ -f "$web_dir/node_modules/.package-lock.json" &&
        "$web_dir/node_modules/.package-lock.json" -nt "$web_dir/package-lock.json" ]]; then
    return 0
  fi
  echo "install-deps: npm ci in gateway/web"
  (cd "$web_dir" && npm ci --no-audit --no-fund --loglevel=error)
}

# The offline schema validation of the Kubernetes manifests (kubernetes-models,
# yaml), pinned by tests/k8s/package-lock.json.
install_k8s_validation() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/k8s"
  if [[ -f "$dir/node_modules/.package-lock.json" &&
        "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
    return 0
  fi
  echo "install-deps: npm ci in tests/k8s"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

# The browser tests' driver (playwright-core, run against Debian's chromium
# by `make test`), pinned by tests/browser/package-lock.json.
install_browser_tests() {
  local browser_dir
  browser_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  if [[ -f "$browser_dir/node_modules/.package-lock.json" &&
        "$browser_dir/node_modules/.package-lock.json" -nt "$browser_dir/package-lock.json" ]]; then
    return 0
  fi
  echo "install-deps: npm ci in tests/browser"
  (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
}

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  install_googleapis_protos
  install_gateway_web_vendor
  install_gateway_web
  install_browser_tests
  install_k8s_validation
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing packages (${missing[*]}) and no apt-get:" \
    "crm-suite targets Debian 12; install them by hand." >&2
  exit 1
fi

if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq "${missing[@]}"
install_googleapis_protos
install_gateway_web_vendor
install_gateway_web
install_browser_tests
install_k8s_validation
echo "install-deps: done"
