import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** The organization's patch policies. */
export function policiesRoutes(router: Router, s: Services): void {
  router.route(api.listPolicies, ({ ctx, query }) => s.policies.list(ctx, query));
  router.route(api.createPolicy, ({ ctx, body }) => s.policies.create(ctx, body));
  router.route(api.getPolicy, ({ ctx, params }) => s.policies.get(ctx, params.policyId));
  router.route(api.updatePolicy, ({ ctx, params, body }) => s.policies.update(ctx, params.policyId, body));
  router.route(api.deletePolicy, ({ ctx, params }) => s.policies.delete(ctx, params.policyId));
  router.route(api.listPolicyRuns, ({ ctx, params, query }) => s.policies.runs(ctx, params.policyId, query));
}
