import type { AnyEndpoint } from './endpoint.js';

/** The policies endpoints (issue 6), spread into api.ts `endpoints`. */
export const policiesEndpoints = {} satisfies Record<string, AnyEndpoint>;
