#!/usr/bin/env bash
# Creates the Secrets the manifests reference, with random values, in a
# namespace of the current kubectl context. Existing Secrets are left alone
# (a database keeps the password it was initialised with). For development
# clusters; production Secrets come from the platform's secret store
# (External Secrets, Sealed Secrets, Vault...) under the same names and keys.
#
#   k8s/create-dev-secrets.sh NAMESPACE            create what is missing
#   k8s/create-dev-secrets.sh NAMESPACE --print    print the Secret YAML
#                                                 instead (no cluster needed)
#
# Secrets (name: key):
#   <service>-db: password            the service's database user
#   <service>-mysql-root: password    root of the in-cluster database
#   customer-profile-pii: master-keys "<id>:<base64 of 32 random bytes>",
#                                     the keys wrapping the per-customer
#                                     PII data keys (primary first)
#   gateway-api-keys: api-keys        "dev-admin admin sha256:<hex>": the
#                                     SHA-256 of a new admin API key, which
#                                     is printed once (not stored anywhere)
#   gateway-customer-token: secret    the HS256 secret of customer tokens
set -euo pipefail

namespace=${1:?usage: $0 NAMESPACE [--print]}
print=false
[[ "${2:-}" == "--print" ]] && print=true

random_hex() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
random_key() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }

# create NAME KEY VALUE
create() {
  local name=$1 key=$2 value=$3
  if [[ "$print" == true ]]; then
    printf -- '---\n'
    kubectl create secret generic "$name" --namespace "$namespace" \
      --from-literal="$key=$value" --dry-run=client -o yaml
    return
  fi
  if kubectl get secret "$name" --namespace "$namespace" >/dev/null 2>&1; then
    echo "create-dev-secrets: $namespace/$name exists, kept"
    return
  fi
  # The value goes through stdin, never the command line.
  printf '%s' "$value" | kubectl create secret generic "$name" \
    --namespace "$namespace" --from-file="$key=/dev/stdin" >/dev/null
  echo "create-dev-secrets: $namespace/$name created"
}

for service in customer-profile segmentation loyalty feedback; do
  create "$service-db" password "$(random_hex)"
  create "$service-mysql-root" password "$(random_hex)"
done
create customer-profile-pii master-keys "k1:$(random_key)"
# The gateway's admin key: only its digest goes into the Secret.
admin_key="crm-admin-$(random_hex)$(random_hex)"
admin_digest=$(printf '%s' "$admin_key" | sha256sum | cut -d' ' -f1)
if [[ "$print" != true ]] &&
  ! kubectl get secret gateway-api-keys --namespace "$namespace" >/dev/null 2>&1; then
  echo "create-dev-secrets: the gateway's admin API key (X-API-Key), shown once: $admin_key"
fi
create gateway-api-keys api-keys "dev-admin admin sha256:$admin_digest"
create gateway-customer-token secret "$(random_hex)$(random_hex)"
