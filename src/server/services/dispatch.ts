import { parseRateLimit, planDispatch, resolveRateLimit } from '../../domain/targets.js';
import type { Dialect, Repositories } from '../../store/index.js';
import { refreshCommandStatus } from './command-status.js';
import type { ServiceDeps } from './context.js';
import type { InvocationNotifier } from './invocation-notifier.js';

/**
 * Rate control of commands (shared/reference/aws-ssm-patch-manager.md §7.4). Invocations start
 * waiting (status Pending, `released_at` null: no agent can claim them); a dispatch releases as
 * many as `maxConcurrency` allows beside the ones in flight (released and not ended). Once the
 * failures (Failed, TimedOut, Undeliverable) exceed `maxErrors`, nothing more is released: the
 * waiting invocations end Cancelled ("not started: …") and the ones in flight finish. A dispatch
 * runs on send, after each result, after deadlines expire, and in the background sweep.
 */

/** One dispatch decision in a transaction: the command row locked (PostgreSQL) or writers serialised (SQLite). Returns the node ids released. */
export async function dispatchIn(tx: Repositories, dialect: Dialect, commandId: string, now: Date): Promise<string[]> {
  const command = await tx.commands.lockForDispatch(commandId, dialect === 'postgres');
  if (command === undefined || command.cancelledAt !== null) return [];
  const counts = await tx.commands.dispatchCounts(commandId);
  if (counts.queued === 0) return [];
  const concurrency = parseRateLimit(command.maxConcurrency) ?? { kind: 'count', value: 50 };
  const errors = parseRateLimit(command.maxErrors) ?? { kind: 'count', value: 0 };
  const maxErrors = resolveRateLimit(errors, counts.total, 'errors');
  const plan = planDispatch({
    inFlight: counts.inFlight,
    queued: counts.queued,
    failed: counts.failed,
    maxConcurrency: resolveRateLimit(concurrency, counts.total, 'concurrency'),
    maxErrors,
  });
  if (plan.stop) {
    const limit = command.maxErrors.endsWith('%') ? `${command.maxErrors} (${maxErrors} of ${counts.total})` : command.maxErrors;
    await tx.commands.cancelWaiting(commandId, now.toISOString(), `not started: ${counts.failed} failures exceeded maxErrors ${limit}`);
    await refreshCommandStatus(tx, commandId);
    return [];
  }
  if (plan.release === 0) return [];
  // From its release, an invocation has the command's timeout to be delivered (then to report).
  const deadline = new Date(now.getTime() + command.timeoutSeconds * 1000).toISOString();
  const released = await tx.commands.releaseWaiting(commandId, plan.release, now.toISOString(), deadline);
  await refreshCommandStatus(tx, commandId);
  return released;
}

/** Dispatches one command and wakes the long-polls of the nodes released. */
export async function dispatchCommand(deps: Pick<ServiceDeps, 'store' | 'clock'>, notifier: InvocationNotifier, commandId: string): Promise<void> {
  const released = await deps.store.transaction((tx) => dispatchIn(tx, deps.store.dialect, commandId, deps.clock()));
  for (const nodeId of released) notifier.notify(nodeId);
}

/** Dispatches several commands (those whose invocations just ended or expired). */
export async function dispatchCommands(deps: Pick<ServiceDeps, 'store' | 'clock'>, notifier: InvocationNotifier, commandIds: Iterable<string>): Promise<void> {
  for (const id of new Set(commandIds)) await dispatchCommand(deps, notifier, id);
}

/**
 * Ends invocations past their deadline (Undeliverable / TimedOut) — of one node, or all — and
 * dispatches the commands touched. Returns the ids of those commands.
 */
export async function expireAndDispatch(deps: Pick<ServiceDeps, 'store' | 'clock'>, notifier: InvocationNotifier, nodeId?: string): Promise<string[]> {
  const touched = await deps.store.transaction(async (tx) => {
    const ids = await tx.commands.expireOverdue(deps.clock().toISOString(), nodeId);
    for (const id of ids) await refreshCommandStatus(tx, id);
    return ids;
  });
  await dispatchCommands(deps, notifier, touched);
  return touched;
}
