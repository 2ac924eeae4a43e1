// Renders every overlay under k8s/overlays (and the extra kustomizations
// given) with `kubectl kustomize`, validates each object against its schema
// and runs the policy checks of manifest_checks.mjs. Prints one line per
// violation; exits 1 if there is any, 0 otherwise.
//
//   node tests/k8s/check_overlays.mjs [REPO_ROOT] [EXTRA_KUSTOMIZATION_DIR...]

import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkManifests, exportedMetricNames, renderOverlay } from "./manifest_checks.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(process.argv[2] ?? join(here, "..", ".."));
const overlaysDir = join(root, "k8s", "overlays");
const dirs = [
  ...readdirSync(overlaysDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(overlaysDir, e.name)),
  ...process.argv.slice(3).map((d) => resolve(d)),
];
const exportedMetrics = exportedMetricNames(root);

let failures = 0;
let passed = 0;
for (const dir of dirs) {
  const name = relative(root, dir);
  const objects = renderOverlay(dir);
  const violations = await checkManifests(objects, { exportedMetrics });
  for (const v of violations) console.log(`${name}: [${v.rule}] ${v.object}: ${v.message}`);
  if (violations.length === 0) {
    passed++;
    console.log(`ok ${name}: ${objects.length} objects`);
  } else {
    failures++;
  }
}
console.log(`${passed} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
