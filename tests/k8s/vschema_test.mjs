// The Vitess VSchemas under k8s/vitess (one keyspace per service database)
// agree with the services' migrations: every table the migrations create is
// in its keyspace's VSchema (an entry for a table no migration creates is
// only a warning); every table is sharded by
// its customer id with a hash-family vindex, or is a reference table, or is
// one of the tables listed in NOT_YET_KEYED with its plan; a table with a
// customer_id column is never sharded by anything else.
//
//   node --test tests/k8s/vschema_test.mjs

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");

// keyspace -> the service directory whose migrations (after common's) it holds.
const KEYSPACES = {
  crm_customer_profile: "customer_profile",
  crm_segmentation: "segmentation",
  crm_loyalty: "loyalty",
  crm_feedback: "feedback",
};

// Tables whose customer id column has another name.
const CUSTOMER_ID_COLUMNS = { customers: "id", customer_merges: "duplicate_id" };

// Tables not keyed by a customer id yet, each with its plan (k8s/README.md,
// "Vitess"); their VSchema entries shard them by their own key until then.
const NOT_YET_KEYED = {
  // services/common's, in every keyspace.
  idempotency_keys: "gains customer_id (the request's) before resharding",
  idempotency_key_subjects: "kept beside its idempotency_keys row (same request_id), and follows it",
  change_feed_events: "gains customer_id (the event's) before resharding",
  change_feed_counters: "becomes a per-shard row (feed sequence per shard)",
  feed_consumer_cursors: "becomes a per-shard row (cursor per partition)",
  // feedback's per-survey score index.
  survey_scored_answers: "gains the response's customer_id before resharding, or moves to an analytics store",
  survey_response_segments: "gains the response's customer_id before resharding, or moves to an analytics store",
};

const HASH_VINDEXES = new Set(["hash", "xxhash", "unicode_loose_xxhash", "unicode_loose_md5", "binary_md5"]);

// table -> Set of columns, from CREATE TABLE and ALTER TABLE ... ADD [COLUMN].
export function tablesOfMigrations(sqlTexts) {
  const tables = new Map();
  for (const sql of sqlTexts) {
    const text = sql.replace(/^\s*--.*$/gm, "");
    for (const m of text.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?`?(\w+)`?\s*\(([\s\S]*?)\n\)/gi)) {
      const columns = new Set();
      for (const line of m[2].split("\n")) {
        const word = line.trim().split(/\s+/)[0]?.replace(/`/g, "");
        if (!word || /^(PRIMARY|UNIQUE|KEY|INDEX|CONSTRAINT|FOREIGN|CHECK|FULLTEXT|SPATIAL)$/i.test(word)) continue;
        columns.add(word);
      }
      tables.set(m[1], columns);
    }
    for (const m of text.matchAll(/ALTER TABLE `?(\w+)`?([\s\S]*?);/gi)) {
      for (const add of m[2].matchAll(/ADD (?:COLUMN )?(?:IF NOT EXISTS )?`?(\w+)`?/gi)) {
        if (!/^(PRIMARY|UNIQUE|KEY|INDEX|CONSTRAINT|FOREIGN|CHECK)$/i.test(add[1])) tables.get(m[1])?.add(add[1]);
      }
    }
    for (const m of text.matchAll(/DROP TABLE (?:IF EXISTS )?`?(\w+)`?/gi)) tables.delete(m[1]);
  }
  return tables;
}

function migrationsOf(serviceDir) {
  const texts = [];
  for (const dir of [join(root, "services", "common", "migrations"), join(root, "services", serviceDir, "migrations")]) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
      texts.push(readFileSync(join(dir, file), "utf8"));
    }
  }
  return texts;
}

// Violations (strings) of `vschema` against `tables` (from
// tablesOfMigrations); entries for tables no migration creates go to
// `stale` (warnings) when it is given.
export function checkVSchema(tables, vschema, stale = []) {
  const out = [];
  if (vschema.sharded !== true) out.push("keyspace is not sharded");
  const declared = vschema.tables ?? {};
  for (const name of tables.keys()) {
    if (!declared[name]) out.push(`${name}: created by the migrations, missing from the VSchema`);
  }
  for (const [name, table] of Object.entries(declared)) {
    const columns = tables.get(name);
    if (!columns) {
      // Not an error: a stale entry routes nothing (and a table whose
      // migration is still being written may be placed ahead of it).
      stale.push(`${name}: in the VSchema, created by no migration`);
      continue;
    }
    if (table.type === "reference") {
      if (columns.has("customer_id")) out.push(`${name}: has customer_id but is a reference table`);
      continue;
    }
    const vindexes = table.column_vindexes ?? [];
    if (vindexes.length === 0) {
      out.push(`${name}: neither sharded (no column_vindexes) nor a reference table`);
      continue;
    }
    for (const v of vindexes) {
      const vindex = vschema.vindexes?.[v.name];
      if (!vindex) out.push(`${name}: vindex ${v.name} is not defined`);
      for (const column of v.columns ?? [v.column]) {
        if (!columns.has(column)) out.push(`${name}: vindex column ${column} is not a column of the table`);
      }
      if (vindex?.owner && !declared[vindex.owner]) out.push(`${name}: vindex ${v.name} owner ${vindex.owner} is not a table`);
    }
    const primary = vindexes[0];
    if (!HASH_VINDEXES.has(vschema.vindexes?.[primary.name]?.type)) {
      out.push(`${name}: primary vindex ${primary.name} is not a hash vindex`);
    }
    const customerColumn = CUSTOMER_ID_COLUMNS[name] ?? "customer_id";
    if (Object.hasOwn(NOT_YET_KEYED, name)) continue;
    if (primary.column !== customerColumn) {
      out.push(`${name}: sharded by ${primary.column ?? primary.columns}, not by its customer id (${customerColumn})`);
    }
  }
  return out;
}

function vschemaOf(keyspace) {
  return JSON.parse(readFileSync(join(root, "k8s", "vitess", `${keyspace}.vschema.json`), "utf8"));
}

describe("VSchemas agree with the migrations", () => {
  for (const [keyspace, serviceDir] of Object.entries(KEYSPACES)) {
    it(keyspace, () => {
      const stale = [];
      const violations = checkVSchema(tablesOfMigrations(migrationsOf(serviceDir)), vschemaOf(keyspace), stale);
      for (const warning of stale) console.log(`warning: ${keyspace}: ${warning}`);
      assert.deepEqual(
        violations,
        [],
        `update k8s/vitess/${keyspace}.vschema.json (a new table: xxhash on customer_id, or "type": "reference")`,
      );
    });
  }
});

describe("broken copies", () => {
  const tables = () => tablesOfMigrations(migrationsOf("loyalty"));
  const vschema = () => vschemaOf("crm_loyalty");

  it("a new table missing from the VSchema", () => {
    const t = tablesOfMigrations([...migrationsOf("loyalty"), "CREATE TABLE shoe_sizes (\n  id BIGINT,\n  size TEXT\n);"]);
    assert.match(checkVSchema(t, vschema()).join("\n"), /shoe_sizes: created by the migrations, missing/);
  });

  it("a table sharded by something other than the customer id", () => {
    const v = vschema();
    v.tables.ledger_entries.column_vindexes = [{ column: "id", name: "xxhash" }];
    assert.match(checkVSchema(tables(), v).join("\n"), /ledger_entries: sharded by id, not by its customer id/);
  });

  it("a customer table declared as a reference table", () => {
    const v = vschema();
    v.tables.accounts = { type: "reference" };
    assert.match(checkVSchema(tables(), v).join("\n"), /accounts: has customer_id but is a reference table/);
  });

  it("a vindex on a column the table lacks", () => {
    const v = vschema();
    v.tables.point_lots.column_vindexes = [{ column: "customer", name: "xxhash" }];
    assert.match(checkVSchema(tables(), v).join("\n"), /point_lots: vindex column customer is not a column/);
  });

  it("a table the migrations never create is a warning", () => {
    const v = vschema();
    v.tables.wishlists = { type: "reference" };
    const stale = [];
    assert.deepEqual(checkVSchema(tables(), v, stale), []);
    assert.match(stale.join("\n"), /wishlists: in the VSchema, created by no migration/);
  });

  it("an ALTER TABLE column counts", () => {
    const t = tablesOfMigrations(["CREATE TABLE x (\n  id BIGINT\n);", "ALTER TABLE x ADD COLUMN customer_id VARCHAR(64);"]);
    assert.ok(t.get("x").has("customer_id"));
  });
});
