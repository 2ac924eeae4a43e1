// Writes <file>.gz (gzip, level 9) next to every .js, .css and .svg file of
// <dist>/assets, so that the gateway can send them compressed without
// compressing per request (gateway/static_files.h). Node's own zlib: no
// package needed.
//
//   node compress_assets.mjs <dist>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';

const dist = process.argv[2];
if (!dist) {
  console.error('usage: node compress_assets.mjs <dist>');
  process.exit(2);
}
const assets = join(dist, 'assets');
for (const name of readdirSync(assets)) {
  if (!/\.(js|css|svg)$/.test(name)) continue;
  const body = readFileSync(join(assets, name));
  writeFileSync(join(assets, `${name}.gz`),
    gzipSync(body, { level: constants.Z_BEST_COMPRESSION }));
}
