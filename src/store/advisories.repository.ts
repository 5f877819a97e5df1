import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { recordAliases } from '../advisories/aliases.js';
import { normalizePackageName, parseEcosystem } from '../advisories/ecosystems.js';
import type { AdvisorySink, MirrorCursor, SinkRecord, UpsertCounts } from '../advisories/importers/sink.js';
import type { OsvRecord } from '../advisories/osv.schema.js';
import { recordSeverity, type RecordSeverity, type SeverityRating } from '../advisories/severity.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { AdvisoriesTable, Database } from './schema.js';

/** One stored advisory: the OSV record and what Patchwarden derived from it. */
export interface StoredAdvisory {
  readonly record: OsvRecord;
  /** Where it was imported from (file, `zip!/entry`, URL). */
  readonly source: string;
  readonly importedAt: string;
  /** The worst severity over the record and its affected packages. */
  readonly severity: { readonly score: number | null; readonly rating: SeverityRating };
  readonly cves: readonly string[];
  /** Non-CVE aliases. */
  readonly aliases: readonly string[];
}

/** A list row: the record's headline fields, without the record. */
export interface AdvisorySummary {
  readonly id: string;
  readonly modified: string;
  readonly published: string | null;
  readonly withdrawn: string | null;
  readonly summary: string | null;
  readonly source: string;
  readonly ecosystems: readonly string[];
  readonly aliases: readonly string[];
  readonly cves: readonly string[];
  readonly severity: { readonly score: number | null; readonly rating: SeverityRating };
  readonly importedAt: string;
}

export interface AdvisoryFilter {
  /** An OSV ecosystem: with a release (`Debian:12`, `Ubuntu:22.04:LTS`) that release, else the whole family (`PyPI`, `Debian`). */
  ecosystem?: string | undefined;
  /** A package name (PyPI names compare PEP 503-normalised). */
  package?: string | undefined;
  /** Records that have this CVE (or other alias). */
  cve?: string | undefined;
  /** Text in the id or the summary, case-insensitive. */
  q?: string | undefined;
  /** Default true: withdrawn records are kept and listed. */
  includeWithdrawn?: boolean | undefined;
}

export interface LoadRecordsOptions {
  /** Instance ecosystems (`Debian:12`, `PyPI`): the records a matcher needs for them (release-less distro records included). */
  ecosystems?: readonly string[] | undefined;
  /** Only records naming one of these packages (with `ecosystems`). */
  names?: readonly string[] | undefined;
  /** Records per yielded batch (default 1000). */
  batchSize?: number | undefined;
  /** Default false: withdrawn records are never matched, so they are not loaded. */
  includeWithdrawn?: boolean | undefined;
}

const WRITE_CHUNK = 500;
/** The columns of a list row (everything but the record and its hash). */
const SUMMARY_COLUMNS = ['id', 'modified', 'published', 'withdrawn', 'summary', 'source', 'ecosystems', 'aliases', 'cves', 'severity_score', 'severity_rating', 'imported_at'] as const;
const RANK: Record<SeverityRating, number> = { unknown: -1, none: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** The matcher's key of a record ecosystem: family plus normalised release (`Ubuntu:22.04`), or the family. */
export function ecosystemKey(ecosystem: string): { key: string; family: string } {
  const ref = parseEcosystem(ecosystem);
  return { key: ref.distro && ref.release !== null ? `${ref.family}:${ref.release}` : ref.family, family: ref.family };
}

/** The worst severity of a record over its top level and each affected entry. */
function worstSeverity(record: OsvRecord): RecordSeverity {
  let best = recordSeverity(record);
  for (const affected of record.affected ?? []) {
    const s = recordSeverity(record, affected);
    if (RANK[s.rating] > RANK[best.rating] || (s.rating === best.rating && (s.score ?? -1) > (best.score ?? -1))) best = s;
  }
  return best;
}

function isoInstant(value: string, id: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`advisory ${id}: "${value}" is not a valid instant`);
  return new Date(ms).toISOString();
}

/** sha256 of the record without `modified`. */
export function contentHash(record: OsvRecord): string {
  const { modified: _modified, ...rest } = record;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

function parseList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

function toSummary(row: Omit<Selectable<AdvisoriesTable>, 'record' | 'content_hash'>): AdvisorySummary {
  return {
    id: row.id,
    modified: row.modified,
    published: row.published,
    withdrawn: row.withdrawn,
    summary: row.summary,
    source: row.source,
    ecosystems: parseList(row.ecosystems),
    aliases: parseList(row.aliases),
    cves: parseList(row.cves),
    severity: { score: row.severity_score === null ? null : Number(row.severity_score), rating: row.severity_rating as SeverityRating },
    importedAt: row.imported_at,
  };
}

function toStored(row: Selectable<AdvisoriesTable>): StoredAdvisory {
  const summary = toSummary(row);
  return {
    // Stored records were validated (parseOsvRecord) when imported.
    record: JSON.parse(row.record) as OsvRecord,
    source: row.source,
    importedAt: row.imported_at,
    severity: summary.severity,
    cves: summary.cves,
    aliases: summary.aliases,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Prepared {
  row: AdvisoriesTable;
  packages: { advisory_id: string; ecosystem: string; family: string; name: string }[];
  aliases: { advisory_id: string; alias: string }[];
}

function prepare(item: SinkRecord, hash: string, now: string): Prepared {
  const { record } = item;
  const { cves, aliases } = recordAliases(record);
  const severity = worstSeverity(record);
  const ecosystems: string[] = [];
  const packages = new Map<string, Prepared['packages'][number]>();
  for (const affected of record.affected ?? []) {
    const pkg = affected.package;
    if (!pkg) continue;
    if (!ecosystems.includes(pkg.ecosystem)) ecosystems.push(pkg.ecosystem);
    const { key, family } = ecosystemKey(pkg.ecosystem);
    const name = normalizePackageName(family, pkg.name);
    packages.set(`${key}\u0000${name}`, { advisory_id: record.id, ecosystem: key, family, name });
  }
  const aliasSet = new Set([...cves, ...aliases, ...(record.aliases ?? [])].filter((a) => a !== '' && a !== record.id));
  return {
    row: {
      id: record.id,
      modified: isoInstant(record.modified, record.id),
      published: record.published === undefined ? null : isoInstant(record.published, record.id),
      withdrawn: record.withdrawn === undefined ? null : isoInstant(record.withdrawn, record.id),
      summary: record.summary ?? null,
      source: item.source,
      ecosystems: JSON.stringify(ecosystems),
      aliases: JSON.stringify(aliases),
      cves: JSON.stringify(cves),
      severity_score: severity.score,
      severity_rating: severity.rating,
      content_hash: hash,
      record: JSON.stringify(record),
      imported_at: now,
    },
    packages: [...packages.values()],
    aliases: [...aliasSet].map((alias) => ({ advisory_id: record.id, alias })),
  };
}

/**
 * Advisories: OSV records keyed by id, with their packages (for loading what a matcher needs) and
 * aliases (CVE look-ups). Implements the importers' AdvisorySink.
 */
export class AdvisoriesRepository implements AdvisorySink {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts new records and replaces stored ones whose incoming `modified` is later and whose
   * content differs; everything else is unchanged. Writes in transactions of 500 records.
   */
  async upsertMany(records: readonly SinkRecord[], now = new Date().toISOString()): Promise<UpsertCounts> {
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
    for (const chunk of chunks(records, WRITE_CHUNK)) {
      const c = this.db.isTransaction ? await this.upsertChunk(this.db, chunk, now) : await this.db.transaction().execute((trx) => this.upsertChunk(trx, chunk, now));
      counts.inserted += c.inserted;
      counts.updated += c.updated;
      counts.unchanged += c.unchanged;
    }
    return counts;
  }

  private async upsertChunk(db: Kysely<Database>, chunk: readonly SinkRecord[], now: string): Promise<UpsertCounts> {
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
    // The same id twice in one chunk: the later `modified` wins, the other counts as unchanged.
    // Only the identity (id, modified, content hash) is computed before the comparison; the rows
    // (severity, aliases, packages) only for what is written.
    const latest = new Map<string, { item: SinkRecord; modified: string; hash: string }>();
    for (const item of chunk) {
      const candidate = { item, modified: isoInstant(item.record.modified, item.record.id), hash: contentHash(item.record) };
      const seen = latest.get(item.record.id);
      if (seen === undefined) latest.set(item.record.id, candidate);
      else {
        counts.unchanged += 1;
        if (candidate.modified > seen.modified) latest.set(item.record.id, candidate);
      }
    }
    const ids = [...latest.keys()];
    const existing = new Map(
      (await db.selectFrom('advisories').select(['id', 'modified', 'content_hash']).where('id', 'in', ids).execute()).map((r) => [r.id, r]),
    );
    const write: Prepared[] = [];
    const replaced: string[] = [];
    for (const candidate of latest.values()) {
      const stored = existing.get(candidate.item.record.id);
      if (stored === undefined) {
        counts.inserted += 1;
        write.push(prepare(candidate.item, candidate.hash, now));
      } else if (candidate.modified > stored.modified && candidate.hash !== stored.content_hash) {
        counts.updated += 1;
        replaced.push(candidate.item.record.id);
        write.push(prepare(candidate.item, candidate.hash, now));
      } else {
        counts.unchanged += 1;
      }
    }
    if (replaced.length > 0) {
      await db.deleteFrom('advisory_packages').where('advisory_id', 'in', replaced).execute();
      await db.deleteFrom('advisory_aliases').where('advisory_id', 'in', replaced).execute();
      await db.deleteFrom('advisories').where('id', 'in', replaced).execute();
    }
    if (write.length > 0) {
      await db.insertInto('advisories').values(write.map((p) => p.row)).execute();
      for (const part of chunks(write.flatMap((p) => p.packages), 2000)) await db.insertInto('advisory_packages').values(part).execute();
      for (const part of chunks(write.flatMap((p) => p.aliases), 4000)) await db.insertInto('advisory_aliases').values(part).execute();
    }
    return counts;
  }

  async modifiedOf(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks(ids, 1000)) {
      const rows = await this.db.selectFrom('advisories').select(['id', 'modified']).where('id', 'in', part).execute();
      for (const row of rows) out.set(row.id, row.modified);
    }
    return out;
  }

  async get(id: string): Promise<StoredAdvisory | undefined> {
    const row = await this.db.selectFrom('advisories').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toStored(row);
  }

  /** The records with this id, else those with this alias (a CVE usually has several), sorted by id. */
  async findByIdOrAlias(idOrAlias: string): Promise<StoredAdvisory[]> {
    const own = await this.get(idOrAlias);
    if (own !== undefined) return [own];
    const rows = await this.db
      .selectFrom('advisories')
      .selectAll()
      .where('id', 'in', (eb) => eb.selectFrom('advisory_aliases').select('advisory_id').where('alias', '=', idOrAlias))
      .orderBy('id')
      .execute();
    return rows.map(toStored);
  }

  private filtered(filter: AdvisoryFilter) {
    let q = this.db.selectFrom('advisories');
    if (filter.ecosystem !== undefined || filter.package !== undefined) {
      const ref = filter.ecosystem === undefined ? undefined : parseEcosystem(filter.ecosystem);
      const names =
        filter.package === undefined
          ? undefined
          : ref === undefined
            ? [...new Set([filter.package, normalizePackageName('PyPI', filter.package)])]
            : [normalizePackageName(ref.family, filter.package)];
      q = q.where('id', 'in', (eb) => {
        let sub = eb.selectFrom('advisory_packages').select('advisory_id');
        if (ref !== undefined) sub = ref.distro && ref.release !== null ? sub.where('ecosystem', '=', ecosystemKey(ref.raw).key) : sub.where('family', '=', ref.family);
        if (names !== undefined) sub = sub.where('name', 'in', names);
        return sub;
      });
    }
    if (filter.cve !== undefined) {
      const cve = filter.cve;
      q = q.where((eb) => eb.or([eb('id', '=', cve), eb('id', 'in', eb.selectFrom('advisory_aliases').select('advisory_id').where('alias', '=', cve))]));
    }
    if (filter.q !== undefined) {
      const term = filter.q;
      q = q.where((eb) => eb.or([containsIgnoreCase('id', term), containsIgnoreCase('summary', term)]));
    }
    if (filter.includeWithdrawn === false) q = q.where('withdrawn', 'is', null);
    return q;
  }

  /**
   * One page of advisories; sort by `id`, `modified`, `published` or `severity` (`-` for
   * descending): severity orders by rating, then score (records rated without a score, e.g. by a
   * distribution, rank by their rating alike on both databases).
   */
  async list(filter: AdvisoryFilter, page: PageRequest): Promise<Page<AdvisorySummary>> {
    const q = this.filtered(filter).select([
      ...SUMMARY_COLUMNS,
      sql<number>`(case severity_rating when 'critical' then 500 when 'high' then 400 when 'medium' then 300 when 'low' then 200 when 'none' then 100 else 0 end) + coalesce(severity_score, 0)`.as('severity_order'),
    ]);
    return fetchPage(q, page, { id: 'id', modified: 'modified', published: 'published', severity: 'severity_order' }, 'id', toSummary);
  }

  /** The headline of one stored advisory (what list shows). */
  async summaryOf(id: string): Promise<AdvisorySummary | undefined> {
    const row = await this.filtered({})
      .select(SUMMARY_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toSummary(row);
  }

  async count(filter: AdvisoryFilter = {}): Promise<number> {
    const row = await this.filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /**
   * The records a matcher needs, in batches (by id), without holding them all: those of the given
   * instance ecosystems (a `Debian:12` instance needs `Debian:12` and release-less `Debian` records),
   * optionally only for some package names. Without `ecosystems`, every record.
   */
  async *loadRecords(options: LoadRecordsOptions = {}): AsyncGenerator<OsvRecord[]> {
    const batchSize = options.batchSize ?? 1000;
    let ids: string[] | undefined;
    if (options.ecosystems !== undefined) {
      const keys = new Set<string>();
      const names = new Set<string>();
      for (const ecosystem of options.ecosystems) {
        const ref = parseEcosystem(ecosystem);
        keys.add(ecosystemKey(ecosystem).key);
        if (ref.distro) keys.add(ref.family);
        for (const name of options.names ?? []) names.add(normalizePackageName(ref.family, name));
      }
      if (keys.size === 0) return;
      let sub = this.db.selectFrom('advisory_packages').select('advisory_id').distinct().where('ecosystem', 'in', [...keys]);
      if (options.names !== undefined) {
        if (names.size === 0) return;
        sub = sub.where('name', 'in', [...names]);
      }
      ids = (await sub.execute()).map((r) => r.advisory_id).sort();
    }
    if (ids !== undefined) {
      for (const part of chunks(ids, batchSize)) {
        let q = this.db.selectFrom('advisories').select(['id', 'record']).where('id', 'in', part);
        if (options.includeWithdrawn !== true) q = q.where('withdrawn', 'is', null);
        const rows = await q.orderBy('id').execute();
        if (rows.length > 0) yield rows.map((r) => JSON.parse(r.record) as OsvRecord);
      }
      return;
    }
    let after = '';
    for (;;) {
      let q = this.db.selectFrom('advisories').select(['id', 'record']).where('id', '>', after);
      if (options.includeWithdrawn !== true) q = q.where('withdrawn', 'is', null);
      const rows = await q.orderBy('id').limit(batchSize).execute();
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      yield rows.map((r) => JSON.parse(r.record) as OsvRecord);
    }
  }

  /** Record counts per ecosystem family (`PyPI`, `Debian`) of the affected packages. */
  async countByFamily(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('advisory_packages')
      .select(['family', (eb) => eb.fn.count<number>('advisory_id').distinct().as('n')])
      .groupBy('family')
      .orderBy('family')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.family, Number(r.n)]));
  }

  async getCursor(baseUrl: string, ecosystem: string): Promise<MirrorCursor | null> {
    const row = await this.db.selectFrom('advisory_sources').selectAll().where('base_url', '=', baseUrl).where('ecosystem', '=', ecosystem).executeTakeFirst();
    return row === undefined ? null : { baseUrl: row.base_url, ecosystem: row.ecosystem, lastModified: row.last_modified, lastId: row.last_id, syncedAt: row.synced_at };
  }

  async setCursor(cursor: MirrorCursor): Promise<void> {
    await this.db
      .insertInto('advisory_sources')
      .values({ base_url: cursor.baseUrl, ecosystem: cursor.ecosystem, last_modified: cursor.lastModified, last_id: cursor.lastId, synced_at: cursor.syncedAt })
      .onConflict((oc) => oc.columns(['base_url', 'ecosystem']).doUpdateSet({ last_modified: cursor.lastModified, last_id: cursor.lastId, synced_at: cursor.syncedAt }))
      .execute();
  }
}
