import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { importAdvisories, type ImportProgress } from '../../src/advisories/importers/index.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { OSV_DATA_DIR, osvRecord, tempDir, writeZip } from './helpers.js';

const FOLDERS = { AlmaLinux: 16, Go: 20, Maven: 15, Ubuntu: 34, 'crates.io': 15, npm: 75 };
const FOLDER_RECORDS = Object.values(FOLDERS).reduce((a, b) => a + b, 0);
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A fresh directory per database run. */
function work(dialect: string, name: string): string {
  const dir = join(tmp.dir, dialect, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describeEachDatabase('OSV directory and zip import', (db) => {
  it('imports every record of shared/data/osv (folders, recursively) and the PyPI all.zip sample', async () => {
    const { store } = db();
    const progress: ImportProgress[] = [];
    const dir = await importAdvisories(OSV_DATA_DIR, { sink: store.advisories, onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    expect(dir).toMatchObject({ kind: 'directory', format: 'osv', read: FOLDER_RECORDS, inserted: FOLDER_RECORDS, updated: 0, unchanged: 0, bad: [] });
    expect(progress.at(-1)).toMatchObject({ processed: FOLDER_RECORDS, total: FOLDER_RECORDS, inserted: FOLDER_RECORDS, done: true });
    expect(progress.length).toBeGreaterThan(10);
    const zip = await importAdvisories(join(OSV_DATA_DIR, 'PyPI-sample.zip'), { sink: store.advisories });
    expect(zip).toMatchObject({ kind: 'zip', read: 402, inserted: 402, bad: [] });
    expect(await store.advisories.count()).toBe(FOLDER_RECORDS + 402);
    expect(await store.advisories.count({ ecosystem: 'PyPI' })).toBe(402);
    for (const [folder, n] of Object.entries(FOLDERS)) expect(await store.advisories.count({ ecosystem: folder })).toBeGreaterThanOrEqual(n);
    const stored = await store.advisories.get('GHSA-h755-8qp9-cq85');
    expect(stored?.source).toBe(join(OSV_DATA_DIR, 'npm', 'GHSA-h755-8qp9-cq85.json'));
    const fromZip = (await store.advisories.list({ ecosystem: 'PyPI' }, { limit: 1, offset: 0, sort: 'id' })).items[0];
    expect(fromZip?.source).toMatch(/PyPI-sample\.zip!\/PYSEC-.*\.json$/);
  });

  it('re-importing the same data is a no-op and says so', async () => {
    const { store } = db();
    const dir = await importAdvisories(OSV_DATA_DIR, { sink: store.advisories });
    expect(dir).toMatchObject({ read: FOLDER_RECORDS, inserted: 0, updated: 0, unchanged: FOLDER_RECORDS, bad: [] });
    const zip = await importAdvisories(join(OSV_DATA_DIR, 'PyPI-sample.zip'), { sink: store.advisories });
    expect(zip).toMatchObject({ read: 402, inserted: 0, updated: 0, unchanged: 402 });
    expect(await store.advisories.count()).toBe(FOLDER_RECORDS + 402);
  });

  it('replaces a record only when the incoming modified is later', async () => {
    const { store } = db();
    const real = JSON.parse(readFileSync(join(OSV_DATA_DIR, 'npm', 'GHSA-h755-8qp9-cq85.json'), 'utf8')) as { modified: string; summary: string };
    const newer = work(db().dialect, 'newer');
    const older = work(db().dialect, 'older');
    writeFileSync(join(newer, 'GHSA-h755-8qp9-cq85.json'), JSON.stringify({ ...real, modified: '2030-01-01T00:00:00Z', summary: 'newer text' }));
    writeFileSync(join(older, 'GHSA-h755-8qp9-cq85.json'), JSON.stringify({ ...real, modified: '2000-01-01T00:00:00Z', summary: 'older text' }));
    expect(await importAdvisories(older, { sink: store.advisories })).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await store.advisories.get('GHSA-h755-8qp9-cq85'))?.record.summary).toBe(real.summary);
    expect(await importAdvisories(newer, { sink: store.advisories })).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });
    expect((await store.advisories.get('GHSA-h755-8qp9-cq85'))?.record).toMatchObject({ summary: 'newer text', modified: '2030-01-01T00:00:00Z' });
    expect(await importAdvisories(OSV_DATA_DIR, { sink: store.advisories })).toMatchObject({ updated: 0, unchanged: FOLDER_RECORDS });
  });

  it('imports every good record of a directory with broken files and names each bad one with its reason', async () => {
    const { store } = db();
    const dir = work(db().dialect, 'broken');
    mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'good-1.json'), JSON.stringify(osvRecord('GHSA-good-0001')));
    writeFileSync(join(dir, 'nested', 'good-2.yaml'), 'id: PYSEC-2099-2\nmodified: 2024-01-01T00:00:00Z\naffected:\n  - package: { ecosystem: PyPI, name: requests }\n    ranges:\n      - type: ECOSYSTEM\n        events: [{ introduced: "0" }, { fixed: "2.32.0" }]\n');
    writeFileSync(join(dir, 'nested', 'deeper', 'good-3.yml'), 'id: RUSTSEC-2099-0003\nmodified: "2024-01-01T00:00:00Z"\n');
    writeFileSync(join(dir, 'invalid.json'), '{ "id": "GHSA-bad", "modified": ');
    writeFileSync(join(dir, 'not-osv.json'), JSON.stringify({ hello: 'world' }));
    writeFileSync(join(dir, 'array.json'), '[1, 2]');
    writeFileSync(join(dir, 'nested', 'broken.yaml'), 'id: PYSEC-2099-9\nmodified: [unclosed\n');
    writeFileSync(join(dir, 'no-modified.json'), JSON.stringify({ id: 'GHSA-nomod', summary: 'no modified' }));
    writeFileSync(join(dir, 'two-keys.json'), JSON.stringify({ id: 'GHSA-twok', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1.0.0' }] }] }] }));
    writeFileSync(join(dir, 'bad-date.json'), JSON.stringify({ id: 'GHSA-date', modified: '2024-13-45T00:00:00Z' }));
    writeFileSync(join(dir, 'empty.json'), '');
    writeFileSync(join(dir, 'README.md'), '# not a record');
    writeFileSync(join(dir, '.git', 'config.json'), '{ not read }');

    const report = await importAdvisories(dir, { sink: store.advisories });
    expect(report).toMatchObject({ read: 3, inserted: 3, updated: 0, unchanged: 0 });
    const reasons = Object.fromEntries(report.bad.map((b) => [b.file.slice(dir.length + 1), b.reason]));
    expect(Object.keys(reasons).sort()).toEqual(
      ['array.json', 'bad-date.json', 'empty.json', 'invalid.json', 'nested/broken.yaml', 'no-modified.json', 'not-osv.json', 'two-keys.json'].sort(),
    );
    expect(reasons['invalid.json']).toMatch(/^not valid JSON: /);
    expect(reasons['nested/broken.yaml']).toMatch(/^not valid YAML: /);
    expect(reasons['not-osv.json']).toMatch(/^not a valid OSV record: .*id/);
    expect(reasons['array.json']).toMatch(/an OSV record is a JSON object, not an array/);
    expect(reasons['no-modified.json']).toMatch(/GHSA-nomod: modified: .*"modified"/);
    expect(reasons['two-keys.json']).toMatch(/affected\[0\]\.ranges\[0\]\.events\[0\]: an event has exactly one key/);
    expect(reasons['bad-date.json']).toMatch(/GHSA-date: modified "2024-13-45T00:00:00Z" is not a real date/);
    expect(reasons['empty.json']).toBe('the file is empty');
    expect((await store.advisories.get('PYSEC-2099-2'))?.record.affected?.[0]?.package?.name).toBe('requests');
  });

  it('imports a zip with corrupt entries: every good entry, each bad one named', async () => {
    const { store } = db();
    const good = (i: number) => JSON.stringify(osvRecord(`GHSA-zip-000${i}`, { summary: `MARKER-${i} ${'x'.repeat(200)}` }));
    const entries = { 'GHSA-zip-0001.json': good(1), 'GHSA-zip-0002.json': good(2), 'GHSA-zip-0003.json': good(3), 'bad.json': '{"id": ', 'docs/': '', 'README.txt': 'skip me' };
    // Stored entries: a flipped byte inside an entry's data is caught by its CRC-32.
    const stored = join(work(db().dialect, 'zips'), 'stored.zip');
    await writeZip(stored, entries, false);
    const bytes = readFileSync(stored);
    const at = bytes.indexOf('MARKER-2');
    bytes[at] = 'Z'.charCodeAt(0);
    writeFileSync(stored, bytes);
    const r1 = await importAdvisories(stored, { sink: store.advisories });
    expect(r1).toMatchObject({ kind: 'zip', read: 2, inserted: 2 });
    expect(r1.bad).toEqual([
      { file: `${stored}!/GHSA-zip-0002.json`, reason: 'cannot read the zip entry: the entry is corrupt (CRC-32 mismatch)' },
      { file: `${stored}!/bad.json`, reason: expect.stringMatching(/^not valid JSON/) },
    ]);
    expect(r1.notes.join(' ')).toMatch(/2 zip entries that are not/);

    // Deflated entries: garbage inside the compressed data of one entry.
    const deflated = join(work(db().dialect, 'zips'), 'deflated.zip');
    await writeZip(deflated, { 'GHSA-zip-0004.json': good(4), 'GHSA-zip-0005.json': good(5), 'GHSA-zip-0006.json': good(6) });
    const d = readFileSync(deflated);
    const header = d.indexOf('GHSA-zip-0005.json') - 30;
    expect(d.readUInt32LE(header)).toBe(0x04034b50);
    const dataStart = header + 30 + d.readUInt16LE(header + 26) + d.readUInt16LE(header + 28);
    d.fill(0xff, dataStart + 2, dataStart + 12);
    writeFileSync(deflated, d);
    const r2 = await importAdvisories(deflated, { sink: store.advisories });
    expect(r2).toMatchObject({ read: 2, inserted: 2 });
    expect(r2.bad).toHaveLength(1);
    expect(r2.bad[0]?.file).toBe(`${deflated}!/GHSA-zip-0005.json`);
    expect(r2.bad[0]?.reason).toMatch(/^cannot read the zip entry: /);
    expect(await store.advisories.get('GHSA-zip-0006')).toBeDefined();
  });

  it('refuses what cannot be read at all, naming it', async () => {
    const { store } = db();
    const base = work(db().dialect, 'unreadable');
    const notZip = join(base, 'not-a.zip');
    writeFileSync(notZip, 'this is text');
    await expect(importAdvisories(notZip, { sink: store.advisories })).rejects.toThrow(/Cannot read the zip file .*not-a\.zip/);
    const truncated = join(base, 'truncated.zip');
    writeFileSync(truncated, readFileSync(join(OSV_DATA_DIR, 'PyPI-sample.zip')).subarray(0, 50_000));
    await expect(importAdvisories(truncated, { sink: store.advisories })).rejects.toThrow(/Cannot read the zip file .*truncated\.zip/);
    await expect(importAdvisories(join(base, 'missing'), { sink: store.advisories })).rejects.toThrow(/missing does not exist/);
    const empty = work(db().dialect, 'empty-dir');
    await expect(importAdvisories(empty, { sink: store.advisories })).rejects.toThrow(/No \*\.json, \*\.yaml or \*\.yml files below/);
    await expect(importAdvisories(OSV_DATA_DIR, { sink: store.advisories, ecosystems: ['PyPI'] })).rejects.toThrow(/--ecosystem selects directories of an OSV mirror URL/);
  });
});
