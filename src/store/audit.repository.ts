import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry } from '../contracts/api.js';
import { containsIgnoreCase, fetchPage, startsWith, type Page, type PageRequest } from './paging.js';
import type { AuditLogTable, Database } from './schema.js';

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditFilter {
  /** Only entries of these accounts ('all' for every entry, including organization-level ones). */
  accounts: 'all' | readonly string[];
  accountId?: string | undefined;
  actorId?: string | undefined;
  /** Exact action, or a prefix when it ends with `*`. */
  action?: string | undefined;
  outcome?: string | undefined;
  targetId?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  q?: string | undefined;
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  let details: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.details);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) details = parsed as Record<string, unknown>;
  } catch {
    details = { unparsable: row.details };
  }
  return {
    id: Number(row.id),
    at: row.at,
    actorType: row.actor_type as AuditEntry['actorType'],
    actorId: row.actor_id,
    actorName: row.actor_name,
    via: row.via,
    action: row.action,
    outcome: row.outcome as AuditEntry['outcome'],
    targetType: row.target_type,
    targetId: row.target_id,
    accountId: row.account_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details,
  };
}

/** The append-only audit log: entries are inserted, never updated or deleted (the database enforces it). */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: NewAuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at: e.at,
        actor_type: e.actorType,
        actor_id: e.actorId,
        actor_name: e.actorName,
        via: e.via,
        action: e.action,
        outcome: e.outcome,
        target_type: e.targetType,
        target_id: e.targetId,
        account_id: e.accountId,
        ip: e.ip,
        user_agent: e.userAgent,
        request_id: e.requestId,
        details: JSON.stringify(e.details),
      })
      .execute();
  }

  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (filter.accounts !== 'all') {
      if (filter.accounts.length === 0) return { items: [], total: 0, limit: page.limit, offset: page.offset };
      q = q.where('account_id', 'in', filter.accounts);
    }
    if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
    if (filter.actorId !== undefined) q = q.where('actor_id', '=', filter.actorId);
    if (filter.action !== undefined) {
      const action = filter.action;
      q = action.endsWith('*') ? q.where(startsWith('action', action.slice(0, -1))) : q.where('action', '=', action);
    }
    if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
    if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId);
    if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
    if (filter.until !== undefined) q = q.where('at', '<', filter.until);
    if (filter.q !== undefined) {
      const term = filter.q;
      q = q.where((eb) => eb.or([containsIgnoreCase('actor_name', term), containsIgnoreCase('action', term), containsIgnoreCase('details', term)]));
    }
    return fetchPage(q, page, { at: 'at' }, 'id', toEntry);
  }
}
