import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** The agent protocol: enrollment (public) and the routes a node calls with its own credential. */
export function agentRoutes(router: Router, s: Services): void {
  router.route(api.enroll, ({ ctx, body }) => s.agent.enroll(ctx, body));
  router.route(api.heartbeat, ({ ctx, body }) => s.agent.heartbeat(ctx, body.agentVersion));
  router.route(api.putInventory, ({ ctx, body }) => s.agent.putInventory(ctx, body));
  router.route(api.patchInventory, ({ ctx, body }) => s.agent.patchInventory(ctx, body));
  router.route(api.pollCommands, async ({ ctx, query, reply }) => {
    // When the agent hangs up during the wait, stop waiting and hand out nothing: an invocation
    // claimed for a closed connection would stay InProgress with no agent running it.
    const gone = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableEnded) gone.abort();
    };
    reply.raw.on('close', onClose);
    try {
      const answer = await s.agent.poll(ctx, query.wait, gone.signal);
      if ((gone.signal.aborted || reply.raw.destroyed) && answer.invocations.length > 0) {
        await s.agent.release(answer.invocations);
        return { ...answer, invocations: [] };
      }
      return answer;
    } finally {
      reply.raw.off('close', onClose);
    }
  });
  router.route(api.postResult, ({ ctx, body }) => s.agent.result(ctx, body));
}
