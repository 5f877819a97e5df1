import type { ServiceDeps } from './context.js';

/** Delegations (issue 6). */
export class DelegationsService {
  constructor(protected readonly deps: ServiceDeps) {}
}
