import type pino from 'pino';
import type { Store } from '../../store/index.js';
import type { Clock } from '../services/context.js';

const LEASE = 'job:cleanup';

/**
 * Every `intervalMs`, removes expired sessions and old sign-in attempts. With several replicas,
 * a database lease makes one of them do it.
 */
export function startCleanupJob(deps: { store: Store; clock: Clock; logger: pino.Logger; loginWindowMinutes: number }, holder: string, intervalMs = 5 * 60_000): () => void {
  const run = async (): Promise<void> => {
    const now = deps.clock();
    try {
      const leased = await deps.store.leases.acquire(LEASE, holder, now.toISOString(), new Date(now.getTime() + intervalMs).toISOString());
      if (!leased) return;
      const sessions = await deps.store.sessions.deleteExpired(now.toISOString());
      await deps.store.loginAttempts.deleteOlderThan(new Date(now.getTime() - 2 * deps.loginWindowMinutes * 60_000).toISOString());
      if (sessions > 0) deps.logger.info({ sessions }, 'expired sessions removed');
    } catch (err) {
      deps.logger.warn({ err }, 'cleanup job failed');
    }
  };
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
