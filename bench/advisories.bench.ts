/**
 * Advisory import and matching throughput, each next to its floor measured in the same run:
 * (a) importing 10,000 synthetic OSV records from a directory and from a zip into a fresh store
 *     (SQLite, and PostgreSQL when reachable) vs. just reading and JSON.parse-ing the same data;
 * (b) matching 1,000,000 package instances (50,000 unique) against 50,000 advisories vs. 1,000,000
 *     Map look-ups of the tuple key.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importAdvisories } from '../src/advisories/importers/index.js';
import { AdvisoryIndex, type PackageInstance } from '../src/advisories/matcher.js';
import type { OsvRecord } from '../src/advisories/osv.schema.js';
import { readZip } from '../test/helpers/osv-fixtures.js';
import { tempDir, writeZip } from '../test/advisories/helpers.js';
import { createTestDatabase, testDialects } from '../test/helpers/databases.js';
import type { Benchmark } from './run.js';

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, n: number): number => Math.floor(r() * n);

interface Flavour {
  ecosystem: string;
  prefix: string;
  range: 'SEMVER' | 'ECOSYSTEM';
  version(r: () => number, major: number, minor: number, patch: number): string;
}

/** Realistic ecosystems and version shapes: deb (epochs, ~, +debNuM), rpm (epochs, el9), PEP 440, SemVer. */
const FLAVOURS: readonly Flavour[] = [
  { ecosystem: 'npm', prefix: 'GHSA', range: 'SEMVER', version: (_r, a, b, c) => `${a}.${b}.${c}` },
  { ecosystem: 'PyPI', prefix: 'PYSEC', range: 'ECOSYSTEM', version: (r, a, b, c) => `${a}.${b}${c > 0 ? `.${c}` : ''}${r() < 0.05 ? 'rc1' : ''}` },
  { ecosystem: 'Debian:12', prefix: 'DEBIAN-CVE', range: 'ECOSYSTEM', version: (r, a, b, c) => `${r() < 0.1 ? '1:' : ''}${a}.${b}.${c}-${1 + (c % 3)}${r() < 0.4 ? `+deb12u${1 + (c % 4)}` : ''}` },
  { ecosystem: 'Ubuntu:22.04:LTS', prefix: 'UBUNTU-CVE', range: 'ECOSYSTEM', version: (r, a, b, c) => `${a}.${b}.${c}-${c % 5}ubuntu${r() < 0.5 ? `0.22.04.${1 + (c % 3)}` : '1'}` },
  { ecosystem: 'AlmaLinux:9', prefix: 'ALSA', range: 'ECOSYSTEM', version: (r, a, b, c) => `${r() < 0.2 ? '1:' : ''}${a}.${b}.${c}-${1 + (c % 30)}.el9${r() < 0.3 ? `_${c % 4}` : ''}` },
];

const PACKAGES_PER_ECOSYSTEM = 4000;
const packageName = (f: Flavour, i: number): string => (f.ecosystem === 'PyPI' ? `py_Package.${i}` : `${f.ecosystem.split(':')[0]!.toLowerCase()}-pkg-${i}`);

/** `n` advisories over the flavours: one or two packages each, one or two branches, CVSS, references; PyPI with a versions list. */
function syntheticAdvisories(n: number, seed: number): OsvRecord[] {
  const r = rng(seed);
  const out: OsvRecord[] = [];
  for (let i = 0; i < n; i++) {
    const f = FLAVOURS[i % FLAVOURS.length]!;
    const cve = `CVE-20${10 + int(r, 15)}-${10000 + i}`;
    const affected = Array.from({ length: r() < 0.2 ? 2 : 1 }, () => {
      const major = 1 + int(r, 5);
      const minor = int(r, 20);
      const branches = r() < 0.3 ? 2 : 1;
      const events: Record<string, string>[] = [];
      for (let b = 0; b < branches; b++) {
        events.push({ introduced: b === 0 && r() < 0.5 ? '0' : f.version(r, major + b, 0, 0) });
        if (r() < 0.92) events.push({ fixed: f.version(r, major + b, minor, 1 + int(r, 9)) });
      }
      const versions = f.ecosystem === 'PyPI' ? Array.from({ length: 5 + int(r, 20) }, (_, v) => f.version(r, major, Math.floor(v / 4), v % 4)) : undefined;
      return {
        package: { ecosystem: f.ecosystem, name: packageName(f, int(r, PACKAGES_PER_ECOSYSTEM)) },
        ranges: [{ type: f.range, events }],
        ...(versions === undefined ? {} : { versions }),
        ...(f.ecosystem.startsWith('Debian') || f.ecosystem.startsWith('Ubuntu') ? { database_specific: { urgency: pick(r, ['low', 'medium', 'high']) } } : {}),
      };
    });
    out.push({
      schema_version: '1.6.0',
      id: f.prefix === 'DEBIAN-CVE' || f.prefix === 'UBUNTU-CVE' ? `${f.prefix.split('-')[0]}-${cve}` : f.prefix === 'ALSA' ? `ALSA-2024:${10000 + i}` : `${f.prefix}-bench-${i}`,
      modified: `2024-0${1 + int(r, 9)}-1${int(r, 9)}T12:00:00Z`,
      published: '2023-06-01T00:00:00Z',
      aliases: f.prefix === 'GHSA' || f.prefix === 'PYSEC' ? [cve] : [],
      ...(f.prefix === 'ALSA' || f.prefix.endsWith('CVE') ? { upstream: [cve] } : {}),
      summary: `Synthetic ${pick(r, ['buffer overflow', 'prototype pollution', 'path traversal', 'denial of service', 'SQL injection'])} in ${f.ecosystem} package #${i}`,
      details: `A flaw was found that allows an attacker to ${pick(r, ['execute code', 'read files', 'crash the process'])}. `.repeat(4 + int(r, 8)),
      severity: [{ type: 'CVSS_V3', score: `CVSS:3.1/AV:N/AC:${pick(r, ['L', 'H'])}/PR:N/UI:${pick(r, ['N', 'R'])}/S:U/C:H/I:${pick(r, ['H', 'L', 'N'])}/A:H` }],
      affected,
      references: [
        { type: 'ADVISORY', url: `https://nvd.nist.gov/vuln/detail/${cve}` },
        { type: 'WEB', url: `https://example.org/advisories/${i}` },
        { type: 'FIX', url: `https://example.org/commit/${(i * 2654435761).toString(16)}` },
      ],
    });
  }
  return out;
}

function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(66)} ${value}\n`);
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** The floor for a zip: the whole file in memory, every entry inflated and parsed (no store, no validation). */
function readZipAndParse(path: string): number {
  let n = 0;
  for (const entry of readZip(readFileSync(path))) {
    JSON.parse(entry.data.toString('utf8'));
    n += 1;
  }
  return n;
}

async function importBenchmark(): Promise<void> {
  const N = 10_000;
  const tmp = tempDir('pw-bench-adv-');
  try {
    const records = syntheticAdvisories(N, 7);
    const dir = join(tmp.dir, 'osv');
    mkdirSync(dir);
    for (const record of records) writeFileSync(join(dir, `${record.id}.json`), JSON.stringify(record, null, 2));
    const zip = join(tmp.dir, 'all.zip');
    await writeZip(zip, Object.fromEntries(records.map((record) => [`${record.id}.json`, JSON.stringify(record, null, 2)])));
    const bytes = records.reduce((sum, record) => sum + JSON.stringify(record, null, 2).length, 0);
    process.stdout.write(`  (a) ${N.toLocaleString('en')} synthetic OSV records, ${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON, ${FLAVOURS.map((f) => f.ecosystem).join(', ')}\n`);

    const refDir = await timed(() => readdirSync(dir).reduce((n, file) => (JSON.parse(readFileSync(join(dir, file), 'utf8')), n + 1), 0));
    line('reference: read + JSON.parse every file of the directory', `${(N / refDir.seconds).toFixed(0).padStart(7)} records/s  ${refDir.seconds.toFixed(2)} s`);
    const refZip = await timed(() => readZipAndParse(zip));
    line('reference: read the zip into memory, inflate + JSON.parse each entry', `${(N / refZip.seconds).toFixed(0).padStart(7)} records/s  ${refZip.seconds.toFixed(2)} s`);

    for (const dialect of testDialects()) {
      for (const [kind, source] of [['directory', dir], ['zip', zip]] as const) {
        const db = await createTestDatabase(dialect);
        try {
          const first = await timed(() => importAdvisories(source, { sink: db.store.advisories }));
          if (first.value.inserted !== N) throw new Error(`expected ${N} inserted, got ${JSON.stringify(first.value)}`);
          line(`[${dialect}] import from ${kind} into a fresh store`, `${(N / first.seconds).toFixed(0).padStart(7)} records/s  ${first.seconds.toFixed(2)} s`);
          const again = await timed(() => importAdvisories(source, { sink: db.store.advisories }));
          if (again.value.unchanged !== N) throw new Error(`expected ${N} unchanged, got ${JSON.stringify(again.value)}`);
          line(`[${dialect}] re-import from ${kind} (all unchanged)`, `${(N / again.seconds).toFixed(0).padStart(7)} records/s  ${again.seconds.toFixed(2)} s`);
        } finally {
          await db.drop();
        }
      }
    }
  } finally {
    tmp.cleanup();
  }
}

/** 50,000 unique instances: mostly packages that have advisories (versions around their ranges), the rest clean. */
function syntheticInstances(n: number, seed: number): PackageInstance[] {
  const r = rng(seed);
  const out: PackageInstance[] = [];
  const seen = new Set<string>();
  while (out.length < n) {
    const f = FLAVOURS[int(r, FLAVOURS.length)]!;
    const pkg = int(r, PACKAGES_PER_ECOSYSTEM * 1.25); // a fifth of the names have no advisory
    const version = f.version(r, 1 + int(r, 6), int(r, 20), int(r, 10));
    const key = `${f.ecosystem}\u0000${pkg}\u0000${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const name = packageName(f, pkg);
    const distro = f.ecosystem.startsWith('Debian') || f.ecosystem.startsWith('Ubuntu');
    out.push(distro ? { ecosystem: f.ecosystem, name: `lib${name}`, version, sourceName: name, sourceVersion: version } : { ecosystem: f.ecosystem, name, version });
  }
  return out;
}

async function matchBenchmark(): Promise<void> {
  const ADVISORIES = 50_000;
  const UNIQUE = 50_000;
  const INSTANCES = 1_000_000;
  const records = syntheticAdvisories(ADVISORIES, 11);
  const build = await timed(() => {
    const index = new AdvisoryIndex();
    for (const record of records) index.add(record);
    return index;
  });
  const index = build.value;
  const stats = index.stats();
  process.stdout.write(
    `  (b) ${ADVISORIES.toLocaleString('en')} advisories (${stats.entries.toLocaleString('en')} entries, ${stats.packages.toLocaleString('en')} packages, ${stats.warnings} warnings); ` +
      `${INSTANCES.toLocaleString('en')} instances drawn from ${UNIQUE.toLocaleString('en')} unique tuples\n`,
  );
  line('build the AdvisoryIndex', `${build.seconds.toFixed(2)} s`);
  const unique = syntheticInstances(UNIQUE, 13);
  const r = rng(17);
  const instances: PackageInstance[] = Array.from({ length: INSTANCES }, () => unique[int(r, UNIQUE)]!);

  const keys = new Map(unique.map((u, i) => [`${u.ecosystem}\u0001${u.sourceName ?? u.name}\u0001${u.sourceVersion ?? u.version}`, i]));
  const floor = await timed(() => {
    let hits = 0;
    for (const u of instances) if (keys.get(`${u.ecosystem}\u0001${u.sourceName ?? u.name}\u0001${u.sourceVersion ?? u.version}`) !== undefined) hits += 1;
    return hits;
  });
  line('reference: 1,000,000 Map look-ups of the tuple key (the floor)', `${(INSTANCES / floor.seconds / 1e6).toFixed(2).padStart(7)} M/s     ${floor.seconds.toFixed(2)} s`);

  const first = await timed(() => unique.map((u) => index.match(u)));
  const affected = first.value.filter((f) => f.length > 0).length;
  line(`evaluate the ${UNIQUE.toLocaleString('en')} unique tuples once (cold memo)`, `${(UNIQUE / first.seconds / 1e3).toFixed(1).padStart(7)} k/s     ${first.seconds.toFixed(2)} s  (${affected.toLocaleString('en')} affected)`);

  const fresh = new AdvisoryIndex();
  for (const record of records) fresh.add(record);
  const all = await timed(() => fresh.matchMany(instances));
  const findings = all.value.reduce((sum, f) => sum + f.length, 0);
  const verdict = all.seconds < 10 ? 'meets the 10 s target' : 'MISSES the 10 s target';
  line('match 1,000,000 instances (fresh index, memo filled as it goes)', `${(INSTANCES / all.seconds / 1e6).toFixed(2).padStart(7)} M/s     ${all.seconds.toFixed(2)} s  (${findings.toLocaleString('en')} findings; ${verdict})`);
}

export const advisories: Benchmark = {
  name: 'advisories',
  description: 'OSV import (10,000 records, directory and zip, per database) and matching 1,000,000 instances against 50,000 advisories',
  async run() {
    await importBenchmark();
    await matchBenchmark();
  },
};
