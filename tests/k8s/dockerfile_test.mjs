// The Dockerfile at the root stays in step with the rest of the build: it
// installs every build library scripts/install-deps.sh installs (a new
// -dev package there must be added here too), ends in a non-root scratch
// image, and the build context leaves out build trees and node_modules.
//
//   node --test tests/k8s/dockerfile_test.mjs

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "node:test";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");

// Packages only the tests, fuzzers or the local database need.
const NOT_FOR_BUILDING = new Set(["libgtest-dev", "libgmock-dev", "libfuzzer-14-dev"]);

function installDepsPackages() {
  const script = readFileSync(join(root, "scripts", "install-deps.sh"), "utf8");
  const block = script.match(/^packages=\(\n([\s\S]*?)\n\)/m);
  assert.ok(block, "scripts/install-deps.sh has a packages=( ... ) list");
  return block[1].split(/\s+/).filter((p) => p.length > 0 && !p.startsWith("#"));
}

it("installs every build package of install-deps.sh", () => {
  const wanted = installDepsPackages().filter(
    (p) => (p.endsWith("-dev") || p.startsWith("protobuf-compiler")) && !NOT_FOR_BUILDING.has(p),
  );
  assert.ok(wanted.length >= 8, `found ${wanted.length} build packages`);
  const missing = wanted.filter((p) => !new RegExp(`(^|\\s)${p.replace(/[+.]/g, "\\$&")}(\\s|$)`, "m").test(dockerfile));
  assert.deepEqual(missing, [], "packages to add to the Dockerfile's build stage");
});

it("ends in a non-root scratch image whose entrypoint is the binary", () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  assert.equal(stages.at(-1), "scratch");
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  assert.match(finalStage, /^USER 65532:65532$/m);
  assert.match(finalStage, /^ENTRYPOINT \["\/usr\/local\/bin\/crm"\]$/m);
  assert.match(dockerfile, /ln -s "crm-\$\{SERVICE\}" \/rootfs\/usr\/local\/bin\/crm/);
  assert.match(dockerfile, /scripts\/stage-image-root\.sh/);
});

it("keeps build trees and node_modules out of the build context", () => {
  const ignored = readFileSync(join(root, ".dockerignore"), "utf8").split("\n");
  for (const entry of ["build*/", "**/node_modules/", "var/", ".git"]) {
    assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
  }
});
