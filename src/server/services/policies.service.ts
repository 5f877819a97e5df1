import type { ServiceDeps } from './context.js';

/** Policies (issue 6). */
export class PoliciesService {
  constructor(protected readonly deps: ServiceDeps) {}
}
