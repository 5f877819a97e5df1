import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Windows routes (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function windowsRoutes(router: Router, s: Services): void {}
