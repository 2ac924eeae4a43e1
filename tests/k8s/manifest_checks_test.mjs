// The policy checks catch what they claim: each case breaks one thing in a
// copy of a rendered overlay and expects a violation of exactly the rule
// that covers it; the unbroken overlays have none.
//
//   node --test tests/k8s/manifest_checks_test.mjs

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkManifests, exportedMetricNames, renderOverlayAsync } from "./manifest_checks.mjs";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const rendered = {};
let exportedMetrics;

const KUSTOMIZATIONS = {
  dev: join(root, "k8s", "overlays", "dev"),
  production: join(root, "k8s", "overlays", "production"),
  "production-gateway-api": join(root, "tests", "k8s", "kustomizations", "production-gateway-api"),
};

before(async () => {
  const names = Object.keys(KUSTOMIZATIONS);
  const objects = await Promise.all(names.map((name) => renderOverlayAsync(KUSTOMIZATIONS[name])));
  names.forEach((name, i) => (rendered[name] = objects[i]));
  exportedMetrics = exportedMetricNames(root);
});

function copyOf(overlay) {
  return structuredClone(rendered[overlay]);
}

function get(objects, kind, name) {
  const obj = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(obj, `${kind}/${name} is in the rendered overlay`);
  return obj;
}

function mainContainer(objects, deployment) {
  return get(objects, "Deployment", deployment).spec.template.spec.containers[0];
}

function configMapOf(objects, deployment) {
  const name = mainContainer(objects, deployment).envFrom[0].configMapRef.name;
  return get(objects, "ConfigMap", name);
}

async function rulesViolated(objects) {
  const violations = await checkManifests(objects, { exportedMetrics });
  return new Set(violations.map((v) => v.rule));
}

describe("unbroken overlays", () => {
  for (const overlay of ["dev", "production", "production-gateway-api"]) {
    it(`${overlay} has no violation`, async () => {
      const violations = await checkManifests(rendered[overlay], { exportedMetrics });
      assert.deepEqual(violations, []);
    });
  }

  it("the gateway-api variant has an HTTPRoute and no Ingress", () => {
    const objects = rendered["production-gateway-api"];
    assert.ok(objects.some((o) => o.kind === "HTTPRoute"));
    assert.ok(!objects.some((o) => o.kind === "Ingress"));
  });
});

// [name, overlay, break(objects), the rule expected to catch it]
const BROKEN_COPIES = [
  ["a replicas field of the wrong type", "dev", (o) => (get(o, "Deployment", "loyalty").spec.replicas = "two"), "schema"],
  ["no readiness probe", "dev", (o) => delete mainContainer(o, "segmentation").readinessProbe, "probes"],
  ["no startup probe on the database", "dev", (o) => delete get(o, "StatefulSet", "feedback-mysql").spec.template.spec.containers[0].startupProbe, "probes"],
  [
    "an HTTP readiness probe on a gRPC service",
    "dev",
    (o) => (mainContainer(o, "loyalty").readinessProbe = { httpGet: { path: "/readyz", port: "admin" } }),
    "grpc-probes",
  ],
  ["no memory limit", "production", (o) => delete mainContainer(o, "feedback").resources.limits.memory, "resources"],
  [
    "no cpu request on the migration Job",
    "production",
    (o) => delete get(o, "Job", "loyalty-migrate").spec.template.spec.containers[0].resources.requests.cpu,
    "resources",
  ],
  [
    "root allowed",
    "dev",
    (o) => {
      get(o, "Deployment", "gateway").spec.template.spec.securityContext.runAsNonRoot = false;
      mainContainer(o, "gateway").securityContext.runAsNonRoot = false;
    },
    "security-context",
  ],
  ["a writable root filesystem", "dev", (o) => (mainContainer(o, "customer-profile").securityContext.readOnlyRootFilesystem = false), "security-context"],
  ["privilege escalation", "production", (o) => delete mainContainer(o, "loyalty").securityContext.allowPrivilegeEscalation, "security-context"],
  ["capabilities kept", "production", (o) => (mainContainer(o, "feedback").securityContext.capabilities = { drop: ["NET_RAW"] }), "security-context"],
  [
    "no seccomp profile",
    "dev",
    (o) => {
      delete get(o, "Deployment", "segmentation").spec.template.spec.securityContext.seccompProfile;
      delete mainContainer(o, "segmentation").securityContext.seccompProfile;
    },
    "security-context",
  ],
  ["a hostPath volume", "dev", (o) => get(o, "Deployment", "gateway").spec.template.spec.volumes.push({ name: "host", hostPath: { path: "/" } }), "security-context"],
  ["no preStop hook", "production", (o) => delete mainContainer(o, "gateway").lifecycle, "graceful-shutdown"],
  [
    "a grace period shorter than preStop plus the drain",
    "production",
    (o) => (get(o, "Deployment", "customer-profile").spec.template.spec.terminationGracePeriodSeconds = 15),
    "graceful-shutdown",
  ],
  [
    "a drain longer than the grace period",
    "dev",
    (o) => (configMapOf(o, "loyalty").data.LOYALTY_SHUTDOWN_GRACE = "2m"),
    "graceful-shutdown",
  ],
  ["no PodDisruptionBudget", "production", (o) => o.splice(o.indexOf(get(o, "PodDisruptionBudget", "feedback")), 1), "pdb"],
  ["a PodDisruptionBudget that blocks drains", "production", (o) => (get(o, "PodDisruptionBudget", "loyalty").spec.maxUnavailable = 0), "pdb"],
  ["no autoscaler", "dev", (o) => o.splice(o.indexOf(get(o, "HorizontalPodAutoscaler", "gateway")), 1), "hpa"],
  ["inverted autoscaler bounds", "production", (o) => (get(o, "HorizontalPodAutoscaler", "segmentation").spec.maxReplicas = 2), "hpa"],
  ["no default-deny policy", "production", (o) => o.splice(o.indexOf(get(o, "NetworkPolicy", "default-deny")), 1), "network-policy"],
  ["a workload without its own policy", "dev", (o) => o.splice(o.indexOf(get(o, "NetworkPolicy", "feedback")), 1), "network-policy"],
  ["an unpinned image", "production", (o) => (mainContainer(o, "loyalty").image = "registry.example.com/crm-suite/crm-loyalty"), "image-pinned"],
  ["a latest image", "dev", (o) => (get(o, "StatefulSet", "loyalty-mysql").spec.template.spec.containers[0].image = "mariadb:latest"), "image-pinned"],
  [
    "a committed Secret with a value",
    "dev",
    (o) => o.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "loyalty-db" }, stringData: { password: "hunter2" } }),
    "plaintext-secret",
  ],
  [
    "a password as a literal env value",
    "production",
    (o) => {
      const c = mainContainer(o, "feedback");
      c.env = c.env.map((e) => (e.name === "FEEDBACK_DB_PASSWORD" ? { name: e.name, value: "hunter2" } : e));
    },
    "plaintext-secret",
  ],
  ["a key in a ConfigMap", "dev", (o) => (configMapOf(o, "customer-profile").data.CUSTOMER_PROFILE_PII_MASTER_KEYS = "k1:AAAA"), "plaintext-secret"],
  [
    "two services sharing a database",
    "production",
    (o) => (configMapOf(o, "loyalty").data.LOYALTY_DB_NAME = "crm_segmentation"),
    "one-database-per-service",
  ],
  [
    "a database host that is no Service",
    "production",
    (o) => (configMapOf(o, "feedback").data.FEEDBACK_DB_HOST = "feedback-db.internal"),
    "one-database-per-service",
  ],
  [
    "a database reachable from another service",
    "dev",
    (o) =>
      get(o, "NetworkPolicy", "loyalty-mysql").spec.ingress[0].from.push({
        podSelector: { matchLabels: { "app.kubernetes.io/name": "gateway" } },
      }),
    "database-isolation",
  ],
  [
    "a service cut off from its database",
    "dev",
    (o) => (get(o, "NetworkPolicy", "segmentation").spec.egress[0].ports[0].port = 3307),
    "database-isolation",
  ],
  ["an address naming no Service", "dev", (o) => (configMapOf(o, "gateway").data.LOYALTY_ADDR = "loyality:50053"), "peer-address"],
  ["an address with the wrong port", "production", (o) => (configMapOf(o, "loyalty").data.SEGMENTATION_ADDR = "segmentation:50053"), "peer-address"],
  [
    "a caller the network policies block",
    "dev",
    (o) => (get(o, "NetworkPolicy", "customer-profile").spec.ingress[0].from = [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "gateway" } } }]),
    "peer-address",
  ],
  [
    "a Service selecting nothing",
    "production",
    (o) => (get(o, "Service", "feedback").spec.selector["app.kubernetes.io/name"] = "feedbak"),
    "service-selector",
  ],
  ["no migration Job", "dev", (o) => o.splice(o.indexOf(get(o, "Job", "segmentation-migrate")), 1), "migration"],
  ["no init container waiting for migrations", "production", (o) => delete get(o, "Deployment", "loyalty").spec.template.spec.initContainers, "migration"],
  ["a token mounted", "dev", (o) => delete get(o, "Job", "feedback-migrate").spec.template.spec.automountServiceAccountToken, "service-account"],
  [
    "an alert on a metric nobody exports",
    "production",
    (o) => (get(o, "PrometheusRule", "crm-suite").spec.groups[0].rules[0].expr = "rate(crm_grpc_requests_failed_total[5m]) > 0"),
    "alert-metrics",
  ],
];

describe("broken copies", () => {
  for (const [name, overlay, breakIt, rule] of BROKEN_COPIES) {
    it(`${name} (${overlay}) violates ${rule}`, async () => {
      const objects = copyOf(overlay);
      breakIt(objects);
      const rules = await rulesViolated(objects);
      assert.ok(rules.has(rule), `expected a ${rule} violation, got [${[...rules].join(", ")}]`);
    });
  }
});
