/**
 * `npm run bench [-- name…]`: runs the benchmarks and prints each figure next to its reference,
 * measured in the same run.
 */
import { advisories } from './advisories.bench.js';
import { agent } from './agent.bench.js';
import { api } from './api.bench.js';
import { compliance } from './compliance.bench.js';
import { dashboard } from './dashboard.bench.js';
import { deps } from './deps.bench.js';
import { versioning } from './versioning.bench.js';

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<void>;
}

const all: Benchmark[] = [versioning, api, advisories, agent, compliance, dashboard, deps];
const wanted = process.argv.slice(2);
const selected = wanted.length === 0 ? all : all.filter((b) => wanted.includes(b.name));
if (selected.length === 0) {
  process.stderr.write(`No benchmark named ${wanted.join(', ')}; known: ${all.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
for (const b of selected) {
  process.stdout.write(`\n## ${b.name}: ${b.description}\n`);
  await b.run();
}
