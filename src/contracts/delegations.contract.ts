import type { AnyEndpoint } from './endpoint.js';

/** The delegations endpoints (issue 6), spread into api.ts `endpoints`. */
export const delegationsEndpoints = {} satisfies Record<string, AnyEndpoint>;
