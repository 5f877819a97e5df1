import type pino from 'pino';
import { isUniqueViolation, newId, pendingScan, type DepRepositoryRecord, type DepScanRecord, type Store } from '../../store/index.js';
import type { ServerConfig } from '../config.js';
import type { Clock } from '../services/context.js';
import type { Services } from '../services/index.js';
import { nextScanOf } from '../services/repository-views.js';
import { runRepositoryScan, type ScanRunnerDeps } from '../services/repository-scan.js';

const LEASE = 'job:deps';
/** Scans one tick runs at most (the rest wait for the next tick). */
const SCANS_PER_TICK = 20;

export interface DepsJobDeps {
  store: Store;
  clock: Clock;
  logger: pino.Logger;
  config: ServerConfig;
}

/** What one tick did (for tests and logs). */
export interface DepsTickReport {
  /** This server held the planning lease. */
  leased: boolean;
  /** Scheduled scans created. */
  scheduled: string[];
  /** Running scans of stopped servers ended. */
  expired: string[];
  /** Scans this server ran, with how they ended. */
  ran: { scanId: string; status: DepScanRecord['status'] }[];
}

/** Runs one claimed scan (the real runner clones, scans and opens pull requests; tests may wrap it). */
export type ScanRunner = (scan: DepScanRecord, holder: string) => Promise<DepScanRecord['status']>;

/**
 * The dependency job: each tick, under the lease `job:deps` (one replica plans), creates a scan for
 * every enabled repository whose scheduled scan is due (once per scheduled time, however many
 * replicas tick; unique per repository and time) and moves its next scan on, and ends the running
 * scans whose server stopped (their claim expired). Then every replica claims waiting scans one at
 * a time (PENDING → IN_PROGRESS with a conditional UPDATE, never two of one repository at once) and
 * runs them, renewing its claim while it works.
 */
export class DepsJob {
  private readonly runner: ScanRunner;

  constructor(
    private readonly deps: DepsJobDeps & Partial<Pick<ScanRunnerDeps, 'env' | 'fix'>>,
    private readonly holder: string,
    runner?: ScanRunner,
  ) {
    this.runner = runner ?? ((scan, holder) => runRepositoryScan(this.deps, scan, holder));
  }

  /** How long a claim on a running scan holds without renewal. */
  private leaseMs(): number {
    return Math.max(120_000, this.deps.config.depsIntervalSeconds * 4000);
  }

  /** One tick at `now` (an injected clock in tests). */
  async runOnce(now: Date): Promise<DepsTickReport> {
    const report: DepsTickReport = { leased: false, scheduled: [], expired: [], ran: [] };
    const planLeaseMs = Math.max(60_000, this.deps.config.depsIntervalSeconds * 2000);
    if (await this.deps.store.leases.acquire(LEASE, this.holder, now.toISOString(), new Date(now.getTime() + planLeaseMs).toISOString())) {
      report.leased = true;
      for (const r of await this.deps.store.depRepositories.dueForScan(now.toISOString())) {
        try {
          const id = await this.schedule(r, now);
          if (id !== null) report.scheduled.push(id);
        } catch (err) {
          this.deps.logger.warn({ err, repositoryId: r.id }, 'repository scan could not be scheduled');
        }
      }
      for (const s of await this.deps.store.depRepositories.expiredScans(now.toISOString())) {
        // Findings stored before the server stopped (during the pull request step) stay; the scan ends with them.
        const stored = s.commit !== null;
        const ended = await this.deps.store.depRepositories.finishScan(s.id, null, {
          status: stored ? (s.errors.length > 0 ? 'PARTIAL' : 'SUCCESS') : 'FAILED',
          endedAt: now.toISOString(),
          error: stored ? 'the server running the pull request step stopped; its findings are stored, pull requests were not all updated' : 'interrupted: the server running the scan stopped; scan again',
        });
        if (ended) report.expired.push(s.id);
      }
    }
    for (let i = 0; i < SCANS_PER_TICK; i++) {
      const ran = await this.runNext(now);
      if (ran === null) break;
      report.ran.push(ran);
    }
    return report;
  }

  /** Creates the due scheduled scan of a repository (unless one waits or runs) and moves its next scan on. */
  private async schedule(r: DepRepositoryRecord, now: Date): Promise<string | null> {
    const due = r.nextScanAt;
    if (due === null) return null;
    const next = nextScanOf(r, now);
    const created = await this.deps.store.transaction(async (tx): Promise<string | null> => {
      // Another replica (or tick) moved it on first: nothing to do.
      if (!(await tx.depRepositories.setNextScanAt(r.id, due, next))) return null;
      if (await tx.depRepositories.hasActiveScan(r.id)) return null;
      const scan = pendingScan({ id: newId('rscan'), repository: r, trigger: 'schedule', requestedBy: null, scheduledFor: due, now });
      await tx.depRepositories.insertScan(scan);
      return scan.id;
    }).catch((err: unknown) => {
      if (isUniqueViolation(err)) return null;
      throw err;
    });
    if (created !== null) this.deps.logger.info({ scanId: created, repositoryId: r.id, scheduledFor: due }, 'scheduled repository scan queued');
    return created;
  }

  /** Claims and runs the oldest waiting scan it can; null when there is none. */
  private async runNext(now: Date): Promise<DepsTickReport['ran'][number] | null> {
    for (const scan of await this.deps.store.depRepositories.pendingScans(50)) {
      const at = this.deps.clock();
      if (!(await this.deps.store.depRepositories.claimScan(scan.id, this.holder, at.toISOString(), new Date(Math.max(at.getTime(), now.getTime()) + this.leaseMs()).toISOString()))) continue;
      const renew = setInterval(() => {
        void this.deps.store.depRepositories.renewScan(scan.id, this.holder, new Date(this.deps.clock().getTime() + this.leaseMs()).toISOString()).catch(() => undefined);
      }, this.leaseMs() / 4);
      renew.unref();
      try {
        const status = await this.runner({ ...scan, status: 'IN_PROGRESS', holder: this.holder }, this.holder);
        return { scanId: scan.id, status };
      } catch (err) {
        this.deps.logger.warn({ err, scanId: scan.id }, 'repository scan failed');
        await this.deps.store.depRepositories.finishScan(scan.id, this.holder, { status: 'FAILED', endedAt: this.deps.clock().toISOString(), error: `the scan stopped on an internal error: ${(err as Error).message}` }).catch(() => undefined);
        return { scanId: scan.id, status: 'FAILED' };
      } finally {
        clearInterval(renew);
      }
    }
    return null;
  }
}

/**
 * Starts the dependency job: a tick every `depsIntervalSeconds`, and at once when a scan is queued
 * through this server (scanRepository). `stop` waits up to `graceMs` for a running scan.
 */
export function startDepsJob(deps: DepsJobDeps & { services: Services }, holder: string): { stop: (graceMs?: number) => Promise<void>; kick: () => void } {
  const job = new DepsJob(deps, holder);
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    if (running !== null) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await job.runOnce(deps.clock());
        } catch (err) {
          deps.logger.warn({ err }, 'dependency job failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  };
  const timer = setInterval(tick, deps.config.depsIntervalSeconds * 1000);
  timer.unref();
  deps.services.repositories.onScanQueued(tick);
  tick();
  return {
    kick: tick,
    stop: async (graceMs = 10_000) => {
      stopped = true;
      clearInterval(timer);
      deps.services.repositories.onScanQueued(null);
      if (running !== null) await Promise.race([running, new Promise((r) => setTimeout(r, graceMs).unref())]);
      await deps.store.leases.release(LEASE, holder).catch(() => undefined);
    },
  };
}
