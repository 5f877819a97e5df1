import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** The imported advisories: search and one record (any signed-in user: public data). */
export function advisoriesRoutes(router: Router, s: Services): void {
  router.route(api.listAdvisories, ({ ctx, query }) => s.advisories.list(ctx, query));
  router.route(api.getAdvisory, ({ ctx, params }) => s.advisories.get(ctx, params.advisoryId));
}
