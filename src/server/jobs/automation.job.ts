import type pino from 'pino';
import type { ServerConfig } from '../config.js';
import type { Clock } from '../services/context.js';
import type { Services } from '../services/index.js';
import type { Store } from '../../store/index.js';

export interface AutomationJobDeps {
  store: Store;
  clock: Clock;
  logger: pino.Logger;
  config: ServerConfig;
  services: Services;
}

/** Issue 6: the automation background job (filled in by its owner). Returns a function that stops it. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function startAutomationJob(deps: AutomationJobDeps, holder: string): { stop: () => void } {
  return { stop: () => undefined };
}
