import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Runbooks routes (issue 6). */
export function runbooksRoutes(router: Router, s: Services): void {
  router.route(api.listRunbooks, ({ ctx, query }) => s.runbooks.list(ctx, query));
  router.route(api.createRunbook, ({ ctx, params, body }) => s.runbooks.create(ctx, params.accountId, body.content));
  router.route(api.getRunbook, ({ ctx, params, query }) => s.runbooks.get(ctx, params.runbookId, query.version));
  router.route(api.updateRunbook, ({ ctx, params, body }) => s.runbooks.update(ctx, params.runbookId, body.content));
  router.route(api.deleteRunbook, ({ ctx, params }) => s.runbooks.delete(ctx, params.runbookId));
  router.route(api.listRunbookVersions, ({ ctx, params }) => s.runbooks.versions(ctx, params.runbookId));
  router.route(api.validateRunbook, ({ ctx, body }) => s.runbooks.validate(ctx, body.content));
}
