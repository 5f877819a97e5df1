/**
 * Helpers of the advisory tests: temp directories, OSV records, zips (yazl) and an in-memory sink.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import type { AdvisorySink, MirrorCursor, SinkRecord, UpsertCounts } from '../../src/advisories/importers/index.js';
import type { OsvRecord } from '../../src/advisories/osv.schema.js';

export { OSV_DATA_DIR } from '../helpers/osv-fixtures.js';

/** A temp directory removed by `cleanup()`. */
export function tempDir(prefix = 'pw-adv-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small valid OSV record of one npm/PyPI package with one fixed range. */
export function osvRecord(id: string, overrides: Partial<OsvRecord> & { ecosystem?: string; name?: string; fixed?: string } = {}): OsvRecord {
  const { ecosystem = 'npm', name = 'left-pad', fixed = '1.3.0', ...rest } = overrides;
  return {
    schema_version: '1.6.0',
    id,
    modified: '2024-01-01T00:00:00Z',
    published: '2023-12-01T00:00:00Z',
    aliases: [`CVE-2024-${id.replace(/\D/g, '').padStart(4, '0').slice(-5)}`],
    summary: `${name} is vulnerable (${id})`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
    ...rest,
  };
}

/** Writes a zip: `entries` maps entry names to contents; `compress: false` stores them. */
export async function writeZip(path: string, entries: Record<string, string | Buffer>, compress = true): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) {
    if (name.endsWith('/')) zip.addEmptyDirectory(name);
    else zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { compress });
  }
  zip.end();
  const parts: Buffer[] = [];
  for await (const chunk of zip.outputStream) parts.push(chunk as Buffer);
  await writeFile(path, Buffer.concat(parts));
}

/** An in-memory AdvisorySink with the store's rules (later modified and different content replaces). */
export class MemorySink implements AdvisorySink {
  readonly records = new Map<string, SinkRecord>();
  readonly cursors = new Map<string, MirrorCursor>();
  calls = 0;

  async upsertMany(records: readonly SinkRecord[]): Promise<UpsertCounts> {
    this.calls += 1;
    const counts = { inserted: 0, updated: 0, unchanged: 0 };
    for (const item of records) {
      const stored = this.records.get(item.record.id);
      if (stored === undefined) counts.inserted += 1;
      else if (Date.parse(item.record.modified) > Date.parse(stored.record.modified)) counts.updated += 1;
      else {
        counts.unchanged += 1;
        continue;
      }
      this.records.set(item.record.id, item);
    }
    return counts;
  }

  async modifiedOf(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of ids) {
      const stored = this.records.get(id);
      if (stored) out.set(id, new Date(Date.parse(stored.record.modified)).toISOString());
    }
    return out;
  }

  async getCursor(baseUrl: string, ecosystem: string): Promise<MirrorCursor | null> {
    return this.cursors.get(`${baseUrl} ${ecosystem}`) ?? null;
  }

  async setCursor(cursor: MirrorCursor): Promise<void> {
    this.cursors.set(`${cursor.baseUrl} ${cursor.ecosystem}`, cursor);
  }
}
