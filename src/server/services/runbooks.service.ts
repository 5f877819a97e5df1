import type { ServiceDeps } from './context.js';

/** Runbooks (issue 6). */
export class RunbooksService {
  constructor(protected readonly deps: ServiceDeps) {}
}
