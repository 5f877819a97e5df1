#!/usr/bin/env node
// The one binary: server, agent and admin subcommands. Built from src/cli/bin.ts by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('patchwarden: dist/ is missing; run `npm run build` first (npm start does it for you).\n');
  process.exit(1);
}
await import(entry.href);
