/**
 * The advisories API (GET /api/v1/advisories, GET /api/v1/advisories/{advisoryId}) over the real OSV
 * records of shared/data/osv, imported with the importer: filters, sorts, one record by id or by an
 * alias only it has, the 404 that names how many records share an alias, `affected` in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAdvisories } from '../../src/advisories/importers/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { hasOsvData } from '../helpers/osv-fixtures.js';
import { getOk } from '../compliance/helpers.js';
import { OSV_DATA_DIR, osvRecord } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- API bodies are read as JSON */

const RANK: Record<string, number> = { unknown: 0, none: 1, low: 2, medium: 3, high: 4, critical: 5 };

for (const dialect of testDialects()) {
  describe.runIf(hasOsvData())(`[${dialect}] advisories API`, () => {
    let t: TestApp;
    let outsider: { id: string; token: string };
    let imported: number;

    beforeAll(async () => {
      t = await createTestApp(dialect);
      const report = await importAdvisories(OSV_DATA_DIR, { sink: t.db.store.advisories });
      imported = report.inserted;
      // A record listing more affected versions than the API shows.
      const versions = Array.from({ length: 60 }, (_, i) => `1.0.${i}`);
      await t.db.store.advisories.upsertMany([{ record: { ...osvRecord('GHSA-many-vers-ions'), affected: [{ package: { ecosystem: 'npm', name: 'many' }, versions }] }, source: 'test' }]);
      // Advisories are public data: a user without any account reads them.
      outsider = await t.createUser('no-accounts');
    });
    afterAll(async () => {
      await t.close();
    });

    const get = (path: string, token = outsider.token): Promise<any> => getOk(t, path, token);
    const ids = (body: any): string[] => body.items.map((a: any) => a.id);

    it('lists and filters the imported records', async () => {
      expect(imported).toBeGreaterThan(100);
      const all = await get('/api/v1/advisories?limit=500');
      expect(all.total).toBe(imported + 1);
      const modified = all.items.map((a: any) => a.modified);
      expect(modified).toEqual([...modified].sort().reverse());
      expect(ids(await get('/api/v1/advisories?cve=CVE-2022-41723'))).toEqual(expect.arrayContaining(['GHSA-vvpx-j8f3-3w6h', 'GO-2023-1571']));
      expect((await get('/api/v1/advisories?cve=CVE-2022-41723')).total).toBe(2);
      const protobuf = await get('/api/v1/advisories?ecosystem=npm&package=protobufjs');
      expect(ids(protobuf)).toContain('GHSA-h755-8qp9-cq85');
      expect(protobuf.items.every((a: any) => a.ecosystems.includes('npm'))).toBe(true);
      expect(ids(await get('/api/v1/advisories?q=h755-8QP9'))).toEqual(['GHSA-h755-8qp9-cq85']);
      expect((await get('/api/v1/advisories?ecosystem=Go&limit=500')).items.every((a: any) => a.ecosystems.includes('Go'))).toBe(true);
      const byId = ids(await get('/api/v1/advisories?sort=id&limit=500'));
      expect(byId).toEqual([...byId].sort());
      const bySeverity = (await get('/api/v1/advisories?sort=-severity&limit=500')).items.map((a: any) => RANK[a.severity.rating]);
      expect(bySeverity).toEqual([...bySeverity].sort((a, b) => b - a));
      expect(bySeverity[0]).toBe(5);
      const summary = (await get('/api/v1/advisories?q=GHSA-h755-8qp9-cq85')).items[0];
      expect(summary).toMatchObject({ id: 'GHSA-h755-8qp9-cq85', cves: ['CVE-2023-36665'], ecosystems: ['npm'], severity: { rating: expect.any(String) } });
      expect(summary.record).toBeUndefined();
    });

    it('answers one record by id or by an alias only it has, with affected packages in words', async () => {
      const record = await get('/api/v1/advisories/GHSA-h755-8qp9-cq85');
      expect(record).toMatchObject({ id: 'GHSA-h755-8qp9-cq85', cves: ['CVE-2023-36665'], record: { id: 'GHSA-h755-8qp9-cq85' } });
      expect(record.affected[0]).toEqual({ ecosystem: 'npm', package: 'protobufjs', fixed: ['7.2.4, 6.11.4'], ranges: ['introduced 6.10.0, fixed "7.2.4, 6.11.4"'], versions: [] });
      expect(record.references).toContainEqual({ type: 'ADVISORY', url: 'https://nvd.nist.gov/vuln/detail/CVE-2023-36665' });
      expect((await get('/api/v1/advisories/CVE-2023-36665')).id).toBe('GHSA-h755-8qp9-cq85');
      const many = await get('/api/v1/advisories/GHSA-many-vers-ions');
      expect(many.affected[0].versions).toHaveLength(50);
      expect(many.affected[0].versions[49]).toBe('1.0.49');
    });

    it('refuses an alias several records share, saying how many and where to list them', async () => {
      const res = await t.as(outsider.token, 'GET', '/api/v1/advisories/CVE-2022-41723');
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message).toMatch(/^2 advisories name "CVE-2022-41723" \(GHSA-vvpx-j8f3-3w6h, GO-2023-1571\).*GET \/api\/v1\/advisories\?cve=CVE-2022-41723/);
      const unknown = await t.as(outsider.token, 'GET', '/api/v1/advisories/CVE-1999-0001');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.message).toMatch(/No imported advisory has the id or alias "CVE-1999-0001"/);
      expect((await t.as(null, 'GET', '/api/v1/advisories')).statusCode).toBe(401);
    });
  });
}
