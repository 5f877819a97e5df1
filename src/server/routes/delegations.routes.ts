import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Delegations and the organization's automation settings (issue 6). */
export function delegationsRoutes(router: Router, s: Services): void {
  router.route(api.listDelegations, ({ ctx, query }) => s.delegations.list(ctx, query));
  router.route(api.createDelegation, ({ ctx, params, body }) => s.delegations.grant(ctx, params.accountId, body));
  router.route(api.getDelegation, ({ ctx, params }) => s.delegations.get(ctx, params.delegationId));
  router.route(api.revokeDelegation, ({ ctx, params }) => s.delegations.revoke(ctx, params.delegationId));
  router.route(api.getAutomationSettings, ({ ctx }) => s.delegations.settings(ctx));
  router.route(api.updateAutomationSettings, ({ ctx, body }) => s.delegations.updateSettings(ctx, body));
}
