import type pino from 'pino';
import type { Store } from '../../store/index.js';
import type { Clock } from '../services/context.js';
import type { ComplianceService } from '../services/compliance.service.js';

const LEASE = 'job:compliance';
/** Nodes re-evaluated per run at most (the rest wait for the next run). */
const PER_RUN = 5000;

/**
 * Every `intervalMs`, re-evaluates nodes whose compliance is stale (a baseline, a patch-group
 * registration, the SLA days or the advisories changed; an evaluation after an agent request failed)
 * and nodes whose next SLA due date passed, so overdue counts stay true. With several replicas a
 * database lease makes one of them do it. Returns a function that stops the job; `runOnce` is for tests.
 */
export function startComplianceJob(
  deps: { store: Store; clock: Clock; logger: pino.Logger; compliance: ComplianceService },
  holder: string,
  intervalMs = 30_000,
): { stop: () => void; runOnce: () => Promise<number> } {
  let running = false;
  const runOnce = async (): Promise<number> => {
    if (running) return 0;
    running = true;
    try {
      const now = deps.clock();
      // The lease outlives one interval so a long run is not taken over midway.
      const leased = await deps.store.leases.acquire(LEASE, holder, now.toISOString(), new Date(now.getTime() + 2 * intervalMs).toISOString());
      if (!leased) return 0;
      const report = await deps.compliance.reevaluateStale(PER_RUN);
      if (report.evaluated > 0) deps.logger.info({ evaluated: report.evaluated, unknown: report.unknown, history: report.historyEntries }, 'stale compliance re-evaluated');
      // Recompute the patch summary of the accounts the pass (or agent reports meanwhile) changed, so reads rarely pay it.
      const refreshed = await deps.store.compliance.refreshPatchSummary();
      if (refreshed > 0) deps.logger.debug({ accounts: refreshed }, 'patch summary refreshed');
      return report.evaluated;
    } catch (err) {
      deps.logger.warn({ error: (err as Error).message }, 'compliance job failed');
      return 0;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
