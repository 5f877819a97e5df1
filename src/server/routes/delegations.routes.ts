import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Delegations routes (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function delegationsRoutes(router: Router, s: Services): void {}
