import { expect, it } from 'vitest';
import { AdvisoryIndex } from '../../src/advisories/matcher.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { osvRecord } from './helpers.js';

describeEachDatabase('advisories repository', (db) => {
  const src = 'test';

  it('inserts, then leaves the same data unchanged, replaces only on a later modified with new content', async () => {
    const { store } = db();
    const a = osvRecord('GHSA-aaaa-0001');
    const b = osvRecord('GHSA-aaaa-0002', { ecosystem: 'PyPI', name: 'Django_REST.framework' });
    expect(await store.advisories.upsertMany([{ record: a, source: src }, { record: b, source: src }])).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(await store.advisories.upsertMany([{ record: a, source: src }, { record: b, source: src }])).toEqual({ inserted: 0, updated: 0, unchanged: 2 });

    const newer = { ...a, modified: '2024-02-01T00:00:00Z', summary: 'changed' };
    const older = { ...b, modified: '2023-06-01T00:00:00Z', summary: 'old text' };
    expect(await store.advisories.upsertMany([{ record: newer, source: 'v2' }, { record: older, source: 'v0' }])).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    expect((await store.advisories.get(a.id))?.record.summary).toBe('changed');
    expect((await store.advisories.get(a.id))?.source).toBe('v2');
    expect((await store.advisories.get(b.id))?.record.summary).toBe(b.summary);

    // A later modified with identical content changes nothing (the stored modified stays).
    const bumped = { ...newer, modified: '2024-03-01T00:00:00Z' };
    expect(await store.advisories.upsertMany([{ record: bumped, source: 'v3' }])).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await store.advisories.modifiedOf([a.id, 'nope'])).get(a.id)).toBe('2024-02-01T00:00:00.000Z');

    // The same id twice in one batch: the later one wins, the other counts as unchanged.
    const c1 = osvRecord('GHSA-aaaa-0003', { summary: 'first' });
    const c2 = { ...c1, modified: '2024-05-01T00:00:00Z', summary: 'second' };
    expect(await store.advisories.upsertMany([{ record: c2, source: src }, { record: c1, source: src }])).toEqual({ inserted: 1, updated: 0, unchanged: 1 });
    expect((await store.advisories.get(c1.id))?.record.summary).toBe('second');
  });

  it('finds records by id and by alias, lists them with filters, sorting and paging, and counts', async () => {
    const { store } = db();
    const records = [
      osvRecord('PYSEC-2024-10', { ecosystem: 'PyPI', name: 'jinja2', aliases: ['CVE-2024-22195', 'GHSA-h5c8-rqwp-cp95'] }),
      osvRecord('GHSA-h5c8-rqwp-cp95', { ecosystem: 'PyPI', name: 'Jinja2', aliases: ['CVE-2024-22195'], severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N' }] }),
      osvRecord('DEBIAN-CVE-2024-22195', { ecosystem: 'Debian:12', name: 'jinja2', aliases: [], upstream: ['CVE-2024-22195'] }),
      osvRecord('USN-9999-1', { ecosystem: 'Ubuntu:Pro:22.04:LTS', name: 'openssl', aliases: [], related: ['CVE-2024-9999'] }),
      osvRecord('GHSA-wwww-0001', { withdrawn: '2024-06-01T00:00:00Z', summary: 'Withdrawn: duplicate' }),
    ];
    await store.advisories.upsertMany(records.map((record) => ({ record, source: src })));

    expect((await store.advisories.findByIdOrAlias('GHSA-h5c8-rqwp-cp95')).map((s) => s.record.id)).toEqual(['GHSA-h5c8-rqwp-cp95']);
    expect((await store.advisories.findByIdOrAlias('CVE-2024-22195')).map((s) => s.record.id)).toEqual(['DEBIAN-CVE-2024-22195', 'GHSA-h5c8-rqwp-cp95', 'PYSEC-2024-10']);
    const ghsa = (await store.advisories.get('GHSA-h5c8-rqwp-cp95'))!;
    expect(ghsa.cves).toEqual(['CVE-2024-22195']);
    expect(ghsa.severity).toEqual({ score: 5.4, rating: 'medium' });
    expect((await store.advisories.get('PYSEC-2024-10'))!.aliases).toEqual(['GHSA-h5c8-rqwp-cp95']);

    const pypi = await store.advisories.list({ ecosystem: 'PyPI' }, { limit: 10, offset: 0, sort: 'id' });
    expect(pypi.items.map((i) => i.id)).toEqual(['GHSA-aaaa-0002', 'GHSA-h5c8-rqwp-cp95', 'PYSEC-2024-10']);
    // PyPI names compare PEP 503-normalised; a Debian release filter keeps to that release.
    expect((await store.advisories.list({ ecosystem: 'PyPI', package: 'JINJA2' }, { limit: 10, offset: 0, sort: 'id' })).total).toBe(2);
    expect((await store.advisories.list({ ecosystem: 'Debian:12', package: 'jinja2' }, { limit: 10, offset: 0, sort: 'id' })).total).toBe(1);
    expect((await store.advisories.list({ ecosystem: 'Debian:11' }, { limit: 10, offset: 0, sort: 'id' })).total).toBe(0);
    expect((await store.advisories.list({ ecosystem: 'Ubuntu:22.04:LTS', package: 'openssl' }, { limit: 10, offset: 0, sort: 'id' })).total).toBe(1);
    expect((await store.advisories.list({ cve: 'CVE-2024-9999' }, { limit: 10, offset: 0, sort: 'id' })).items.map((i) => i.id)).toEqual(['USN-9999-1']);
    expect((await store.advisories.list({ q: 'DUPLICATE' }, { limit: 10, offset: 0, sort: 'id' })).items[0]?.withdrawn).toBe('2024-06-01T00:00:00.000Z');
    const bySeverity = await store.advisories.list({ cve: 'CVE-2024-22195' }, { limit: 1, offset: 0, sort: '-severity' });
    expect(bySeverity.total).toBe(3);
    expect(bySeverity.items).toHaveLength(1);
    expect(await store.advisories.count({ ecosystem: 'npm', includeWithdrawn: false })).toBe((await store.advisories.count({ ecosystem: 'npm' })) - 1);
  });

  it('loads only what a matcher needs, in batches, never withdrawn records', async () => {
    const { store } = db();
    const many = Array.from({ length: 1203 }, (_, i) => osvRecord(`GHSA-load-${String(i).padStart(4, '0')}`, { name: `pkg-${i % 7}` }));
    await store.advisories.upsertMany([
      ...many.map((record) => ({ record, source: src })),
      { record: osvRecord('ALSA-2024:0001', { ecosystem: 'AlmaLinux:9', name: 'openssl', fixed: '1:3.0.7-27.el9' }), source: src },
    ]);
    const sizes: number[] = [];
    const index = new AdvisoryIndex();
    for await (const batch of store.advisories.loadRecords({ ecosystems: ['npm'], batchSize: 500 })) {
      sizes.push(batch.length);
      for (const record of batch) index.add(record);
    }
    expect(sizes.slice(0, 2)).toEqual([500, 500]);
    // Every npm record of this and the earlier tests (GHSA-aaaa-0001, -0003), without the withdrawn one.
    expect(index.size).toBe(1203 + 2);
    expect(index.get('GHSA-wwww-0001')).toBeUndefined();
    expect(index.match({ ecosystem: 'npm', name: 'pkg-3', version: '1.2.9' }).length).toBeGreaterThan(100);

    const one: string[] = [];
    for await (const batch of store.advisories.loadRecords({ ecosystems: ['npm'], names: ['pkg-6'] })) one.push(...batch.map((r) => r.id));
    expect(one).toHaveLength(many.filter((_, i) => i % 7 === 6).length);
    const alma: string[] = [];
    for await (const batch of store.advisories.loadRecords({ ecosystems: ['AlmaLinux:9'] })) alma.push(...batch.map((r) => r.id));
    expect(alma).toEqual(['ALSA-2024:0001']);
    let all = 0;
    for await (const batch of store.advisories.loadRecords({ includeWithdrawn: true, batchSize: 700 })) all += batch.length;
    expect(all).toBe(await store.advisories.count());
  });

  it('remembers a mirror position per base URL and ecosystem', async () => {
    const { store } = db();
    expect(await store.advisories.getCursor('http://mirror', 'PyPI')).toBeNull();
    await store.advisories.setCursor({ baseUrl: 'http://mirror', ecosystem: 'PyPI', lastModified: '2024-01-01T00:00:00.000Z', lastId: 'PYSEC-1', syncedAt: '2024-01-02T00:00:00.000Z' });
    await store.advisories.setCursor({ baseUrl: 'http://mirror', ecosystem: 'PyPI', lastModified: '2024-02-01T00:00:00.000Z', lastId: 'PYSEC-2', syncedAt: '2024-02-02T00:00:00.000Z' });
    expect(await store.advisories.getCursor('http://mirror', 'PyPI')).toEqual({
      baseUrl: 'http://mirror', ecosystem: 'PyPI', lastModified: '2024-02-01T00:00:00.000Z', lastId: 'PYSEC-2', syncedAt: '2024-02-02T00:00:00.000Z',
    });
    expect(await store.advisories.getCursor('http://mirror', 'npm')).toBeNull();
  });
});
