import type { AnyEndpoint } from './endpoint.js';

/** The runbooks endpoints (issue 6), spread into api.ts `endpoints`. */
export const runbooksEndpoints = {} satisfies Record<string, AnyEndpoint>;
