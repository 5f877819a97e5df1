import type { AnyEndpoint } from './endpoint.js';

/** The executions endpoints (issue 6), spread into api.ts `endpoints`. */
export const executionsEndpoints = {} satisfies Record<string, AnyEndpoint>;
