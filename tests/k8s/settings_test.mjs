// Every setting the manifests give a container is one its binary declares,
// and every setting the binary requires is given: the environment names
// and flags of each rendered Deployment and Job (ConfigMap keys, env
// entries, args) are checked against the binary's own `--help`.
//
//   CRM_K8S_BIN_<NAME>=<path of crm-<name>> ... node --test tests/k8s/settings_test.mjs
//
// NAME is CUSTOMER_PROFILE, SEGMENTATION, LOYALTY, FEEDBACK or GATEWAY
// (tests/k8s/CMakeLists.txt sets them to the built binaries).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { before, describe, it } from "node:test";
import { renderOverlayAsync } from "./manifest_checks.mjs";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const NAMES = ["customer-profile", "segmentation", "loyalty", "feedback", "gateway"];

// {flags: Set, envs: Set, required: Set(env)} from `<binary> --help`.
export function parseHelp(text) {
  const flags = new Set();
  const envs = new Set();
  const required = new Set();
  for (const m of text.matchAll(/^\s+--(\w+) \[(\w+)\]( \(required\))?/gm)) {
    flags.add(m[1]);
    envs.add(m[2]);
    if (m[3]) required.add(m[2]);
  }
  return { flags, envs, required };
}

function declaredSettings(name) {
  const variable = `CRM_K8S_BIN_${name.toUpperCase().replace(/-/g, "_")}`;
  const path = process.env[variable];
  assert.ok(path, `${variable} is not set: run through ctest (tests/k8s/CMakeLists.txt)`);
  // --help exits 0 and needs nothing from the environment but the
  // sanitizer options of the ASan build (CRM_TEST_ENV: no leak check).
  const env = { PATH: process.env.PATH };
  for (const name of ["ASAN_OPTIONS", "UBSAN_OPTIONS"]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  const text = execFileSync(path, ["--help"], { encoding: "utf8", env });
  const settings = parseHelp(text);
  assert.ok(settings.envs.size > 3, `parsed ${settings.envs.size} settings from ${path} --help`);
  return settings;
}

// Violations (strings) of the containers in `objects` whose image is one of
// ours, against `declared` (name -> parseHelp result).
export function checkSettings(objects, declared) {
  const out = [];
  const configMaps = new Map(objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o]));
  for (const obj of objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))) {
    const spec = obj.spec.template.spec;
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const image = String(c.image).split("/").pop().split(/[:@]/)[0];
      const name = image.replace(/^crm-/, "");
      const settings = declared[name];
      if (!image.startsWith("crm-") || !settings) continue;
      const where = `${obj.kind}/${obj.metadata.name} ${c.name}`;
      const given = new Set();
      for (const source of c.envFrom ?? []) {
        const cm = configMaps.get(source.configMapRef?.name);
        if (!cm) out.push(`${where}: ConfigMap ${source.configMapRef?.name} not found`);
        for (const key of Object.keys(cm?.data ?? {})) given.add(key);
      }
      for (const e of c.env ?? []) given.add(e.name);
      for (const key of given) {
        if (!settings.envs.has(key) && key !== "TZ") out.push(`${where}: ${key} is not a setting of crm-${name}`);
      }
      for (const key of settings.required) {
        if (!given.has(key)) out.push(`${where}: required ${key} is not given`);
      }
      for (const arg of c.args ?? []) {
        const flag = arg.match(/^--(\w+)=/)?.[1];
        if (!flag || !settings.flags.has(flag)) out.push(`${where}: argument ${arg} is not a flag of crm-${name}`);
      }
    }
  }
  return out;
}

describe("settings the manifests give are the binaries' own", () => {
  const declared = {};
  const rendered = {};
  before(async () => {
    for (const name of NAMES) declared[name] = declaredSettings(name);
    for (const overlay of ["dev", "production"]) {
      rendered[overlay] = await renderOverlayAsync(join(root, "k8s", "overlays", overlay));
    }
  });

  for (const overlay of ["dev", "production"]) {
    it(overlay, () => {
      assert.deepEqual(checkSettings(rendered[overlay], declared), []);
    });
  }

  it("a misspelt setting, a missing required one and an unknown flag are caught", () => {
    const objects = structuredClone(rendered.dev);
    const loyalty = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "loyalty");
    const container = loyalty.spec.template.spec.containers[0];
    container.env = container.env.filter((e) => e.name !== "LOYALTY_DB_PASSWORD");
    container.env.push({ name: "LOYALTY_CUSTOMERPROFILE_ADDR", value: "customer-profile:50051" });
    container.args = ["--migrate-only=true"];
    const violations = checkSettings(objects, declared).join("\n");
    assert.match(violations, /LOYALTY_CUSTOMERPROFILE_ADDR is not a setting of crm-loyalty/);
    assert.match(violations, /required LOYALTY_DB_PASSWORD is not given/);
    assert.match(violations, /argument --migrate-only=true is not a flag/);
  });
});
