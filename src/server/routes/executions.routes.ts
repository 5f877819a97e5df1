import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Executions routes (issue 6). */
export function executionsRoutes(router: Router, s: Services): void {
  router.route(api.startExecution, ({ ctx, params, body }) => s.executions.start(ctx, params.accountId, body));
  router.route(api.listExecutions, ({ ctx, query }) => s.executions.list(ctx, query));
  router.route(api.getExecution, ({ ctx, params }) => s.executions.get(ctx, params.executionId));
  router.route(api.getExecutionTimeline, ({ ctx, params, query }) => s.executions.timeline(ctx, params.executionId, query));
  router.route(api.pauseExecution, ({ ctx, params }) => s.executions.pause(ctx, params.executionId));
  router.route(api.resumeExecution, ({ ctx, params }) => s.executions.resume(ctx, params.executionId));
  router.route(api.cancelExecution, ({ ctx, params }) => s.executions.cancel(ctx, params.executionId));
  router.route(api.decideApproval, ({ ctx, params, body }) => s.executions.decide(ctx, params.executionId, body));
  router.route(api.listApprovals, ({ ctx, query }) => s.executions.approvals(ctx, query));
}
