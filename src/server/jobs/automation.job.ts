import type pino from 'pino';
import type { ServerConfig } from '../config.js';
import type { Clock } from '../services/context.js';
import type { Services } from '../services/index.js';
import type { Store } from '../../store/index.js';
import { AutomationEngine } from '../automation/engine.js';

export interface AutomationJobDeps {
  store: Store;
  clock: Clock;
  logger: pino.Logger;
  config: ServerConfig;
  services: Services;
}

/**
 * The automation background job: every `automationIntervalMs` the engine claims the runnable
 * executions (leases through the database, `automationLeaseSeconds`) and advances them. Ticks
 * never overlap. `stop()` ends the ticks and releases this holder's leases (another replica takes
 * over at once); `stop({ release: false })` leaves them to expire (as a crash would).
 */
export function startAutomationJob(deps: AutomationJobDeps, holder: string): { stop: (opts?: { release?: boolean }) => Promise<void>; engine: AutomationEngine; tick: () => Promise<void> } {
  const engine = new AutomationEngine(deps, holder);
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    if (stopped || running !== undefined) return running;
    running = (async () => {
      try {
        await engine.runOnce();
      } catch (err) {
        deps.logger.warn({ err }, 'automation job failed');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void tick(), deps.config.automationIntervalMs);
  timer.unref();
  void tick();
  return {
    engine,
    tick,
    async stop(opts = {}) {
      stopped = true;
      clearInterval(timer);
      await running;
      if (opts.release !== false) await engine.releaseAll().catch((err: unknown) => deps.logger.warn({ err }, 'releasing execution leases failed'));
    },
  };
}
