import { BUILTIN_RUNBOOKS } from '../../domain/automation/builtin.js';
import type { Runbook } from '../../domain/automation/runbook.js';
import { AppError } from '../../domain/errors.js';
import type { Repositories } from '../../store/index.js';

/** A runbook version as an execution runs it. */
export interface ResolvedRunbook {
  id: string;
  /** Null for a built-in runbook. */
  accountId: string | null;
  name: string;
  version: number;
  runbook: Runbook;
}

/**
 * The runbook an execution of `accountId` names: a built-in (id or name; version 1, visible to
 * every account) or a runbook of the account (id or name, not deleted), at `version` or its latest.
 * No access check: the caller has checked the account. Throws AppError not_found naming the ref.
 */
export async function resolveRunbook(repos: Repositories, accountId: string, ref: string, version?: number): Promise<ResolvedRunbook> {
  const builtin = BUILTIN_RUNBOOKS.find((b) => b.id === ref || b.runbook.name === ref);
  // A runbook of the account with the built-in's name wins over the built-in (by name only).
  const own = builtin?.id === ref ? undefined : ((await repos.runbooks.getByName(accountId, ref)) ?? (await ownById(repos, accountId, ref)));
  if (own === undefined && builtin !== undefined) {
    if (version !== undefined && version !== 1) {
      throw new AppError('not_found', `Built-in runbook "${builtin.runbook.name}" has only version 1, not ${version}; leave the version out.`);
    }
    return { id: builtin.id, accountId: null, name: builtin.runbook.name, version: 1, runbook: builtin.runbook };
  }
  if (own === undefined) {
    throw new AppError('not_found', `Runbook "${ref}" is neither built-in nor a runbook of account "${accountId}"; list them with \`patchwarden runbooks list --account ${accountId}\`.`);
  }
  const v = version ?? own.latestVersion;
  const stored = await repos.runbooks.getVersion(own.id, v);
  if (stored === undefined) {
    throw new AppError('not_found', `Runbook "${own.name}" (${own.id}) has no version ${v}; its versions are 1 to ${own.latestVersion} (\`patchwarden runbooks versions ${own.id}\`).`);
  }
  return { id: own.id, accountId: own.accountId, name: own.name, version: v, runbook: stored.runbook };
}

async function ownById(repos: Repositories, accountId: string, id: string) {
  const r = await repos.runbooks.get(id);
  return r !== undefined && r.accountId === accountId && r.deletedAt === null ? r : undefined;
}
