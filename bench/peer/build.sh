#!/usr/bin/env bash
# Builds the benchmark's peer: the Go grpc-gateway v1.6.4 from Debian 12's
# packages (GOPATH mode, no module proxy) in front of customer-profile,
# serving every google.api.http annotation of customer_profile_service.proto
# (bench/gateway_peer.sh runs it next to crm-gateway).
#
#   bench/peer/build.sh OUT_DIR        (~1 minute on 2 cores)
#
# Result: OUT_DIR/bin/crm-gw -listen HOST:PORT -backend HOST:PORT. Needs the
# Debian packages bench/install-bench-deps.sh --peer installs and the
# googleapis protos of protos/googleapis (scripts/install-deps.sh).
#
# Adapted from the team's shared peer recipe (peers/grpc-gateway/build.sh):
# it used an external HTTP rule file for GetCustomer alone; the protos now
# carry their own annotations, so the plugin reads those (with the googleapis
# protos on the include path and an M option per imported file).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: build.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
googleapis=$repo/protos/googleapis/node_modules/google-proto-files
[[ -f "$googleapis/google/api/annotations.proto" ]] || {
  echo "peer build: no googleapis protos under $googleapis (run scripts/install-deps.sh)" >&2
  exit 1
}

export GO111MODULE=off GOPATH=$out/go:/usr/share/gocode GOCACHE=$out/gocache GOFLAGS=
src=$out/go/src/peercrm
rm -rf "$src" "$out/bin"
mkdir -p "$src/cmd/gw" "$out/bin"

# 1. The protoc plugin, from Debian's source package.
go build -o "$out/bin/protoc-gen-grpc-gateway" \
  github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway

# 2. Go stubs. The crm protos have no go_package: every file is mapped with
#    an M option. Well-known types and google.api go to the APIv1 packages
#    Debian ships (protoc 3.21's own go_package would point at
#    google.golang.org/protobuf, which golang-protobuf 1.3.5 cannot use).
m="Mgoogle/protobuf/timestamp.proto=github.com/golang/protobuf/ptypes/timestamp"
m="$m,Mgoogle/protobuf/field_mask.proto=google.golang.org/genproto/protobuf/field_mask"
for f in annotations http client field_behavior resource; do
  m="$m,Mgoogle/api/$f.proto=google.golang.org/genproto/googleapis/api/annotations"
done
for f in "$repo"/protos/crm/type/v1/*.proto; do
  m="$m,Mcrm/type/v1/$(basename "$f")=peercrm/crm/type/v1"
done
for f in "$repo"/protos/crm/customerprofile/v1/*.proto; do
  m="$m,Mcrm/customerprofile/v1/$(basename "$f")=peercrm/crm/customerprofile/v1"
done
includes=(-I"$repo/protos" -I"$googleapis" -I/usr/include)
protoc "${includes[@]}" --go_out="plugins=grpc,paths=source_relative,$m:$src" \
  "$repo"/protos/crm/type/v1/*.proto
protoc "${includes[@]}" --go_out="plugins=grpc,paths=source_relative,$m:$src" \
  "$repo"/protos/crm/customerprofile/v1/*.proto

# 3. The reverse proxy from the protos' google.api.http annotations.
protoc "${includes[@]}" \
  --plugin=protoc-gen-grpc-gateway="$out/bin/protoc-gen-grpc-gateway" \
  --grpc-gateway_out="logtostderr=true,paths=source_relative,$m:$src" \
  "$repo/protos/crm/customerprofile/v1/customer_profile_service.proto"

cp "$here/main.go" "$src/cmd/gw/main.go"
go build -o "$out/bin/crm-gw" peercrm/cmd/gw
