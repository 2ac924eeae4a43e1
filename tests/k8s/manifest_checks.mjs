// Offline checks of rendered Kubernetes manifests (the output of
// `kubectl kustomize k8s/overlays/<name>`): schema validation with the
// kubernetes-models packages and the policy a platform team reviews.
//
//   import { renderOverlay, checkManifests } from "./manifest_checks.mjs";
//   const objects = renderOverlay("k8s/overlays/dev");  // or await renderOverlayAsync
//   const violations = await checkManifests(objects, { exportedMetrics });
//   // [{ rule: "probes", object: "Deployment/loyalty", message: "..." }]
//
// Every violation names a rule (see RULES) so tests can assert which check
// caught a broken copy. Objects are plain parsed YAML; nothing is changed.

import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

// Rule ids and what each asserts.
export const RULES = {
  schema: "every object validates against its Kubernetes (or CRD) schema",
  probes: "serving containers have startup, readiness and liveness probes",
  "grpc-probes": "gRPC services use native gRPC startup/readiness probes on their grpc port",
  resources: "every container requests and limits cpu and memory",
  "security-context":
    "non-root, read-only root filesystem, no privilege escalation, all capabilities dropped, seccomp RuntimeDefault, no host namespaces or hostPath",
  "graceful-shutdown":
    "serving containers have a preStop hook and terminationGracePeriodSeconds covers preStop plus the lame-duck phase (LAME_DUCK) plus the drain (SHUTDOWN_GRACE)",
  pdb: "every Deployment has a PodDisruptionBudget that allows a node drain",
  hpa: "every Deployment has a HorizontalPodAutoscaler with sane bounds",
  "network-policy":
    "a default-deny policy exists and every workload has its own ingress and egress rules",
  "image-pinned": "every image names a tag other than latest, or a digest",
  "plaintext-secret":
    "no Secret carries values and no secret-looking setting is a literal (env value or ConfigMap key)",
  "one-database-per-service":
    "each service has its own database host, name, user and password Secret, and the host is a Service",
  "database-isolation": "each in-cluster database admits only its own service's pods",
  "peer-address":
    "every *_ADDR setting names a Service and one of its ports, and the network policies let the caller reach it",
  "service-selector": "every Service selects some pods and its target ports exist",
  migration:
    "every service with a database has a --migrate_only Job, an init container that waits for it, and serves with migrations off",
  "service-account": "pods do not mount a service account token",
  "alert-metrics": "alert rules name only metrics the binaries export",
};

const SERVING_KINDS = new Set(["Deployment", "StatefulSet"]);
const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "Job"]);
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|_KEYS?)$/;

// Runs `kubectl kustomize dir` and parses every document.
export function renderOverlay(dir) {
  const text = execFileSync("kubectl", ["kustomize", dir], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return parseYamlDocuments(text);
}

// renderOverlay without blocking: several overlays render in parallel.
export async function renderOverlayAsync(dir) {
  const { stdout } = await promisify(execFile)("kubectl", ["kustomize", dir], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return parseYamlDocuments(stdout);
}

export function parseYamlDocuments(text) {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw doc.errors[0];
      return doc.toJS();
    })
    .filter((obj) => obj !== null && obj !== undefined);
}

// The metric names the sources register: string literals "crm_<...>" in the
// C++ files under `dirs`.
export function exportedMetricNames(root, dirs = ["services", "gateway", "clients"]) {
  const names = new Set();
  const visit = (path) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) {
        visit(full);
      } else if (/\.(cc|h)$/.test(entry)) {
        for (const match of readFileSync(full, "utf8").matchAll(/"(crm_[a-z0-9_]+)"/g)) {
          names.add(match[1]);
        }
      }
    }
  };
  for (const dir of dirs) visit(join(root, dir));
  return names;
}

// ---------------------------------------------------------------------------
// Schema validation.

const MODEL_MODULES = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator/monitoring.coreos.com",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api/gateway.networking.k8s.io",
};

async function modelClass(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const base = MODEL_MODULES[group] ?? (group === "" ? "kubernetes-models" : `kubernetes-models/${group}`);
  const module = await import(`${base}/${version}`);
  return module[kind];
}

async function schemaViolations(objects) {
  const out = [];
  for (const obj of objects) {
    const id = objectId(obj);
    let Model;
    try {
      Model = await modelClass(obj.apiVersion ?? "", obj.kind ?? "");
    } catch {
      Model = undefined;
    }
    if (!Model) {
      out.push(violation("schema", id, `no schema known for ${obj.apiVersion} ${obj.kind}`));
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (error) {
      out.push(violation("schema", id, String(error.message ?? error)));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Helpers over the object graph.

function violation(rule, object, message) {
  return { rule, object, message };
}

function objectId(obj) {
  return `${obj?.kind ?? "?"}/${obj?.metadata?.name ?? "?"}`;
}

function byKind(objects, kind) {
  return objects.filter((o) => o.kind === kind);
}

function find(objects, kind, name) {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

function podTemplate(obj) {
  return obj.spec?.template;
}

function allContainers(podSpec) {
  return [
    ...(podSpec?.initContainers ?? []).map((c) => ({ container: c, init: true })),
    ...(podSpec?.containers ?? []).map((c) => ({ container: c, init: false })),
  ];
}

export function selectorMatches(selector, labels = {}) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const value = labels[expr.key];
    switch (expr.operator) {
      case "In":
        if (!has || !expr.values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && expr.values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

// A Service's plain selector (map) as a label selector.
function serviceSelector(service) {
  return service.spec?.selector ? { matchLabels: service.spec.selector } : undefined;
}

// The environment a container sees: envFrom ConfigMaps, then env entries.
// Values are { value } for literals or { secret: {name, key} } for secret refs.
function containerEnv(objects, container) {
  const env = new Map();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const cm = find(objects, "ConfigMap", source.configMapRef.name);
      for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(k, { value: String(v) });
    }
  }
  for (const entry of container.env ?? []) {
    if (entry.valueFrom?.secretKeyRef) {
      env.set(entry.name, { secret: entry.valueFrom.secretKeyRef });
    } else if (entry.valueFrom?.configMapKeyRef) {
      const ref = entry.valueFrom.configMapKeyRef;
      const cm = find(objects, "ConfigMap", ref.name);
      env.set(entry.name, { value: cm?.data?.[ref.key] });
    } else if (entry.valueFrom) {
      env.set(entry.name, { field: entry.valueFrom });
    } else {
      env.set(entry.name, { value: entry.value ?? "" });
    }
  }
  return env;
}

function parseDurationSeconds(text) {
  if (text === undefined) return undefined;
  let total = 0;
  let rest = String(text).trim();
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 };
  while (rest.length > 0) {
    const match = rest.match(/^(\d+(?:\.\d+)?)(ms|h|m|s)/);
    if (!match) return undefined;
    total += Number(match[1]) * unit[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

function quantityToMillis(q) {
  if (q === undefined) return undefined;
  const s = String(q);
  if (s.endsWith("m")) return Number(s.slice(0, -1));
  return Number(s) * 1000;
}

// A pod-bearing workload with its labels and namespace, for policy checks.
function workloads(objects) {
  return objects
    .filter((o) => WORKLOAD_KINDS.has(o.kind))
    .map((o) => ({
      obj: o,
      id: objectId(o),
      labels: podTemplate(o)?.metadata?.labels ?? {},
      namespace: o.metadata?.namespace ?? "default",
      spec: podTemplate(o)?.spec ?? {},
    }));
}

function peerMatches(peer, source, policyNamespace) {
  if (peer.ipBlock) return false; // Pods are never matched by ipBlock here.
  const sourceNamespaceLabels = { "kubernetes.io/metadata.name": source.namespace };
  const namespaceOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, sourceNamespaceLabels)
    : source.namespace === policyNamespace;
  const podOk = peer.podSelector ? selectorMatches(peer.podSelector, source.labels) : true;
  return namespaceOk && podOk;
}

function portsMatch(rulePorts, port) {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((rp) => {
    if (rp.port === undefined) return true;
    if (rp.port === port.number || rp.port === port.name) return true;
    return false;
  });
}

function policiesSelecting(policies, workload, type) {
  return policies.filter(
    (p) =>
      (p.metadata?.namespace ?? "default") === workload.namespace &&
      selectorMatches(p.spec?.podSelector ?? {}, workload.labels) &&
      (p.spec?.policyTypes ?? ["Ingress"]).includes(type),
  );
}

// Whether NetworkPolicies let `source` open a connection to `destination`
// on `port` ({number, name}), by the Kubernetes semantics (allow-lists,
// union of policies; no policy selecting a pod means allowed).
export function networkAllows(policies, source, destination, port) {
  const ingress = policiesSelecting(policies, destination, "Ingress");
  const ingressOk =
    ingress.length === 0 ||
    ingress.some((p) =>
      (p.spec.ingress ?? []).some(
        (rule) =>
          (rule.from === undefined || rule.from.some((peer) => peerMatches(peer, source, destination.namespace))) &&
          portsMatch(rule.ports, port),
      ),
    );
  const egress = policiesSelecting(policies, source, "Egress");
  const egressOk =
    egress.length === 0 ||
    egress.some((p) =>
      (p.spec.egress ?? []).some(
        (rule) =>
          (rule.to === undefined || rule.to.some((peer) => peerMatches(peer, destination, source.namespace))) &&
          portsMatch(rule.ports, port),
      ),
    );
  return ingressOk && egressOk;
}

function servicePods(objects, service) {
  const selector = serviceSelector(service);
  if (!selector) return [];
  const namespace = service.metadata?.namespace ?? "default";
  return workloads(objects).filter(
    (w) => w.namespace === namespace && w.obj.kind !== "Job" && selectorMatches(selector, w.labels),
  );
}

// The container port ({number, name}) a Service port forwards to.
function resolveTargetPort(workload, servicePort) {
  const target = servicePort.targetPort ?? servicePort.port;
  for (const { container } of allContainers(workload.spec)) {
    for (const p of container.ports ?? []) {
      if (p.containerPort === target || p.name === target) return { number: p.containerPort, name: p.name };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Policy rules.

function checkContainers(objects) {
  const out = [];
  for (const w of workloads(objects)) {
    const podSecurity = w.spec.securityContext ?? {};
    if (w.spec.hostNetwork || w.spec.hostPID || w.spec.hostIPC) {
      out.push(violation("security-context", w.id, "uses a host namespace"));
    }
    if ((w.spec.volumes ?? []).some((v) => v.hostPath)) {
      out.push(violation("security-context", w.id, "mounts a hostPath volume"));
    }
    if (w.spec.automountServiceAccountToken !== false) {
      out.push(violation("service-account", w.id, "automountServiceAccountToken is not false"));
    }
    for (const { container, init } of allContainers(w.spec)) {
      const where = `${w.id} container ${container.name}`;
      const sc = container.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot ?? podSecurity.runAsNonRoot;
      const runAsUser = sc.runAsUser ?? podSecurity.runAsUser;
      const seccomp = sc.seccompProfile?.type ?? podSecurity.seccompProfile?.type;
      if (runAsNonRoot !== true) out.push(violation("security-context", where, "runAsNonRoot is not true"));
      if (runAsUser === 0) out.push(violation("security-context", where, "runs as uid 0"));
      if (sc.readOnlyRootFilesystem !== true) {
        out.push(violation("security-context", where, "readOnlyRootFilesystem is not true"));
      }
      if (sc.allowPrivilegeEscalation !== false) {
        out.push(violation("security-context", where, "allowPrivilegeEscalation is not false"));
      }
      if (sc.privileged === true) out.push(violation("security-context", where, "is privileged"));
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) {
        out.push(violation("security-context", where, "does not drop ALL capabilities"));
      }
      if ((sc.capabilities?.add ?? []).length > 0) {
        out.push(violation("security-context", where, "adds capabilities"));
      }
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
        out.push(violation("security-context", where, "seccompProfile is not RuntimeDefault"));
      }
      const r = container.resources ?? {};
      for (const [section, key] of [
        ["requests", "cpu"],
        ["requests", "memory"],
        ["limits", "cpu"],
        ["limits", "memory"],
      ]) {
        if (r[section]?.[key] === undefined) out.push(violation("resources", where, `no ${section}.${key}`));
      }
      const image = String(container.image ?? "");
      const lastSegment = image.slice(image.lastIndexOf("/") + 1);
      const digest = image.includes("@sha256:");
      const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1).split("@")[0] : "";
      if (!digest && (tag === "" || tag === "latest")) {
        out.push(violation("image-pinned", where, `image "${image}" is not pinned to a tag or digest`));
      }
      const env = containerEnv(objects, container);
      for (const [name, value] of env) {
        if (SECRET_NAME.test(name) && value.secret === undefined) {
          out.push(violation("plaintext-secret", where, `${name} is not read from a Secret`));
        }
      }
      if (init || w.obj.kind === "Job") continue;
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        if (!container[probe]) out.push(violation("probes", where, `no ${probe}`));
      }
      const grpcPort = (container.ports ?? []).find((p) => p.name === "grpc");
      if (grpcPort && w.obj.kind === "Deployment") {
        for (const probe of ["startupProbe", "readinessProbe"]) {
          if (container[probe]?.grpc?.port !== grpcPort.containerPort) {
            out.push(violation("grpc-probes", where, `${probe} is not a gRPC probe on port ${grpcPort.containerPort}`));
          }
        }
      }
      if (w.obj.kind === "Deployment") {
        const preStop = container.lifecycle?.preStop;
        if (!preStop) {
          out.push(violation("graceful-shutdown", where, "no preStop hook"));
        } else {
          const preStopSeconds = preStop.sleep?.seconds ?? 0;
          let drainSeconds = 10; // Both binaries' default.
          // The gRPC services refuse new calls for _LAME_DUCK (default 1 s)
          // before they drain; the gateway has no lame-duck phase.
          let lameDuckSeconds = container.name === "gateway" ? 0 : 1;
          for (const [name, value] of env) {
            if (name.endsWith("_SHUTDOWN_GRACE") && value.value !== undefined) {
              drainSeconds = parseDurationSeconds(value.value) ?? Infinity;
            }
            if (name.endsWith("_LAME_DUCK") && value.value !== undefined) {
              lameDuckSeconds = parseDurationSeconds(value.value) ?? Infinity;
            }
          }
          const grace = w.spec.terminationGracePeriodSeconds ?? 30;
          if (grace < preStopSeconds + lameDuckSeconds + drainSeconds + 1) {
            out.push(
              violation(
                "graceful-shutdown",
                where,
                `terminationGracePeriodSeconds ${grace} < preStop ${preStopSeconds}s + lame duck ${lameDuckSeconds}s + drain ${drainSeconds}s + 1s`,
              ),
            );
          }
        }
      }
    }
  }
  return out;
}

function checkSecrets(objects) {
  const out = [];
  for (const secret of byKind(objects, "Secret")) {
    const values = { ...(secret.data ?? {}), ...(secret.stringData ?? {}) };
    if (Object.keys(values).length > 0) {
      out.push(violation("plaintext-secret", objectId(secret), "a committed Secret carries values"));
    }
  }
  for (const cm of byKind(objects, "ConfigMap")) {
    for (const key of Object.keys(cm.data ?? {})) {
      if (SECRET_NAME.test(key)) {
        out.push(violation("plaintext-secret", objectId(cm), `${key} looks like a secret in a ConfigMap`));
      }
    }
  }
  return out;
}

function targetsOf(objects, kind, refKind, refName) {
  return byKind(objects, kind).filter(
    (o) => o.spec?.scaleTargetRef?.kind === refKind && o.spec?.scaleTargetRef?.name === refName,
  );
}

function checkAvailability(objects) {
  const out = [];
  for (const deployment of byKind(objects, "Deployment")) {
    const id = objectId(deployment);
    const labels = podTemplate(deployment)?.metadata?.labels ?? {};
    const replicas = deployment.spec?.replicas ?? 1;
    const pdbs = byKind(objects, "PodDisruptionBudget").filter((p) => selectorMatches(p.spec?.selector, labels));
    if (pdbs.length === 0) out.push(violation("pdb", id, "no PodDisruptionBudget selects its pods"));
    for (const pdb of pdbs) {
      const { maxUnavailable, minAvailable } = pdb.spec ?? {};
      const blocks =
        maxUnavailable === 0 ||
        maxUnavailable === "0%" ||
        (typeof minAvailable === "number" && minAvailable >= replicas) ||
        minAvailable === "100%";
      if (blocks) out.push(violation("pdb", objectId(pdb), "would block every node drain"));
    }
    const hpas = targetsOf(objects, "HorizontalPodAutoscaler", "Deployment", deployment.metadata.name);
    if (hpas.length !== 1) {
      out.push(violation("hpa", id, `${hpas.length} HorizontalPodAutoscalers target it, want 1`));
    }
    for (const hpa of hpas) {
      const min = hpa.spec?.minReplicas ?? 1;
      const max = hpa.spec?.maxReplicas;
      if (!(min >= 1 && max >= min)) out.push(violation("hpa", objectId(hpa), `bounds ${min}..${max}`));
      if (replicas < min || replicas > max) {
        out.push(violation("hpa", id, `replicas ${replicas} outside its autoscaler's ${min}..${max}`));
      }
      if ((hpa.spec?.metrics ?? []).length === 0) out.push(violation("hpa", objectId(hpa), "no metrics"));
    }
  }
  return out;
}

function checkServices(objects) {
  const out = [];
  for (const service of byKind(objects, "Service")) {
    if (service.spec?.type === "ExternalName") {
      if (!service.spec.externalName) out.push(violation("service-selector", objectId(service), "no externalName"));
      continue;
    }
    const pods = servicePods(objects, service);
    if (pods.length === 0) {
      out.push(violation("service-selector", objectId(service), "selects no workload's pods"));
      continue;
    }
    for (const port of service.spec?.ports ?? []) {
      for (const pod of pods) {
        if (!resolveTargetPort(pod, port)) {
          out.push(
            violation("service-selector", objectId(service), `port ${port.name ?? port.port} has no target in ${pod.id}`),
          );
        }
      }
    }
  }
  return out;
}

// The serving workloads (Deployments) that declare a database through a
// *_DB_HOST setting: [{workload, prefix, env}].
function databaseClients(objects) {
  const result = [];
  for (const w of workloads(objects)) {
    if (w.obj.kind !== "Deployment") continue;
    const main = w.spec.containers?.[0];
    if (!main) continue;
    const env = containerEnv(objects, main);
    for (const name of env.keys()) {
      if (name.endsWith("_DB_HOST")) result.push({ workload: w, prefix: name.slice(0, -"_DB_HOST".length), env });
    }
  }
  return result;
}

function checkDatabases(objects) {
  const out = [];
  const clients = databaseClients(objects);
  const policies = byKind(objects, "NetworkPolicy");
  const seen = { host: new Map(), name: new Map(), user: new Map(), secret: new Map() };
  for (const { workload, prefix, env } of clients) {
    const host = env.get(`${prefix}_DB_HOST`)?.value;
    const name = env.get(`${prefix}_DB_NAME`)?.value;
    const user = env.get(`${prefix}_DB_USER`)?.value;
    const password = env.get(`${prefix}_DB_PASSWORD`)?.secret;
    const secret = password ? `${password.name}/${password.key}` : undefined;
    for (const [what, value] of [
      ["host", host],
      ["name", name],
      ["user", user],
      ["secret", secret],
    ]) {
      if (!value) {
        out.push(violation("one-database-per-service", workload.id, `no database ${what}`));
        continue;
      }
      const other = seen[what].get(value);
      if (other && other !== workload.id) {
        out.push(violation("one-database-per-service", workload.id, `shares database ${what} "${value}" with ${other}`));
      }
      seen[what].set(value, workload.id);
    }
    const service = host && find(objects, "Service", host);
    if (host && !service) {
      out.push(violation("one-database-per-service", workload.id, `database host "${host}" is not a Service`));
    }
    // In-cluster database: only this service's pods may connect.
    if (service && service.spec?.type !== "ExternalName") {
      const owner = workload.labels["app.kubernetes.io/name"];
      for (const dbPod of servicePods(objects, service)) {
        // The database's own ingress rules name only its service's pods,
        // whatever the other pods' egress rules say.
        for (const policy of policiesSelecting(policies, dbPod, "Ingress")) {
          for (const rule of policy.spec.ingress ?? []) {
            const peers = rule.from ?? [{}];
            for (const peer of peers) {
              const onlyOwner =
                !peer.namespaceSelector &&
                !peer.ipBlock &&
                peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === owner;
              if (!onlyOwner) {
                out.push(violation("database-isolation", objectId(policy), `admits more than ${owner}'s pods`));
              }
            }
          }
        }
        const port = resolveTargetPort(dbPod, service.spec.ports?.[0] ?? {});
        if (!port) continue;
        if (policies.length > 0 && !networkAllows(policies, workload, dbPod, port)) {
          out.push(violation("database-isolation", workload.id, `cannot reach its database ${dbPod.id}`));
        }
        for (const other of workloads(objects)) {
          if (other.labels["app.kubernetes.io/name"] === workload.labels["app.kubernetes.io/name"]) continue;
          if (other.id === dbPod.id) continue;
          if (policies.length === 0 || networkAllows(policies, other, dbPod, port)) {
            out.push(violation("database-isolation", dbPod.id, `reachable from ${other.id}`));
          }
        }
      }
    }
  }
  return out;
}

function checkPeers(objects) {
  const out = [];
  const policies = byKind(objects, "NetworkPolicy");
  for (const w of workloads(objects)) {
    for (const { container } of allContainers(w.spec)) {
      for (const [name, value] of containerEnv(objects, container)) {
        if (!name.endsWith("_ADDR") || value.value === undefined) continue;
        const where = `${w.id} ${name}`;
        const match = value.value.match(/^([a-z0-9.-]+):(\d+)$/);
        if (!match) {
          out.push(violation("peer-address", where, `"${value.value}" is not host:port`));
          continue;
        }
        const [host, portText] = [match[1].split(".")[0], Number(match[2])];
        const service = find(objects, "Service", host);
        const servicePort = service?.spec?.ports?.find((p) => p.port === portText);
        if (!service || !servicePort) {
          out.push(violation("peer-address", where, `no Service "${host}" with port ${portText}`));
          continue;
        }
        if (servicePort.name !== "grpc") {
          out.push(violation("peer-address", where, `port ${portText} of Service ${host} is not named grpc`));
        }
        if (policies.length === 0) continue;
        for (const pod of servicePods(objects, service)) {
          const target = resolveTargetPort(pod, servicePort);
          if (target && !networkAllows(policies, w, pod, target)) {
            out.push(violation("peer-address", where, `network policies block ${w.id} -> ${pod.id}:${target.number}`));
          }
        }
      }
    }
  }
  return out;
}

function checkNetworkPolicies(objects) {
  const out = [];
  const policies = byKind(objects, "NetworkPolicy");
  const isDefaultDeny = (p) =>
    Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
    ["Ingress", "Egress"].every((t) => (p.spec?.policyTypes ?? []).includes(t)) &&
    (p.spec?.ingress ?? []).length === 0 &&
    (p.spec?.egress ?? []).length === 0;
  if (!policies.some(isDefaultDeny)) {
    out.push(violation("network-policy", "NetworkPolicy/*", "no default-deny policy (ingress and egress)"));
  }
  for (const w of workloads(objects)) {
    for (const type of ["Ingress", "Egress"]) {
      const own = policiesSelecting(policies, w, type).filter(
        (p) => Object.keys(p.spec?.podSelector ?? {}).length > 0,
      );
      if (own.length === 0) out.push(violation("network-policy", w.id, `no ${type.toLowerCase()} policy of its own`));
    }
  }
  return out;
}

function checkMigrations(objects) {
  const out = [];
  for (const { workload, prefix, env } of databaseClients(objects)) {
    const main = workload.spec.containers[0];
    const isMigrateOnly = (c) => (c.args ?? []).includes("--migrate_only=true") && c.image === main.image;
    const jobs = byKind(objects, "Job").filter((job) =>
      (podTemplate(job)?.spec?.containers ?? []).some(isMigrateOnly),
    );
    if (jobs.length === 0) out.push(violation("migration", workload.id, "no --migrate_only Job with its image"));
    if (!(workload.spec.initContainers ?? []).some(isMigrateOnly)) {
      out.push(violation("migration", workload.id, "no init container that waits for the migrations"));
    }
    if (env.get(`${prefix}_MIGRATE`)?.value !== "false") {
      out.push(violation("migration", workload.id, `${prefix}_MIGRATE is not "false" in the serving container`));
    }
  }
  return out;
}

function checkAlertMetrics(objects, exportedMetrics) {
  const out = [];
  if (!exportedMetrics) return out;
  for (const rule of byKind(objects, "PrometheusRule")) {
    for (const group of rule.spec?.groups ?? []) {
      for (const r of group.rules ?? []) {
        const expr = String(r.expr ?? "");
        for (const match of expr.matchAll(/\b(crm_[a-z0-9_]+)/g)) {
          const name = match[1].replace(/_(bucket|sum|count)$/, "");
          if (!exportedMetrics.has(name)) {
            out.push(
              violation("alert-metrics", `${objectId(rule)} ${r.alert ?? r.record}`, `${match[1]} is not exported`),
            );
          }
        }
      }
    }
  }
  return out;
}

// All checks; `exportedMetrics` (a Set) enables the alert-metrics rule.
export async function checkManifests(objects, { exportedMetrics } = {}) {
  return [
    ...(await schemaViolations(objects)),
    ...checkContainers(objects),
    ...checkSecrets(objects),
    ...checkAvailability(objects),
    ...checkServices(objects),
    ...checkDatabases(objects),
    ...checkPeers(objects),
    ...checkNetworkPolicies(objects),
    ...checkMigrations(objects),
    ...checkAlertMetrics(objects, exportedMetrics),
  ];
}
