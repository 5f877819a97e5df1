import type { ServiceDeps } from './context.js';

/** Windows (issue 6). */
export class WindowsService {
  constructor(protected readonly deps: ServiceDeps) {}
}
