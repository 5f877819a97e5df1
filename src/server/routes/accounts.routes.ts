import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

export function accountRoutes(router: Router, s: Services): void {
  router.route(api.getOrganization, ({ ctx }) => s.accounts.organization(ctx));
  router.route(api.updateOrganization, ({ ctx, body }) => s.accounts.renameOrganization(ctx, body.name));
  router.route(api.listAccounts, ({ ctx, query }) => s.accounts.list(ctx, query));
  router.route(api.createAccount, ({ ctx, body }) => s.accounts.create(ctx, body));
  router.route(api.getAccount, ({ ctx, params }) => s.accounts.get(ctx, params.accountId));
  router.route(api.updateAccount, ({ ctx, params, body }) => s.accounts.update(ctx, params.accountId, body));
  router.route(api.deleteAccount, ({ ctx, params }) => s.accounts.delete(ctx, params.accountId));
  router.route(api.listMembers, ({ ctx, params, query }) => s.accounts.members(ctx, params.accountId, query));
  router.route(api.putMember, ({ ctx, params, body }) => s.accounts.setMember(ctx, params.accountId, params.userId, body.role));
  router.route(api.deleteMember, ({ ctx, params }) => s.accounts.removeMember(ctx, params.accountId, params.userId));
}
