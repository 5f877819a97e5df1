import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

export function userRoutes(router: Router, s: Services): void {
  router.route(api.listUsers, ({ ctx, query }) => s.users.list(ctx, query));
  router.route(api.createUser, ({ ctx, body }) => s.users.create(ctx, body));
  router.route(api.getUser, ({ ctx, params }) => s.users.get(ctx, params.userId));
  router.route(api.updateUser, ({ ctx, params, body }) => s.users.update(ctx, params.userId, body));
  router.route(api.setUserPassword, ({ ctx, params, body }) => s.users.setPassword(ctx, params.userId, body.password, body.mustChangePassword));
  router.route(api.deleteUser, ({ ctx, params }) => s.users.delete(ctx, params.userId));
  router.route(api.listTokens, ({ ctx, query }) => s.tokens.list(ctx, query));
  router.route(api.createToken, ({ ctx, body }) => s.tokens.create(ctx, body));
  router.route(api.revokeToken, ({ ctx, params }) => s.tokens.revoke(ctx, params.tokenId));
  router.route(api.listAudit, ({ ctx, query }) => s.audit.list(ctx, query));
}
