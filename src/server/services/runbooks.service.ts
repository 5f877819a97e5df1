import { BUILTIN_RUNBOOKS, builtinRunbook, type BuiltinRunbook } from '../../domain/automation/builtin.js';
import { parseRunbook, type RunbookError } from '../../domain/automation/parse.js';
import type { Runbook } from '../../domain/automation/runbook.js';
import { readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { RunbookDetail, RunbookListQuery, RunbookSummary, RunbookValidation, RunbookVersion } from '../../contracts/api.js';
import { isUniqueViolation, newId, type Page, type RunbookRecord, type RunbookVersionRecord } from '../../store/index.js';
import { auditEntry, principalOf, requireAccountAccess, requireObjectAccess, type RequestContext, type ServiceDeps } from './context.js';

/** At most this many runbooks (not deleted) per account. */
const MAX_RUNBOOKS = 500;

function builtinSummary(b: BuiltinRunbook): RunbookSummary {
  return {
    id: b.id,
    accountId: null,
    name: b.runbook.name,
    description: b.runbook.description,
    builtin: true,
    latestVersion: 1,
    stepCount: b.runbook.steps.length,
    createdAt: null,
    createdBy: null,
    updatedAt: null,
    deletedAt: null,
  };
}

function builtinDetail(b: BuiltinRunbook): RunbookDetail {
  return { ...builtinSummary(b), version: 1, versionCreatedAt: null, versionCreatedBy: null, content: b.text, runbook: b.runbook as unknown as RunbookDetail['runbook'] };
}

function summary(r: RunbookRecord): RunbookSummary {
  return {
    id: r.id,
    accountId: r.accountId,
    name: r.name,
    description: r.description,
    builtin: false,
    latestVersion: r.latestVersion,
    stepCount: r.stepCount,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    updatedAt: r.updatedAt,
    deletedAt: r.deletedAt,
  };
}

function detail(r: RunbookRecord, v: RunbookVersionRecord): RunbookDetail {
  return {
    ...summary(r),
    version: v.version,
    versionCreatedAt: v.createdAt,
    versionCreatedBy: v.createdBy,
    content: v.content,
    runbook: v.runbook as unknown as RunbookDetail['runbook'],
  };
}

/** A 400 listing every error of the YAML (`details: [{ line, path, message }]`). */
export function invalidRunbook(errors: RunbookError[]): AppError {
  const first = errors[0]!;
  const where = first.path === '' ? `line ${first.line}` : `line ${first.line}, ${first.path}`;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''}; see details)` : '';
  return new AppError('validation', `The runbook is not valid: ${where}: ${first.message}${more}. Check it with \`patchwarden runbooks validate --file <file>\`.`, {
    details: errors,
  });
}

/**
 * Runbooks: versioned YAML documents of accounts, plus the built-ins (every account sees them, as
 * version 1; they cannot be changed). Viewers read them; creating, changing and deleting them
 * needs the admin role (they decide what executions do on the nodes).
 */
export class RunbooksService {
  constructor(protected readonly deps: ServiceDeps) {}

  private hidden(runbookId: string): string {
    return `Runbook "${runbookId}" does not exist or is not yours to see; list them with \`patchwarden runbooks list\`.`;
  }

  private async record(ctx: RequestContext, runbookId: string, action: 'read' | 'manage'): Promise<RunbookRecord> {
    const r = await this.deps.store.runbooks.get(runbookId);
    if (r === undefined) {
      principalOf(ctx);
      throw new AppError('not_found', this.hidden(runbookId));
    }
    requireObjectAccess(ctx, r.accountId, action, this.hidden(runbookId));
    return r;
  }

  private async requireAccount(ctx: RequestContext, accountId: string, action: 'read' | 'manage'): Promise<void> {
    requireAccountAccess(ctx, accountId, action);
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
  }

  private parse(content: string): Runbook {
    const result = parseRunbook(content);
    if (!result.ok) throw invalidRunbook(result.errors);
    return result.runbook;
  }

  private refuseBuiltin(runbookId: string, verb: string): void {
    const b = builtinRunbook(runbookId);
    if (b !== undefined && b.id === runbookId) {
      throw new AppError('conflict', `Built-in runbook "${b.runbook.name}" cannot be ${verb}; copy it (\`patchwarden runbooks show ${b.id} --content > my.yaml\`), rename it and create your own with \`patchwarden runbooks create --account <account> --file my.yaml\`.`);
    }
  }

  async list(ctx: RequestContext, query: RunbookListQuery): Promise<Page<RunbookSummary>> {
    const accounts = readableAccounts(principalOf(ctx));
    if (query.accountId !== undefined) requireAccountAccess(ctx, query.accountId, 'read');
    const term = query.q?.toLowerCase();
    const desc = query.sort.startsWith('-');
    const builtins =
      query.builtin === false
        ? []
        : BUILTIN_RUNBOOKS.filter((b) => term === undefined || b.runbook.name.includes(term))
            .map(builtinSummary)
            .sort((a, b) => (desc ? -1 : 1) * a.name.localeCompare(b.name));
    // Built-ins first, then the stored ones: the window is cut across both.
    const fromBuiltin = builtins.slice(query.offset, query.offset + query.limit);
    if (query.builtin === true) return { items: fromBuiltin, total: builtins.length, limit: query.limit, offset: query.offset };
    const storedOffset = Math.max(0, query.offset - builtins.length);
    const storedLimit = query.limit - fromBuiltin.length;
    const stored = await this.deps.store.runbooks.list({ accounts, accountId: query.accountId, q: query.q }, { limit: Math.max(1, storedLimit), offset: storedOffset, sort: query.sort });
    const items = [...fromBuiltin, ...(storedLimit > 0 ? stored.items.map(summary) : [])];
    return { items, total: builtins.length + stored.total, limit: query.limit, offset: query.offset };
  }

  async get(ctx: RequestContext, runbookId: string, version?: number): Promise<RunbookDetail> {
    const b = builtinRunbook(runbookId);
    if (b !== undefined && b.id === runbookId) {
      principalOf(ctx);
      if (version !== undefined && version !== 1) throw new AppError('not_found', `Built-in runbook "${b.runbook.name}" has only version 1.`);
      return builtinDetail(b);
    }
    const r = await this.record(ctx, runbookId, 'read');
    const v = await this.deps.store.runbooks.getVersion(r.id, version ?? r.latestVersion);
    if (v === undefined) throw new AppError('not_found', `Runbook "${r.name}" (${r.id}) has no version ${version}; its versions are 1 to ${r.latestVersion}.`);
    return detail(r, v);
  }

  async versions(ctx: RequestContext, runbookId: string): Promise<{ items: RunbookVersion[] }> {
    const b = builtinRunbook(runbookId);
    if (b !== undefined && b.id === runbookId) {
      principalOf(ctx);
      return { items: [{ version: 1, createdAt: null, createdBy: null }] };
    }
    const r = await this.record(ctx, runbookId, 'read');
    const items = await this.deps.store.runbooks.versions(r.id);
    return { items: items.map((v) => ({ version: v.version, createdAt: v.createdAt, createdBy: v.createdBy })) };
  }

  /** Validates YAML without saving it (any signed-in user). */
   
  async validate(ctx: RequestContext, content: string): Promise<RunbookValidation> {
    principalOf(ctx);
    const result = parseRunbook(content);
    if (!result.ok) return { valid: false, errors: result.errors, runbook: null };
    return { valid: true, errors: [], runbook: result.runbook as unknown as RunbookValidation['runbook'] };
  }

  async create(ctx: RequestContext, accountId: string, content: string): Promise<RunbookDetail> {
    await this.requireAccount(ctx, accountId, 'manage');
    const principal = principalOf(ctx);
    const runbook = this.parse(content);
    if (builtinRunbook(runbook.name) !== undefined) {
      throw new AppError('conflict', `"${runbook.name}" is the name of a built-in runbook; choose another name (line 1: name).`);
    }
    if ((await this.deps.store.runbooks.countOf(accountId)) >= MAX_RUNBOOKS) {
      throw new AppError('conflict', `Account "${accountId}" has ${MAX_RUNBOOKS} runbooks, the most it may have; delete unused ones first.`);
    }
    const now = this.deps.clock().toISOString();
    const record: RunbookRecord = {
      id: newId('rb'),
      accountId,
      name: runbook.name,
      description: runbook.description,
      latestVersion: 1,
      stepCount: runbook.steps.length,
      createdAt: now,
      createdBy: principal.username,
      updatedAt: now,
      deletedAt: null,
      deletedBy: null,
    };
    const version: RunbookVersionRecord = { runbookId: record.id, version: 1, content, runbook, createdAt: now, createdBy: principal.username };
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.runbooks.insert(record, version);
        await tx.audit.append(
          auditEntry(ctx, this.deps.clock(), { action: 'runbook.create', targetType: 'runbook', targetId: record.id, accountId, details: { name: record.name, version: 1, steps: runbook.steps.length } }),
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError('conflict', `Account "${accountId}" has a runbook named "${runbook.name}" already; save a new version of it with \`patchwarden runbooks update <id> --file <file>\`, or choose another name.`, { cause: err });
      }
      throw err;
    }
    return detail(record, version);
  }

  async update(ctx: RequestContext, runbookId: string, content: string): Promise<RunbookDetail> {
    this.refuseBuiltin(runbookId, 'changed');
    const current = await this.record(ctx, runbookId, 'manage');
    if (current.deletedAt !== null) throw new AppError('conflict', `Runbook "${current.name}" (${runbookId}) was deleted at ${current.deletedAt}; create it again instead.`);
    const principal = principalOf(ctx);
    const runbook = this.parse(content);
    if (runbook.name !== current.name) {
      const line = parseLineOfName(content);
      throw new AppError('validation', `The runbook's name must not change ("${current.name}", not "${runbook.name}"); to rename, create a new runbook and delete this one.`, {
        details: [{ line, path: 'name', message: `the name must stay "${current.name}"` }],
      });
    }
    const now = this.deps.clock().toISOString();
    const version: RunbookVersionRecord = { runbookId, version: current.latestVersion + 1, content, runbook, createdAt: now, createdBy: principal.username };
    const next: RunbookRecord = { ...current, latestVersion: version.version, stepCount: runbook.steps.length, description: runbook.description, updatedAt: now };
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.runbooks.addVersion(version, runbook.description, now))) {
        throw new AppError('conflict', `Runbook "${current.name}" (${runbookId}) changed meanwhile (it is no longer at version ${current.latestVersion}); show it again and retry.`);
      }
      await tx.audit.append(
        auditEntry(ctx, this.deps.clock(), {
          action: 'runbook.update',
          targetType: 'runbook',
          targetId: runbookId,
          accountId: current.accountId,
          details: { name: current.name, version: version.version, previousVersion: current.latestVersion, steps: runbook.steps.length },
        }),
      );
    });
    return detail(next, version);
  }

  async delete(ctx: RequestContext, runbookId: string): Promise<void> {
    this.refuseBuiltin(runbookId, 'deleted');
    const current = await this.record(ctx, runbookId, 'manage');
    const principal = principalOf(ctx);
    if (current.deletedAt !== null) throw new AppError('not_found', `Runbook "${current.name}" (${runbookId}) is deleted already.`);
    const now = this.deps.clock().toISOString();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.runbooks.markDeleted(runbookId, now, principal.username))) throw new AppError('not_found', `Runbook "${current.name}" (${runbookId}) is deleted already.`);
      await tx.audit.append(
        auditEntry(ctx, this.deps.clock(), { action: 'runbook.delete', targetType: 'runbook', targetId: runbookId, accountId: current.accountId, details: { name: current.name, latestVersion: current.latestVersion } }),
      );
    });
  }
}

/** The 1-based line of the top-level `name:` key (1 when not found). */
function parseLineOfName(content: string): number {
  const i = content.split('\n').findIndex((l) => /^name\s*:/.test(l));
  return i < 0 ? 1 : i + 1;
}
