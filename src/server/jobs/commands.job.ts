import type pino from 'pino';
import type { Store } from '../../store/index.js';
import type { Clock } from '../services/context.js';
import { dispatchCommands, expireAndDispatch } from '../services/dispatch.js';
import type { InvocationNotifier } from '../services/invocation-notifier.js';

const LEASE = 'job:commands';

export interface CommandsSweepDeps {
  store: Store;
  clock: Clock;
  notifier: InvocationNotifier;
}

/**
 * One sweep: ends invocations past their deadline (Undeliverable / TimedOut) and dispatches the
 * commands they belong to, then every command that still has waiting invocations (a dispatch
 * lost to a crash between a result and its dispatch is made up here). Returns how many commands
 * were looked at.
 */
export async function sweepCommands(deps: CommandsSweepDeps): Promise<{ expired: number; dispatched: number }> {
  const expired = await expireAndDispatch(deps, deps.notifier);
  const waiting = await deps.store.commands.withWaiting(500);
  await dispatchCommands(deps, deps.notifier, waiting);
  return { expired: expired.length, dispatched: waiting.length };
}

/**
 * Every `intervalMs`, sweeps the commands, so deadlines and rate control do not depend on someone
 * reading a command or an agent polling. With several replicas, a database lease makes one of them
 * do it.
 */
export function startCommandsJob(deps: CommandsSweepDeps & { logger: pino.Logger }, holder: string, intervalMs = 15_000): () => void {
  const run = async (): Promise<void> => {
    const now = deps.clock();
    try {
      const leased = await deps.store.leases.acquire(LEASE, holder, now.toISOString(), new Date(now.getTime() + intervalMs).toISOString());
      if (!leased) return;
      const r = await sweepCommands(deps);
      if (r.expired > 0) deps.logger.info({ commands: r.expired }, 'overdue invocations expired');
    } catch (err) {
      deps.logger.warn({ err }, 'commands job failed');
    }
  };
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
