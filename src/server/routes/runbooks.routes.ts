import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Runbooks routes (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function runbooksRoutes(router: Router, s: Services): void {}
