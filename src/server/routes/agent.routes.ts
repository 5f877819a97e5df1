import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** The agent protocol: enrollment (public) and the routes a node calls with its own credential. */
export function agentRoutes(router: Router, s: Services): void {
  router.route(api.enroll, ({ ctx, body }) => s.agent.enroll(ctx, body));
  router.route(api.heartbeat, ({ ctx, body }) => s.agent.heartbeat(ctx, body.agentVersion));
  router.route(api.putInventory, ({ ctx, body }) => s.agent.putInventory(ctx, body));
  router.route(api.patchInventory, ({ ctx, body }) => s.agent.patchInventory(ctx, body));
  router.route(api.pollCommands, ({ ctx, query }) => s.agent.poll(ctx, query.wait));
  router.route(api.postResult, ({ ctx, body }) => s.agent.result(ctx, body));
}
