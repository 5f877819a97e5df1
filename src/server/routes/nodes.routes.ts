import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Activations, nodes and commands (users). */
export function nodeRoutes(router: Router, s: Services): void {
  router.route(api.createActivation, ({ ctx, params, body }) => s.activations.create(ctx, params.accountId, body));
  router.route(api.listActivations, ({ ctx, params, query }) => s.activations.list(ctx, params.accountId, query));
  router.route(api.revokeActivation, ({ ctx, params }) => s.activations.revoke(ctx, params.accountId, params.activationId));
  router.route(api.listNodes, ({ ctx, query }) => s.nodes.list(ctx, query));
  router.route(api.getNode, ({ ctx, params }) => s.nodes.get(ctx, params.nodeId));
  router.route(api.listNodePackages, ({ ctx, params, query }) => s.nodes.packages(ctx, params.nodeId, query));
  router.route(api.listNodeUpdates, ({ ctx, params, query }) => s.nodes.updates(ctx, params.nodeId, query));
  router.route(api.putNodeTags, ({ ctx, params, body }) => s.nodes.setTags(ctx, params.nodeId, { replace: body.tags }));
  router.route(api.patchNodeTags, ({ ctx, params, body }) => s.nodes.setTags(ctx, params.nodeId, { set: body.set, remove: body.remove }));
  router.route(api.deregisterNode, ({ ctx, params }) => s.nodes.deregister(ctx, params.nodeId));
  router.route(api.sendCommand, ({ ctx, params, body }) => s.commands.send(ctx, params.accountId, body));
  router.route(api.listCommands, ({ ctx, query }) => s.commands.list(ctx, query));
  router.route(api.getCommand, ({ ctx, params }) => s.commands.get(ctx, params.commandId));
  router.route(api.cancelCommand, ({ ctx, params }) => s.commands.cancel(ctx, params.commandId));
}
