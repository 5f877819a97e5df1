import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Patch baselines, account defaults, patch groups, the effective baseline of a node and previews. */
export function baselineRoutes(router: Router, s: Services): void {
  router.route(api.listBaselines, ({ ctx, query }) => s.baselines.list(ctx, query));
  router.route(api.createBaseline, ({ ctx, params, body }) => s.baselines.create(ctx, params.accountId, body));
  router.route(api.getBaseline, ({ ctx, params }) => s.baselines.get(ctx, params.baselineId));
  router.route(api.updateBaseline, ({ ctx, params, body }) => s.baselines.update(ctx, params.baselineId, body));
  router.route(api.deleteBaseline, ({ ctx, params }) => s.baselines.delete(ctx, params.baselineId));
  router.route(api.listDefaultBaselines, ({ ctx, params }) => s.baselines.defaults(ctx, params.accountId));
  router.route(api.setDefaultBaseline, ({ ctx, params, body }) => s.baselines.setDefault(ctx, params.accountId, params.operatingSystem, body.baselineId));
  router.route(api.clearDefaultBaseline, ({ ctx, params }) => s.baselines.clearDefault(ctx, params.accountId, params.operatingSystem));
  router.route(api.listPatchGroups, ({ ctx, params, query }) => s.baselines.patchGroups(ctx, params.accountId, query.patchGroup));
  router.route(api.registerPatchGroup, ({ ctx, params, body }) => s.baselines.registerPatchGroup(ctx, params.accountId, params.patchGroup, params.operatingSystem, body.baselineId));
  router.route(api.deregisterPatchGroup, ({ ctx, params }) => s.baselines.deregisterPatchGroup(ctx, params.accountId, params.patchGroup, params.operatingSystem));
  router.route(api.getNodeBaseline, ({ ctx, params }) => s.baselines.nodeBaseline(ctx, params.nodeId));
  router.route(api.previewBaseline, ({ ctx, params, body }) => s.baselines.preview(ctx, params.accountId, body));
}
