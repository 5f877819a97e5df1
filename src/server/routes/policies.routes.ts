import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Policies routes (issue 6). */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function policiesRoutes(router: Router, s: Services): void {}
