import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Resource groups (saved tag queries) and patch snapshots. */
export function targetRoutes(router: Router, s: Services): void {
  router.route(api.listResourceGroups, ({ ctx, params, query }) => s.resourceGroups.list(ctx, params.accountId, query));
  router.route(api.createResourceGroup, ({ ctx, params, body }) => s.resourceGroups.create(ctx, params.accountId, body));
  router.route(api.getResourceGroup, ({ ctx, params }) => s.resourceGroups.get(ctx, params.accountId, params.groupId));
  router.route(api.updateResourceGroup, ({ ctx, params, body }) => s.resourceGroups.update(ctx, params.accountId, params.groupId, body));
  router.route(api.deleteResourceGroup, ({ ctx, params }) => s.resourceGroups.delete(ctx, params.accountId, params.groupId));
  router.route(api.listResourceGroupNodes, ({ ctx, params, query }) => s.resourceGroups.nodes(ctx, params.accountId, params.groupId, query));
  router.route(api.createSnapshot, ({ ctx, params, body }) => s.snapshots.create(ctx, params.accountId, body));
  router.route(api.listSnapshots, ({ ctx, query }) => s.snapshots.list(ctx, query));
  router.route(api.getSnapshot, ({ ctx, params, query }) => s.snapshots.get(ctx, params.snapshotId, query));
}
