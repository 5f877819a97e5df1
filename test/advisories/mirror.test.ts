import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importAdvisories, parseCsvRow, syncOsvMirror } from '../../src/advisories/importers/index.js';
import type { OsvRecord } from '../../src/advisories/osv.schema.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { osvRecord, tempDir, writeZip } from './helpers.js';

/** A local OSV mirror: <base>/<ecosystem>/all.zip, modified_id.csv and <id>.json, served from memory. */
class Mirror {
  readonly files = new Map<string, Buffer | { status: number } | 'hang'>();
  readonly requests: string[] = [];
  private server: Server | undefined;
  base = '';
  private readonly tmp = tempDir('pw-mirror-');
  readonly tmpDir = this.tmp.dir;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      this.requests.push(path);
      const file = this.files.get(path);
      if (file === 'hang') return; // never answers
      if (file === undefined) res.writeHead(404).end('not found');
      else if (Buffer.isBuffer(file)) res.writeHead(200, { 'content-length': file.length }).end(file);
      else res.writeHead(file.status).end('broken');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/osv`;
  }

  /** Publishes the records of one ecosystem directory: all.zip, modified_id.csv (newest first) and one JSON each. */
  async publish(dir: string, records: readonly OsvRecord[]): Promise<void> {
    const zip = join(this.tmp.dir, `${dir}.zip`);
    await writeZip(zip, Object.fromEntries(records.map((r) => [`${r.id}.json`, JSON.stringify(r)])));
    this.files.set(`/osv/${dir}/all.zip`, await readFile(zip));
    const csv = [...records].sort((a, b) => (a.modified < b.modified ? 1 : -1)).map((r) => `${r.modified},${r.id}`).join('\n');
    this.files.set(`/osv/${dir}/modified_id.csv`, Buffer.from(`${csv}\n`));
    for (const r of records) this.files.set(`/osv/${dir}/${r.id}.json`, Buffer.from(JSON.stringify(r)));
  }

  take(): string[] {
    return this.requests.splice(0);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
    this.tmp.cleanup();
  }
}

const pypi = (i: number, modified: string, summary = `record ${i}`): OsvRecord =>
  osvRecord(`PYSEC-2024-${i}`, { ecosystem: 'PyPI', name: `pkg${i}`, modified, summary });

it('reads modified_id.csv lines', () => {
  expect(parseCsvRow('2024-05-01T12:00:00Z,GHSA-xxxx-yyyy-zzzz')).toEqual({ modified: '2024-05-01T12:00:00Z', instant: '2024-05-01T12:00:00.000Z', path: 'GHSA-xxxx-yyyy-zzzz' });
  expect(parseCsvRow('2024-05-01T12:00:00.123456Z,PyPI/PYSEC-1')?.path).toBe('PyPI/PYSEC-1');
  expect(parseCsvRow('garbage')).toBeNull();
  expect(parseCsvRow('yesterday,GHSA-1')).toBeNull();
});

describeEachDatabase('OSV mirror sync', (db) => {
  const mirror = new Mirror();
  beforeAll(() => mirror.start());
  afterAll(() => mirror.stop());

  const records = Array.from({ length: 30 }, (_, i) => pypi(i, `2024-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`));

  it('first sync: the newest csv line, then all.zip', async () => {
    const { store } = db();
    await mirror.publish('PyPI', records);
    await mirror.publish('AlmaLinux', [osvRecord('ALSA-2024:1234', { ecosystem: 'AlmaLinux:9', name: 'openssl', fixed: '1:3.0.7-27.el9' })]);
    mirror.take();
    const report = await importAdvisories(`${mirror.base}/`, { sink: store.advisories, ecosystems: ['PyPI', 'AlmaLinux:9'] });
    expect(report).toMatchObject({ kind: 'mirror', read: 31, inserted: 31, bad: [] });
    expect(mirror.take()).toEqual(['/osv/PyPI/modified_id.csv', '/osv/PyPI/all.zip', '/osv/AlmaLinux/modified_id.csv', '/osv/AlmaLinux/all.zip']);
    expect(await store.advisories.getCursor(mirror.base, 'PyPI')).toMatchObject({ lastModified: '2024-01-30T00:00:00.000Z', lastId: 'PYSEC-2024-29' });
    expect((await store.advisories.get('PYSEC-2024-3'))?.source).toBe(`${mirror.base}/PyPI/all.zip!/PYSEC-2024-3.json`);
    expect(await store.advisories.get('ALSA-2024:1234')).toBeDefined();
  });

  it('a sync with nothing new reads only modified_id.csv', async () => {
    const { store } = db();
    const report = await syncOsvMirror(mirror.base, { sink: store.advisories, ecosystems: ['PyPI'] });
    expect(report).toMatchObject({ read: 0, inserted: 0, updated: 0, bad: [] });
    expect(report.notes.join(' ')).toMatch(/PyPI: up to date/);
    expect(mirror.take()).toEqual(['/osv/PyPI/modified_id.csv']);
  });

  it('later syncs fetch only the records modified since, by id', async () => {
    const { store } = db();
    records[4] = pypi(4, '2024-03-01T00:00:00Z', 'record 4, revised');
    records[9] = pypi(9, '2024-03-02T00:00:00Z', 'record 9, revised');
    records.push(pypi(100, '2024-03-03T00:00:00Z'));
    await mirror.publish('PyPI', records);
    await mirror.publish('AlmaLinux', [osvRecord('ALSA-2024:1234', { ecosystem: 'AlmaLinux:9', name: 'openssl', fixed: '1:3.0.7-28.el9', modified: '2024-02-01T00:00:00Z' })]);
    const report = await syncOsvMirror(mirror.base, { sink: store.advisories, ecosystems: ['PyPI', 'AlmaLinux'] });
    expect(report).toMatchObject({ read: 4, inserted: 1, updated: 3, unchanged: 0, bad: [] });
    expect(mirror.take().sort()).toEqual(
      ['/osv/AlmaLinux/ALSA-2024:1234.json', '/osv/AlmaLinux/modified_id.csv', '/osv/PyPI/PYSEC-2024-100.json', '/osv/PyPI/PYSEC-2024-4.json', '/osv/PyPI/PYSEC-2024-9.json', '/osv/PyPI/modified_id.csv'].sort(),
    );
    expect((await store.advisories.get('PYSEC-2024-9'))?.record.summary).toBe('record 9, revised');
    expect((await store.advisories.get('PYSEC-2024-100'))?.source).toBe(`${mirror.base}/PyPI/PYSEC-2024-100.json`);
    expect(await store.advisories.getCursor(mirror.base, 'PyPI')).toMatchObject({ lastModified: '2024-03-03T00:00:00.000Z', lastId: 'PYSEC-2024-100' });
  });

  it('a record that fails to download is reported and fetched again by the next sync', async () => {
    const { store } = db();
    records.push(pypi(101, '2024-04-01T00:00:00Z'), pypi(102, '2024-04-02T00:00:00Z'));
    await mirror.publish('PyPI', records);
    mirror.files.set('/osv/PyPI/PYSEC-2024-101.json', { status: 500 });
    mirror.files.set('/osv/PyPI/PYSEC-2024-102.json', Buffer.from('{"id": "PYSEC-2024-102", "modif'));
    mirror.take();
    const report = await syncOsvMirror(mirror.base, { sink: store.advisories, ecosystems: ['PyPI'] });
    expect(report.read).toBe(0);
    expect(report.bad).toEqual([
      { file: `${mirror.base}/PyPI/PYSEC-2024-102.json`, reason: expect.stringMatching(/^not valid JSON/) },
      { file: `${mirror.base}/PyPI/PYSEC-2024-101.json`, reason: `Cannot download ${mirror.base}/PyPI/PYSEC-2024-101.json: HTTP 500 Internal Server Error` },
    ]);
    expect((await store.advisories.getCursor(mirror.base, 'PyPI'))?.lastModified).toBe('2024-04-01T00:00:00.000Z');

    await mirror.publish('PyPI', records); // repaired
    mirror.take();
    const again = await syncOsvMirror(mirror.base, { sink: store.advisories, ecosystems: ['PyPI'] });
    // The position stayed at 101 (download failed), so both 101 and the newer 102 (not stored) are fetched again.
    expect(again).toMatchObject({ read: 2, inserted: 2, bad: [] });
    expect(mirror.take()).toEqual(['/osv/PyPI/modified_id.csv', '/osv/PyPI/PYSEC-2024-102.json', '/osv/PyPI/PYSEC-2024-101.json']);
    expect((await store.advisories.getCursor(mirror.base, 'PyPI'))?.lastModified).toBe('2024-04-02T00:00:00.000Z');
  });

  it('downloads all.zip again when too many records changed, or with full', async () => {
    const { store } = db();
    const report = await syncOsvMirror(mirror.base, { sink: store.advisories, ecosystems: ['PyPI'], full: true });
    expect(report).toMatchObject({ read: records.length, inserted: 0, updated: 0, unchanged: records.length });
    expect(mirror.take()).toEqual(['/osv/PyPI/modified_id.csv', '/osv/PyPI/all.zip']);
    for (let i = 0; i < 5; i++) records[i] = pypi(i, `2024-05-0${i + 1}T00:00:00Z`, `revised again ${i}`);
    await mirror.publish('PyPI', records);
    const many = await syncOsvMirror(mirror.base, { sink: store.advisories, ecosystems: ['PyPI'], fullSyncThreshold: 3 });
    expect(many).toMatchObject({ updated: 5 });
    expect(many.notes.join(' ')).toMatch(/more records changed than the threshold/);
    expect(mirror.take()).toEqual(['/osv/PyPI/modified_id.csv', '/osv/PyPI/modified_id.csv', '/osv/PyPI/all.zip']);
  });

  it('syncs the whole database from the root files when no ecosystem is given', async () => {
    const { store } = db();
    const all = [pypi(500, '2024-06-01T00:00:00Z'), osvRecord('GHSA-root-0001', { modified: '2024-06-02T00:00:00Z' })];
    const zip = join(mirror.tmpDir, 'root.zip');
    await writeZip(zip, { 'PyPI/PYSEC-2024-500.json': JSON.stringify(all[0]), 'npm/GHSA-root-0001.json': JSON.stringify(all[1]) });
    mirror.files.set('/osv/all.zip', await readFile(zip));
    mirror.files.set('/osv/modified_id.csv', Buffer.from('2024-06-02T00:00:00Z,npm/GHSA-root-0001\n2024-06-01T00:00:00Z,PyPI/PYSEC-2024-500\n'));
    mirror.take();
    expect(await syncOsvMirror(mirror.base, { sink: store.advisories })).toMatchObject({ inserted: 2 });
    expect(mirror.take()).toEqual(['/osv/modified_id.csv', '/osv/all.zip']);
    const changed = osvRecord('GHSA-root-0001', { modified: '2024-07-01T00:00:00Z', summary: 'changed' });
    mirror.files.set('/osv/npm/GHSA-root-0001.json', Buffer.from(JSON.stringify(changed)));
    mirror.files.set('/osv/modified_id.csv', Buffer.from('2024-07-01T00:00:00Z,npm/GHSA-root-0001\n2024-06-01T00:00:00Z,PyPI/PYSEC-2024-500\n'));
    expect(await syncOsvMirror(mirror.base, { sink: store.advisories })).toMatchObject({ read: 1, updated: 1 });
    expect(mirror.take()).toEqual(['/osv/modified_id.csv', '/osv/npm/GHSA-root-0001.json']);
    expect(await store.advisories.getCursor(mirror.base, '')).toMatchObject({ lastModified: '2024-07-01T00:00:00.000Z', lastId: 'npm/GHSA-root-0001' });
  });

  it('names the URL when the mirror cannot be read', async () => {
    const { store } = db();
    await expect(syncOsvMirror(mirror.base, { sink: store.advisories, ecosystems: ['npm'] })).rejects.toThrow(`Cannot download ${mirror.base}/npm/all.zip: HTTP 404 Not Found`);
    mirror.files.set('/osv/Go/modified_id.csv', 'hang');
    await expect(syncOsvMirror(mirror.base, { sink: store.advisories, ecosystems: ['Go'], timeoutMs: 200 })).rejects.toThrow(
      `Cannot download ${mirror.base}/Go/modified_id.csv: no response within 0.2 s`,
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(syncOsvMirror(`http://127.0.0.1:${port}/osv`, { sink: store.advisories, ecosystems: ['PyPI'] })).rejects.toThrow(
      `Cannot download http://127.0.0.1:${port}/osv/PyPI/modified_id.csv: ECONNREFUSED`,
    );
  });
});
