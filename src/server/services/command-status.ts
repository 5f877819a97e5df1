import type { CommandStatus } from '../../contracts/api.js';
import type { Repositories } from '../../store/index.js';

const ACTIVE = new Set(['Pending', 'InProgress']);

/**
 * A command's status from its invocations: Pending while none started, InProgress while any runs,
 * then Success when all succeeded, Cancelled when cancelled without failures, else Failed.
 */
export function deriveCommandStatus(counts: Record<string, number>): CommandStatus {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const n = (s: string) => counts[s] ?? 0;
  if (total === 0) return 'Success';
  if (n('Pending') === total) return 'Pending';
  if (Object.keys(counts).some((s) => ACTIVE.has(s) && n(s) > 0)) return 'InProgress';
  if (n('Success') === total) return 'Success';
  if (n('Failed') + n('TimedOut') + n('Undeliverable') > 0) return 'Failed';
  return 'Cancelled';
}

/** Stores the derived status on the command (for listing and, later, for rate control). */
export async function refreshCommandStatus(tx: Repositories, commandId: string): Promise<void> {
  await tx.commands.lockForStatus(commandId);
  const counts = (await tx.commands.counts([commandId])).get(commandId) ?? {};
  await tx.commands.setStatus(commandId, deriveCommandStatus(counts));
}
