import { affectedInWords } from '../../advisories/describe.js';
import { AppError } from '../../domain/errors.js';
import type { AdvisoryDetail, AdvisorySummary } from '../../contracts/advisories.contract.js';
import type { AdvisorySummary as StoredSummary, Page, PageRequest } from '../../store/index.js';
import { principalOf, type RequestContext, type ServiceDeps } from './context.js';

export interface AdvisoryListQuery extends PageRequest {
  ecosystem?: string | undefined;
  package?: string | undefined;
  cve?: string | undefined;
  q?: string | undefined;
}

function summaryView(a: StoredSummary): AdvisorySummary {
  return {
    id: a.id,
    summary: a.summary,
    modified: a.modified,
    published: a.published,
    withdrawn: a.withdrawn,
    source: a.source,
    ecosystems: [...a.ecosystems],
    cves: [...a.cves],
    aliases: [...a.aliases],
    severity: { score: a.severity.score, rating: a.severity.rating },
    importedAt: a.importedAt,
  };
}

/**
 * The imported advisories (OSV records and distribution feeds): search and one record in full.
 * Advisories are public data: every signed-in user reads them, whatever their accounts.
 */
export class AdvisoriesService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(ctx: RequestContext, query: AdvisoryListQuery): Promise<Page<AdvisorySummary>> {
    principalOf(ctx);
    const page = await this.deps.store.advisories.list({ ecosystem: query.ecosystem, package: query.package, cve: query.cve, q: query.q }, query);
    return { ...page, items: page.items.map(summaryView) };
  }

  /** By id; else by an alias exactly one record has (several: 404 saying how to list them). */
  async get(ctx: RequestContext, idOrAlias: string): Promise<AdvisoryDetail> {
    principalOf(ctx);
    const found = await this.deps.store.advisories.findByIdOrAlias(idOrAlias);
    if (found.length === 0) {
      throw new AppError('not_found', `No imported advisory has the id or alias "${idOrAlias}"; search with GET /api/v1/advisories?q=…, or import advisories with \`patchwarden advisories import\`.`);
    }
    if (found.length > 1) {
      const shown = found.slice(0, 5).map((a) => a.record.id).join(', ');
      throw new AppError(
        'not_found',
        `${found.length} advisories name "${idOrAlias}" (${shown}${found.length > 5 ? ', …' : ''}), so it does not identify one; list them with GET /api/v1/advisories?cve=${encodeURIComponent(idOrAlias)}.`,
      );
    }
    const stored = found[0]!;
    const summary = await this.deps.store.advisories.summaryOf(stored.record.id);
    if (summary === undefined) throw new AppError('not_found', `Advisory "${stored.record.id}" was removed meanwhile; search again with GET /api/v1/advisories.`);
    const { record } = stored;
    return {
      ...summaryView(summary),
      details: record.details ?? null,
      affected: affectedInWords(record.affected ?? []),
      references: (record.references ?? []).map((r) => ({ type: r.type, url: r.url })),
      record: record as unknown as Record<string, unknown>,
    };
  }
}
