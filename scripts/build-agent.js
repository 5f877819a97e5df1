#!/usr/bin/env node
// Bundles the agent (src/agent/main.ts) into one file, dist/agent.mjs, that needs only Node.js on the
// host, and checks that nothing of the server is inside. Usage: node scripts/build-agent.js [--outfile F]
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const at = process.argv.indexOf('--outfile');
const outfile = at > 0 ? process.argv[at + 1] : join(root, 'dist/agent.mjs');

/** Inputs and imports the agent must never contain (DESIGN.md: the agent uses only domain, versioning, contracts). */
const FORBIDDEN = [/(^|\/)src\/(store|server|cli|deps|advisories)\//, /node_modules\/(better-sqlite3|pg|fastify|@fastify\/[^/]+|kysely|pino)\//];
const FORBIDDEN_IMPORTS = /\b(?:from|import|require)\s*\(?\s*["'](better-sqlite3|pg|fastify|kysely|pino)["']/;

const result = await build({
  entryPoints: [join(root, 'src/agent/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __pwCreateRequire } from 'node:module';\nconst require = __pwCreateRequire(import.meta.url);" },
});

const bad = Object.keys(result.metafile.inputs).filter((input) => FORBIDDEN.some((re) => re.test(input)));
const text = readFileSync(outfile, 'utf8');
const imported = FORBIDDEN_IMPORTS.exec(text);
if (bad.length > 0 || imported !== null) {
  process.stderr.write(`build-agent: the agent bundle must not contain the server side: ${[...bad, ...(imported === null ? [] : [imported[0]])].join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(`build-agent: ${outfile} (${Math.round(text.length / 1024)} KiB, ${Object.keys(result.metafile.inputs).length} inputs)\n`);
