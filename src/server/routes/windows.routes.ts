import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Maintenance windows: CRUD, tasks, run history, schedule preview. */
export function windowsRoutes(router: Router, s: Services): void {
  router.route(api.listWindows, ({ ctx, query }) => s.windows.list(ctx, query));
  router.route(api.createWindow, ({ ctx, params, body }) => s.windows.create(ctx, params.accountId, body));
  router.route(api.getWindow, ({ ctx, params }) => s.windows.get(ctx, params.windowId));
  router.route(api.updateWindow, ({ ctx, params, body }) => s.windows.update(ctx, params.windowId, body));
  router.route(api.deleteWindow, ({ ctx, params }) => s.windows.delete(ctx, params.windowId));
  router.route(api.addWindowTask, ({ ctx, params, body }) => s.windows.addTask(ctx, params.windowId, body));
  router.route(api.removeWindowTask, ({ ctx, params }) => s.windows.removeTask(ctx, params.windowId, params.taskId));
  router.route(api.listWindowRuns, ({ ctx, params, query }) => s.windows.runs(ctx, params.windowId, query));
  router.route(api.getWindowSchedule, ({ ctx, params, query }) => s.windows.schedule(ctx, params.windowId, query.count));
}
