import type { ServiceDeps } from './context.js';

/** Executions (issue 6). */
export class ExecutionsService {
  constructor(protected readonly deps: ServiceDeps) {}
}
