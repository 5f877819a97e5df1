import type { AnyEndpoint } from './endpoint.js';

/** The windows endpoints (issue 6), spread into api.ts `endpoints`. */
export const windowsEndpoints = {} satisfies Record<string, AnyEndpoint>;
