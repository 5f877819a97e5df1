/**
 * The dependency-patching tables (migration 0013) on SQLite and PostgreSQL: repositories with their
 * scope, scans claimed once (conditional UPDATEs, one running scan per repository, leases that
 * expire, a scheduled instance created once), findings replaced by each successful scan with
 * `first_seen_at` kept, lockfiles a PARTIAL scan could not read keeping their findings, the
 * compliance status following the findings and the threshold, findings filtered and sorted (SLA
 * due dates on both dialects), pull request records, and the cascade when a repository goes.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { isUniqueViolation, overdueCutoffs, pendingScan, type DepRepositoryRecord, type DepScanRecord, type NewDepFinding } from '../../src/store/index.js';

const T0 = '2026-01-01T00:00:00.000Z';

function repo(id: string, accountId: string, over: Partial<DepRepositoryRecord> = {}): DepRepositoryRecord {
  return {
    id,
    accountId,
    name: id,
    gitUrl: `https://git.example.com/acme/${id}.git`,
    branch: null,
    forge: { kind: 'none', apiUrl: null, repository: null },
    credentialsRef: null,
    schedule: null,
    timezone: 'UTC',
    grouping: 'package',
    severityThreshold: 'any',
    openPullRequests: false,
    enabled: true,
    complianceStatus: 'UNKNOWN',
    lastScanId: null,
    lastSuccessScanId: null,
    nextScanAt: null,
    createdAt: T0,
    createdBy: 'admin',
    updatedAt: T0,
    ...over,
  };
}

function scan(id: string, r: Pick<DepRepositoryRecord, 'id' | 'accountId'>, over: Partial<DepScanRecord> = {}): DepScanRecord {
  return { ...pendingScan({ id, repository: r, trigger: 'manual', requestedBy: 'admin', scheduledFor: null, now: new Date(T0) }), ...over };
}

function finding(pkg: string, version: string, severity: NewDepFinding['severity'], over: Partial<NewDepFinding> = {}): NewDepFinding {
  return {
    ecosystem: 'npm',
    package: pkg,
    version,
    lockfile: 'package-lock.json',
    line: 10,
    direct: true,
    dev: false,
    path: [`${pkg}@${version}`],
    severity,
    advisories: [{ id: `GHSA-${pkg}`, aliases: [`CVE-2020-${pkg.length}`], summary: `${pkg} issue`, severity, score: null, fixedIn: '99.0.0' }],
    cves: [`CVE-2020-${pkg.length}`],
    fixedIn: '99.0.0',
    ...over,
  };
}

const page = (sort: string) => ({ limit: 50, offset: 0, sort });

describeEachDatabase('dependency patching store', (db) => {
  let a: string;
  let b: string;

  beforeAll(async () => {
    const { store } = db();
    const org = await store.organizations.insert({ id: 'org_deps', name: 'org', managementAccountId: 'acct_deps_a', now: T0 });
    a = (await store.accounts.insert({ organizationId: org.id, name: 'deps-a', description: '', now: T0, id: 'acct_deps_a' })).id;
    b = (await store.accounts.insert({ organizationId: org.id, name: 'deps-b', description: '', now: T0, id: 'acct_deps_b' })).id;
  });

  it('stores repositories per account: scope, filters, unique names', async () => {
    const { store } = db();
    await store.depRepositories.insert(repo('repo_shop', a, { name: 'shop', branch: 'main', forge: { kind: 'github', apiUrl: null, repository: 'acme/shop' }, credentialsRef: 'file:gh', schedule: '0 3 * * *', timezone: 'Europe/Berlin', severityThreshold: 'high', openPullRequests: true, nextScanAt: '2026-01-02T02:00:00.000Z' }));
    await store.depRepositories.insert(repo('repo_blog', a, { name: 'blog' }));
    await store.depRepositories.insert(repo('repo_other', b, { name: 'shop' }));
    expect(await store.depRepositories.get('repo_shop')).toEqual(
      repo('repo_shop', a, { name: 'shop', branch: 'main', forge: { kind: 'github', apiUrl: null, repository: 'acme/shop' }, credentialsRef: 'file:gh', schedule: '0 3 * * *', timezone: 'Europe/Berlin', severityThreshold: 'high', openPullRequests: true, nextScanAt: '2026-01-02T02:00:00.000Z' }),
    );
    const err = await store.depRepositories.insert(repo('repo_dup', a, { name: 'shop' })).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect((await store.depRepositories.list({ accounts: [a] }, page('name'))).items.map((r) => r.name)).toEqual(['blog', 'shop']);
    expect((await store.depRepositories.list({ accounts: 'all' }, page('-name'))).total).toBe(3);
    expect((await store.depRepositories.list({ accounts: [] }, page('name'))).total).toBe(0);
    expect((await store.depRepositories.list({ accounts: 'all', accountId: b }, page('name'))).items.map((r) => r.id)).toEqual(['repo_other']);
    expect((await store.depRepositories.list({ accounts: 'all', q: 'BLOG' }, page('name'))).items.map((r) => r.id)).toEqual(['repo_blog']);
    expect(await store.depRepositories.countOf(a)).toBe(2);
    expect((await store.depRepositories.dueForScan('2026-01-02T02:00:00.000Z')).map((r) => r.id)).toEqual(['repo_shop']);
    expect(await store.depRepositories.dueForScan('2026-01-02T01:59:59.999Z')).toEqual([]);
    expect(await store.depRepositories.setNextScanAt('repo_shop', '2026-01-01T00:00:00.000Z', null)).toBe(false);
    expect(await store.depRepositories.setNextScanAt('repo_shop', '2026-01-02T02:00:00.000Z', '2026-01-03T02:00:00.000Z')).toBe(true);
  });

  it('scans: claimed once, one running scan per repository, leases expire, a scheduled instance once', async () => {
    const { store } = db();
    const r = { id: 'repo_blog', accountId: a };
    await store.transaction((tx) => tx.depRepositories.insertScan(scan('rscan_1', r)));
    await store.transaction((tx) => tx.depRepositories.insertScan(scan('rscan_2', r, { createdAt: '2026-01-01T00:00:01.000Z' })));
    expect((await store.depRepositories.get('repo_blog'))?.lastScanId).toBe('rscan_2');
    expect((await store.depRepositories.pendingScanOf('repo_blog'))?.id).toBe('rscan_1');
    expect((await store.depRepositories.pendingScans(10)).map((s) => s.id)).toEqual(['rscan_1', 'rscan_2']);
    expect(await store.depRepositories.claimScan('rscan_1', 'h1', T0, '2026-01-01T00:02:00.000Z')).toBe(true);
    expect(await store.depRepositories.claimScan('rscan_1', 'h2', T0, '2026-01-01T00:02:00.000Z')).toBe(false);
    // The repository's clone is busy: the second scan waits.
    expect(await store.depRepositories.claimScan('rscan_2', 'h2', T0, '2026-01-01T00:02:00.000Z')).toBe(false);
    expect(await store.depRepositories.hasActiveScan('repo_blog')).toBe(true);
    expect(await store.depRepositories.renewScan('rscan_1', 'h2', '2026-01-01T00:09:00.000Z')).toBe(false);
    expect(await store.depRepositories.renewScan('rscan_1', 'h1', '2026-01-01T00:05:00.000Z')).toBe(true);
    expect((await store.depRepositories.expiredScans('2026-01-01T00:04:59.000Z')).map((s) => s.id)).toEqual([]);
    expect((await store.depRepositories.expiredScans('2026-01-01T00:05:01.000Z')).map((s) => s.id)).toEqual(['rscan_1']);
    await store.depRepositories.recordScanResult('rscan_1', { commit: 'abc123', lockfiles: 2, packages: 40, findings: 1, errors: [{ lockfile: 'yarn.lock', line: 3, message: 'yarn.lock:3: bad' }] });
    expect(await store.depRepositories.finishScan('rscan_1', 'h2', { status: 'SUCCESS', endedAt: T0, error: null })).toBe(false);
    expect(await store.depRepositories.finishScan('rscan_1', 'h1', { status: 'PARTIAL', endedAt: '2026-01-01T00:01:00.000Z', error: null, pullRequests: { opened: 1, updated: 0, closed: 0, failed: 0 } })).toBe(true);
    expect(await store.depRepositories.finishScan('rscan_1', null, { status: 'FAILED', endedAt: T0, error: 'late' })).toBe(false);
    expect(await store.depRepositories.getScan('rscan_1')).toMatchObject({ status: 'PARTIAL', commit: 'abc123', lockfiles: 2, packages: 40, findings: 1, errors: [{ lockfile: 'yarn.lock', line: 3 }], pullRequests: { opened: 1 }, holder: 'h1', leaseExpiresAt: null });
    expect(await store.depRepositories.claimScan('rscan_2', 'h2', T0, '2026-01-01T00:02:00.000Z')).toBe(true);
    const page1 = await store.depRepositories.listScans('repo_blog', page('-createdAt'));
    expect(page1.items.map((s) => s.id)).toEqual(['rscan_2', 'rscan_1']);
    // A scheduled instance has one scan, however many replicas create it.
    const sched = { trigger: 'schedule' as const, scheduledFor: '2026-01-02T02:00:00.000Z' };
    await store.transaction((tx) => tx.depRepositories.insertScan(scan('rscan_s1', { id: 'repo_shop', accountId: a }, sched)));
    const dup = await store.transaction((tx) => tx.depRepositories.insertScan(scan('rscan_s2', { id: 'repo_shop', accountId: a }, sched))).catch((e: unknown) => e);
    expect(isUniqueViolation(dup)).toBe(true);
  });

  it('findings: first sighting kept across scans, gone ones removed, unreadable lockfiles keep theirs; compliance follows', async () => {
    const { store } = db();
    await store.depRepositories.insert(repo('repo_f', a, { name: 'findings', severityThreshold: 'high' }));
    expect((await store.depRepositories.get('repo_f'))?.complianceStatus).toBe('UNKNOWN');
    const first = [finding('lodash', '4.17.11', 'critical'), finding('minimist', '1.2.0', 'medium', { dev: true, direct: false, path: ['mkdirp@0.5.1', 'minimist@1.2.0'] }), finding('left-pad', '1.0.0', 'low', { lockfile: 'web/yarn.lock' })];
    expect(await store.transaction((tx) => tx.depFindings.replace('repo_f', a, 'scan_a', first, [], '2026-01-01T00:00:00.000Z'))).toEqual({ inserted: 3, updated: 0, removed: 0 });
    expect(await store.depRepositories.get('repo_f')).toMatchObject({ complianceStatus: 'NON_COMPLIANT', lastSuccessScanId: 'scan_a' });
    // Second scan: lodash still there, minimist gone, web/yarn.lock unreadable (keeps left-pad), a new one.
    const second = [finding('lodash', '4.17.11', 'critical', { line: 12 }), finding('debug', '2.6.8', 'high', { lockfile: 'api/package-lock.json' })];
    expect(await store.transaction((tx) => tx.depFindings.replace('repo_f', a, 'scan_b', second, ['web/yarn.lock'], '2026-01-10T00:00:00.000Z'))).toEqual({ inserted: 1, updated: 1, removed: 1 });
    const all = await store.depFindings.list({ accounts: [a], repositoryId: 'repo_f', all: true }, {}, new Date('2026-01-10T00:00:00Z'), page('package'));
    expect(all.items.map((f) => [f.package, f.firstSeenAt, f.lastSeenAt, f.line, f.scanId, f.belowThreshold])).toEqual([
      ['debug', '2026-01-10T00:00:00.000Z', '2026-01-10T00:00:00.000Z', 10, 'scan_b', false],
      ['left-pad', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 10, 'scan_a', true],
      ['lodash', '2026-01-01T00:00:00.000Z', '2026-01-10T00:00:00.000Z', 12, 'scan_b', false],
    ]);
    expect(all.items[2]).toMatchObject({ repositoryName: 'findings', ecosystem: 'npm', direct: true, dev: false, path: ['lodash@4.17.11'], severity: 'critical', cves: ['CVE-2020-6'], fixedIn: '99.0.0' });
    // Only at or above the threshold unless `all`.
    expect((await store.depFindings.list({ accounts: [a], repositoryId: 'repo_f' }, {}, new Date(), page('-severity'))).items.map((f) => f.package)).toEqual(['lodash', 'debug']);
    // Raising the threshold to critical keeps it non-compliant; a clean scan makes it compliant.
    const r = (await store.depRepositories.get('repo_f'))!;
    await store.transaction((tx) => tx.depRepositories.update({ ...r, severityThreshold: 'critical' }, { resetFindings: false }));
    expect((await store.depRepositories.get('repo_f'))?.complianceStatus).toBe('NON_COMPLIANT');
    await store.transaction((tx) => tx.depFindings.replace('repo_f', a, 'scan_c', [finding('debug', '2.6.8', 'high', { lockfile: 'api/package-lock.json' })], [], '2026-01-11T00:00:00.000Z'));
    expect((await store.depRepositories.get('repo_f'))?.complianceStatus).toBe('COMPLIANT');
    await store.transaction((tx) => tx.depRepositories.update({ ...r, severityThreshold: 'any' }, { resetFindings: false }));
    expect((await store.depRepositories.get('repo_f'))?.complianceStatus).toBe('NON_COMPLIANT');
    // A new source: the old findings go and it is unknown until scanned.
    await store.transaction((tx) => tx.depRepositories.update({ ...r, gitUrl: 'https://git.example.com/acme/moved.git', severityThreshold: 'any' }, { resetFindings: true }));
    expect(await store.depRepositories.get('repo_f')).toMatchObject({ complianceStatus: 'UNKNOWN', lastSuccessScanId: null });
    expect((await store.depFindings.list({ accounts: 'all', repositoryId: 'repo_f', all: true }, {}, new Date(), page('package'))).total).toBe(0);
  });

  it('findings: filters (severity, package, CVE, overdue) and SLA sort, and counts per repository', async () => {
    const { store } = db();
    await store.depRepositories.insert(repo('repo_sla', b, { name: 'sla', severityThreshold: 'low' }));
    await store.transaction((tx) => tx.depFindings.replace('repo_sla', b, 'scan_1', [finding('crit', '1.0.0', 'critical'), finding('hi', '1.0.0', 'high'), finding('unk', '1.0.0', 'unknown')], [], '2026-01-01T00:00:00.000Z'));
    await store.transaction((tx) => tx.depFindings.replace('repo_sla', b, 'scan_2', [finding('crit', '1.0.0', 'critical'), finding('hi', '1.0.0', 'high'), finding('unk', '1.0.0', 'unknown'), finding('med', '1.0.0', 'medium')], [], '2026-01-05T00:00:00.000Z'));
    const sla = { critical: 7, high: 2, medium: 30 };
    const now = new Date('2026-01-06T12:00:00Z');
    const scope = { accounts: [b], repositoryId: 'repo_sla' };
    // Due: crit 01-08, hi 01-03 (overdue), med 02-04, unk none (unknown has no SLA and is below the "low" threshold).
    expect((await store.depFindings.list(scope, sla, now, page('dueAt'))).items.map((f) => f.package)).toEqual(['hi', 'crit', 'med']);
    expect((await store.depFindings.list(scope, sla, now, page('-dueAt'))).items.map((f) => f.package)).toEqual(['med', 'crit', 'hi']);
    expect((await store.depFindings.list({ ...scope, all: true }, sla, now, page('dueAt'))).items.map((f) => f.package)).toEqual(['hi', 'crit', 'med', 'unk']);
    expect((await store.depFindings.list({ ...scope, all: true }, {}, now, page('dueAt'))).total).toBe(4);
    expect((await store.depFindings.list({ ...scope, overdue: true }, sla, now, page('package'))).items.map((f) => f.package)).toEqual(['hi']);
    expect((await store.depFindings.list({ ...scope, overdue: false }, sla, now, page('package'))).items.map((f) => f.package)).toEqual(['crit', 'med']);
    expect((await store.depFindings.list({ ...scope, severity: 'critical' }, sla, now, page('package'))).items.map((f) => f.package)).toEqual(['crit']);
    expect((await store.depFindings.list({ ...scope, package: 'med' }, sla, now, page('package'))).total).toBe(1);
    expect((await store.depFindings.list({ ...scope, cve: 'cve-2020-4' }, sla, now, page('package'))).items.map((f) => f.package)).toEqual(['crit']);
    expect((await store.depFindings.list({ ...scope, cve: 'GHSA-hi' }, sla, now, page('package'))).items.map((f) => f.package)).toEqual(['hi']);
    expect((await store.depFindings.list({ ...scope, cve: '%' }, sla, now, page('package'))).total).toBe(0);
    expect((await store.depFindings.list({ accounts: [a], repositoryId: 'repo_sla' }, sla, now, page('package'))).total).toBe(0);
    const counts = await store.depFindings.counts({ accounts: 'all', accountId: b }, overdueCutoffs(sla, now));
    expect(counts.filter((c) => c.repositoryId === 'repo_sla').sort((x, y) => (x.severity < y.severity ? -1 : 1))).toEqual([
      { repositoryId: 'repo_sla', severity: 'critical', findings: 1, overdue: 0 },
      { repositoryId: 'repo_sla', severity: 'high', findings: 1, overdue: 1 },
      { repositoryId: 'repo_sla', severity: 'medium', findings: 1, overdue: 0 },
    ]);
    expect(await store.depFindings.counts({ accounts: [] }, {})).toEqual([]);
  });

  it('pull requests: recorded per branch and number, listed with the repository, counted when open; all go with the repository', async () => {
    const { store } = db();
    const base = { repositoryId: 'repo_blog', accountId: a, packages: [{ ecosystem: 'npm', name: 'lodash', from: ['4.17.11'], to: '4.17.21', method: 'lockfile' }], advisories: ['GHSA-x'], severity: 'critical' as const, createdAt: T0, updatedAt: T0, closedAt: null };
    await store.depPullRequests.insert({ ...base, id: 'dpr_1', branch: 'patchwarden/npm-lodash', number: 7, url: 'https://forge/pr/7', state: 'open', title: 'Update lodash to 4.17.21 [security]' });
    await store.depPullRequests.insert({ ...base, id: 'dpr_2', branch: 'patchwarden/npm-debug', number: null, url: null, state: 'local', title: 'Update debug', updatedAt: '2026-01-02T00:00:00.000Z' });
    expect((await store.depPullRequests.find('repo_blog', 'patchwarden/npm-lodash', 7))?.id).toBe('dpr_1');
    expect(await store.depPullRequests.find('repo_blog', 'patchwarden/npm-lodash', 8)).toBeUndefined();
    expect((await store.depPullRequests.find('repo_blog', 'patchwarden/npm-debug', null))?.id).toBe('dpr_2');
    expect((await store.depPullRequests.openCounts({ accounts: [a] })).get('repo_blog')).toBe(1);
    const listed = await store.depPullRequests.list({ accounts: [a] }, page('-updatedAt'));
    expect(listed.items.map((p) => [p.id, p.repositoryName])).toEqual([
      ['dpr_2', 'blog'],
      ['dpr_1', 'blog'],
    ]);
    expect((await store.depPullRequests.list({ accounts: [b] }, page('-updatedAt'))).total).toBe(0);
    const pr = (await store.depPullRequests.find('repo_blog', 'patchwarden/npm-lodash', 7))!;
    await store.depPullRequests.update({ ...pr, state: 'closed', closedAt: '2026-01-03T00:00:00.000Z' });
    expect((await store.depPullRequests.list({ accounts: 'all', state: 'closed' }, page('-updatedAt'))).items.map((p) => p.id)).toEqual(['dpr_1']);
    expect((await store.depPullRequests.openOf(['repo_blog'])).length).toBe(0);
    await store.transaction((tx) => tx.depFindings.replace('repo_blog', a, 'rscan_2', [finding('lodash', '4.17.11', 'critical')], [], T0));
    await store.depRepositories.delete('repo_blog');
    expect(await store.depRepositories.getScan('rscan_1')).toBeUndefined();
    expect((await store.depPullRequests.list({ accounts: 'all', repositoryId: 'repo_blog' }, page('-updatedAt'))).total).toBe(0);
    expect((await store.depFindings.list({ accounts: 'all', repositoryId: 'repo_blog', all: true }, {}, new Date(), page('package'))).total).toBe(0);
  });
});
