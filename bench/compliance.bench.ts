import pino from 'pino';
import { sql, type Kysely } from 'kysely';
import type { OsvRecord } from '../src/advisories/osv.schema.js';
import { predefinedBaselineFor } from '../src/domain/baselines/predefined.js';
import { ServerConfig } from '../src/server/config.js';
import { ComplianceService } from '../src/server/services/compliance.service.js';
import { clearAdvisoryIndexCache } from '../src/server/services/patch-candidates.js';
import { createTestDatabase, testDialects } from '../test/helpers/databases.js';
import { openDatabase, type Store } from '../src/store/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bench seed tables are not in the schema
type Raw = Kysely<any>;
import type { Benchmark } from './run.js';

/**
 * Compliance evaluation of a synthetic fleet — PATCHWARDEN_BENCH_NODES nodes (default 10,000) ×
 * PATCHWARDEN_BENCH_PACKAGES installed packages (default 1,500) — with the real evaluation code
 * and store (`evaluateFleet`), then the fleet summary query (median of several runs). References
 * measured in the same run: reading every node_updates row, and reading the node_packages table.
 *
 * Data: a catalogue of deb-like packages (lib…, python3-…, golang-…, realistic versions, source
 * packages), three version generations spread over the nodes; ~5 % of each node's packages have a
 * pending update (~1 in 5 of them from the security pocket); one account per ten has a default
 * baseline with approved and rejected lists; ~300 Debian:12 advisories for catalogue packages that
 * the candidates fix. Rows go in with INSERT … SELECT over small seed tables (setup, not measured).
 */
const DEFAULT_NODES = Number(process.env.PATCHWARDEN_BENCH_NODES ?? 10_000);
const DEFAULT_PACKAGES = Number(process.env.PATCHWARDEN_BENCH_PACKAGES ?? 1_500);
const NODES = DEFAULT_NODES;
const PACKAGES = DEFAULT_PACKAGES;
const ACCOUNTS = 10;
const STEMS = ['ssl', 'curl', 'xml2', 'png16', 'jpeg62', 'sqlite3', 'gnutls', 'krb5', 'ldap', 'pam', 'systemd', 'z', 'bz2', 'lzma', 'ffi', 'gmp', 'idn2', 'nghttp2', 'ssh', 'tiff'];
const PREFIXES = ['lib', 'python3-', 'golang-', 'node-', 'perl-', 'ruby-', ''];

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(72)} ${value}\n`);
}

/** Catalogue row i: name, source, and the version of generation g (and its candidate). */
function catalogue(i: number): { name: string; source: string; versions: string[]; candidates: string[]; security: number; section: string; priority: string } {
  const stem = STEMS[i % STEMS.length]!;
  const prefix = PREFIXES[Math.floor(i / STEMS.length) % PREFIXES.length]!;
  const name = `${prefix}${stem}${prefix === 'lib' ? `-${i}` : `-${i}`}`;
  const source = `${stem}-src-${Math.floor(i / 3)}`;
  const major = 1 + (i % 9);
  const versions = [0, 1, 2].map((g) => `${i % 7 === 0 ? '1:' : ''}${major}.${(i * 7) % 30}.${g}-${1 + (i % 4)}`);
  const candidates = versions.map((v) => `${v}+deb12u${1 + (i % 3)}`);
  return { name, source, versions, candidates, security: i % 5 === 0 ? 1 : 0, section: i % 3 === 0 ? 'libs' : 'utils', priority: i % 11 === 0 ? 'important' : 'optional' };
}

/**
 * Seeds the synthetic fleet (see the top of this file) into `store`: its own organization, or
 * accounts `bench-0…9` in an existing one (`organizationId`, e.g. a bootstrapped server's).
 */
export async function seedFleet(store: Store, raw: Raw, dialect: string, opts: { nodes?: number; packages?: number; organizationId?: string } = {}): Promise<void> {
  const NODES = opts.nodes ?? DEFAULT_NODES;
  const PACKAGES = opts.packages ?? DEFAULT_PACKAGES;
  const ADVISORIES = Math.min(300, Math.floor(PACKAGES / 5));
  const now = new Date().toISOString();
  const orgId = opts.organizationId ?? (await store.organizations.insert({ id: 'org_bench', name: 'bench', managementAccountId: 'acct_bench_0', now })).id;
  const accounts: string[] = [];
  for (let a = 0; a < ACCOUNTS; a++) accounts.push((await store.accounts.insert({ organizationId: orgId, name: `bench-${a}`, description: '', now, id: `acct_bench_${a}` })).id);
  // One account in ten registers its own Debian default: approved and rejected lists that hit.
  const base = predefinedBaselineFor('DEBIAN');
  const custom = {
    ...base,
    id: 'pb_bench_custom',
    accountId: accounts[0]!,
    name: 'bench-custom',
    predefined: false,
    approvedPatches: ['python3-curl-*', 'libssl-0'],
    rejectedPatches: ['golang-*', 'node-z-*'],
    rejectedPatchesAction: 'BLOCK' as const,
    createdAt: now,
    createdBy: null,
    updatedAt: now,
    updatedBy: null,
  };
  await store.baselines.insert(custom);
  await store.baselines.setDefault({ accountId: accounts[0]!, operatingSystem: 'DEBIAN', baselineId: custom.id, updatedAt: now, updatedBy: null });

  await sql`create table bench_catalog (idx integer primary key, name text not null, source text not null, v0 text, v1 text, v2 text, c0 text, c1 text, c2 text, security integer, section text, priority text)`.execute(raw);
  await sql`create table bench_nodes (idx integer primary key, id text not null)`.execute(raw);
  const cat = Array.from({ length: PACKAGES }, (_, i) => {
    const c = catalogue(i);
    return { idx: i, name: c.name, source: c.source, v0: c.versions[0], v1: c.versions[1], v2: c.versions[2], c0: c.candidates[0], c1: c.candidates[1], c2: c.candidates[2], security: c.security, section: c.section, priority: c.priority };
  });
  for (let i = 0; i < cat.length; i += 500) await raw.insertInto('bench_catalog').values(cat.slice(i, i + 500)).execute();

  const platform = { osId: 'debian', osIdLike: [], version: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', arch: 'amd64', packageManager: 'apt' as const, ecosystem: 'Debian:12' };
  const nodeRows = [];
  const tagRows = [];
  const benchNodes = [];
  for (let n = 0; n < NODES; n++) {
    const id = `node_bench_${String(n).padStart(6, '0')}`;
    nodeRows.push({
      id, account_id: accounts[n % ACCOUNTS]!, activation_id: null, secret_hash: 'x', hostname: `host-${n}`, os_id: 'debian', os_version: '12', codename: 'bookworm', arch: 'amd64',
      platform: JSON.stringify(platform), host: '{}', agent_version: '0.1.0', registered_at: now, last_seen_at: now, deregistered_at: null, inventory_revision: 1, inventory_at: now,
      collected_at: now, reboot: JSON.stringify({ required: n % 17 === 0, reasons: [], packages: [] }), reboot_required: n % 17 === 0 ? 1 : 0, package_count: PACKAGES, update_count: 0, security_update_count: 0,
    });
    if (n % 3 === 0) tagRows.push({ node_id: id, key: 'PatchGroup', value: `group-${n % 4}` });
    benchNodes.push({ idx: n, id });
  }
  for (let i = 0; i < nodeRows.length; i += 500) await raw.insertInto('nodes').values(nodeRows.slice(i, i + 500)).execute();
  for (let i = 0; i < tagRows.length; i += 500) await raw.insertInto('node_tags').values(tagRows.slice(i, i + 500)).execute();
  for (let i = 0; i < benchNodes.length; i += 500) await raw.insertInto('bench_nodes').values(benchNodes.slice(i, i + 500)).execute();

  // Bulk load without the secondary indexes (rebuilt once after: a sort, not 15 M random inserts).
  await sql`drop index node_packages_name_idx`.execute(raw);
  await sql`drop index node_updates_name_idx`.execute(raw);
  // Generation g = node idx % 3: the installed version and (for ~5 % of packages per node) the candidate.
  const gen = (col: 'v' | 'c') => sql.raw(`case n.idx % 3 when 0 then c.${col}0 when 1 then c.${col}1 else c.${col}2 end`);
  await sql`insert into node_packages (node_id, name, arch, version, source_name, source_version)
    select n.id, c.name, 'amd64', ${gen('v')}, c.source, ${gen('v')} from bench_nodes n cross join bench_catalog c`.execute(raw);
  await sql`insert into node_updates (node_id, name, arch, installed_version, candidate_version, security, classification, severity, section, priority, origin, advisory_ids, cves, release_date)
    select n.id, c.name, 'amd64', ${gen('v')}, ${gen('c')}, c.security, case when c.security = 1 then 'security' else 'other' end, 'unknown', c.section, c.priority,
      case when c.security = 1 then '{"label":"Debian-Security","suite":"bookworm-security","codename":"bookworm-security","origin":"Debian","site":"security.debian.org"}'
           else '{"label":"Debian","suite":"bookworm","codename":"bookworm","origin":"Debian","site":"deb.debian.org"}' end,
      '[]', '[]', null
    from bench_nodes n join bench_catalog c on (c.idx + n.idx) % 20 = 0`.execute(raw);
  await sql`create index node_packages_name_idx on node_packages (name, version)`.execute(raw);
  await sql`create index node_updates_name_idx on node_updates (name, candidate_version)`.execute(raw);
  await sql`update nodes set update_count = (select count(*) from node_updates u where u.node_id = nodes.id)`.execute(raw);
  await sql`drop table bench_nodes`.execute(raw);
  await sql`drop table bench_catalog`.execute(raw);
  if (dialect === 'postgres') await sql`analyze`.execute(raw);

  // Advisories: the candidates of these source packages fix them (all three generations).
  const records: { record: OsvRecord; source: string }[] = [];
  for (let a = 0; a < ADVISORIES; a++) {
    const i = a * 5 + 1;
    const c = catalogue(i);
    const fixed = [...c.candidates].sort()[0]!;
    records.push({
      source: 'bench',
      record: {
        id: `DSA-${6000 + a}-1`,
        modified: '2026-01-01T00:00:00Z',
        published: `2025-${String(1 + (a % 12)).padStart(2, '0')}-15T00:00:00Z`,
        aliases: [`CVE-2025-${10000 + a}`],
        summary: `${c.source} security update`,
        severity: [{ type: 'CVSS_V3', score: a % 4 === 0 ? 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' : 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' }],
        affected: [{ package: { ecosystem: 'Debian:12', name: c.source }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
      },
    });
  }
  await store.advisories.upsertMany(records);
}

export const compliance: Benchmark = {
  name: 'compliance',
  description: `compliance evaluation of ${NODES.toLocaleString('en')} nodes × ${PACKAGES.toLocaleString('en')} packages and the fleet summary, on each database (PATCHWARDEN_BENCH_NODES / _PACKAGES for a smaller run)`,
  async run() {
    const only = process.env.PATCHWARDEN_BENCH_DATABASES?.split(',').map((d) => d.trim());
    for (const dialect of testDialects().filter((d) => only === undefined || only.includes(d))) {
      clearAdvisoryIndexCache();
      const db = await createTestDatabase(dialect);
      // A second handle on the same database for the bulk setup and the reference queries.
      const handle = openDatabase({ ...db.options, poolSize: 2 });
      const raw = handle.db as unknown as Raw;
      if (dialect === 'sqlite') await sql`pragma cache_size = -262144`.execute(raw);
      try {
        process.stdout.write(`  [${dialect}]\n`);
        let start = process.hrtime.bigint();
        await seedFleet(db.store, raw, dialect);
        line('setup (not measured): nodes, packages, updates, advisories', `${seconds(start).toFixed(1)} s`);
        const config = ServerConfig.parse({ dataDir: '/nonexistent', logLevel: 'silent' });
        const phases: Record<string, number> = {};
        const collector = { write: (line: string) => {
          const entry = JSON.parse(line) as { phases?: Record<string, number> };
          for (const [k, v] of Object.entries(entry.phases ?? {})) phases[k] = (phases[k] ?? 0) + v;
        } };
        const service = new ComplianceService({ store: db.store, clock: () => new Date(), config, logger: pino({ level: 'debug' }, collector) });
        const showPhases = (): void => {
          line('  where the time went (s)', Object.entries(phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', '));
          for (const k of Object.keys(phases)) delete phases[k];
        };

        start = process.hrtime.bigint();
        const updates = await sql<{ n: number }>`select node_id, name, arch, installed_version, candidate_version, security, classification, severity, origin, advisory_ids, cves from node_updates`.execute(raw);
        line(`reference: SELECT every node_updates row (${updates.rows.length.toLocaleString('en')} rows)`, `${seconds(start).toFixed(2)} s`);
        start = process.hrtime.bigint();
        const packages = await sql<{ n: number }>`select count(*) as n, max(version) as v from node_packages`.execute(raw);
        line(`reference: scan node_packages (${Number(packages.rows[0]?.n ?? 0).toLocaleString('en')} rows)`, `${seconds(start).toFixed(2)} s`);

        start = process.hrtime.bigint();
        const first = await service.evaluateFleet();
        const t1 = seconds(start);
        line(`evaluateFleet, first evaluation (${first.evaluated.toLocaleString('en')} nodes, ${first.unknown} unknown)`, `${t1.toFixed(2)} s   (target < 30 s${t1 < 30 ? ', met' : ', MISSED'})`);
        showPhases();
        start = process.hrtime.bigint();
        const second = await service.evaluateFleet();
        const t2 = seconds(start);
        line(`evaluateFleet again, with the stored states as memory (${second.evaluated.toLocaleString('en')} nodes)`, `${t2.toFixed(2)} s   (target < 30 s${t2 < 30 ? ', met' : ', MISSED'})`);
        showPhases();
        const states = await sql<{ n: number }>`select count(*) as n from node_patch_states`.execute(raw);
        line('per-patch states stored', Number(states.rows[0]?.n ?? 0).toLocaleString('en'));

        const ctx = { principal: { userId: 'bench', username: 'bench', via: 'token' as const, mustChangePassword: false, orgRole: 'org-admin' as const, memberships: new Map() }, ip: 'local', userAgent: null, requestId: 'bench' };
        for (const groupBy of ['account', 'os', 'severity', 'patchGroup'] as const) {
          const runs: number[] = [];
          let summary;
          for (let i = 0; i < 7; i++) {
            const s = process.hrtime.bigint();
            summary = await service.summary(ctx, { groupBy });
            runs.push(seconds(s) * 1000);
          }
          runs.sort((a, b) => a - b);
          const median = runs[Math.floor(runs.length / 2)]!;
          line(`fleet summary by ${groupBy} (${summary?.groups.length ?? 0} groups, ${summary?.totals.nodes ?? 0} nodes), median of 7`, `${median.toFixed(1)} ms   (target < 200 ms${median < 200 ? ', met' : ', MISSED'})`);
        }
        // The dashboard overview's patch panel: patch_name_summary (migration 0012), recomputed per dirty account on read.
        {
          const dirty = await sql<{ n: number }>`select count(*) as n from patch_summary_dirty`.execute(raw);
          let s = process.hrtime.bigint();
          let top = await service.patchSummary(ctx, { limit: 10, offset: 0, sort: '-missing' });
          const first = seconds(s) * 1000;
          line(`patch summary top 10 by missing, first read (refreshes every account: ${Number(dirty.rows[0]?.n ?? 0)} dirty)`, `${first.toFixed(1)} ms`);
          const runs: number[] = [];
          for (let i = 0; i < 7; i++) {
            s = process.hrtime.bigint();
            top = await service.patchSummary(ctx, { limit: 10, offset: 0, sort: '-missing' });
            runs.push(seconds(s) * 1000);
          }
          runs.sort((a, b) => a - b);
          const median = runs[Math.floor(runs.length / 2)]!;
          line(`patch summary top 10 by missing again (${top.total} names, top ${top.items[0]?.name ?? '-'} missing on ${top.items[0]?.byState.MISSING ?? 0}), median of 7`, `${median.toFixed(1)} ms   (target < 200 ms${median < 200 ? ', met' : ', MISSED'})`);
        }
        // The dashboard overview's CVE panel: the ten CVEs reaching the most nodes (node_patch_cves, migration 0011).
        {
          const runs: number[] = [];
          let cves;
          for (let i = 0; i < 7; i++) {
            const s = process.hrtime.bigint();
            cves = await service.cves(ctx, { limit: 10, offset: 0, sort: '-nodes' });
            runs.push(seconds(s) * 1000);
          }
          runs.sort((a, b) => a - b);
          const median = runs[Math.floor(runs.length / 2)]!;
          line(`CVE exposure top 10 (${cves?.total ?? 0} CVEs, widest ${cves?.items[0]?.nodes ?? 0} nodes), median of 7`, `${median.toFixed(1)} ms   (target < 150 ms${median < 150 ? ', met' : ', MISSED'})`);
        }
        const t = summary0(await service.summary(ctx, { groupBy: 'status' }));
        line('fleet status', t);
      } finally {
        await handle.close();
        await db.drop();
      }
    }
  },
};

function summary0(s: { groups: { key: string | null; nodes: number }[] }): string {
  return s.groups.map((g) => `${g.key}: ${g.nodes}`).join(', ');
}
