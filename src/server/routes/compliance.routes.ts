import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Compliance reports, exports and SLA settings. */
export function complianceRoutes(router: Router, s: Services): void {
  router.route(api.getComplianceSummary, ({ ctx, query }) => s.compliance.summary(ctx, query));
  router.route(api.listComplianceNodes, ({ ctx, query }) => s.compliance.nodes(ctx, query));
  router.route(api.getNodeCompliance, ({ ctx, params, query }) => s.compliance.nodeDetail(ctx, params.nodeId, query));
  router.route(api.getNodeComplianceHistory, ({ ctx, params, query }) => s.compliance.history(ctx, params.nodeId, query));
  router.route(api.listCompliancePatches, ({ ctx, query }) => s.compliance.patches(ctx, query));
  router.route(api.getCompliancePatchSummary, ({ ctx, query }) => s.compliance.patchSummary(ctx, query));
  router.route(api.listComplianceCves, ({ ctx, query }) => s.compliance.cves(ctx, query));
  router.route(api.getComplianceTrend, ({ ctx, query }) => s.compliance.trend(ctx, query));
  router.route(api.exportCompliance, async ({ ctx, query, reply }) => {
    const out = await s.compliance.exportReport(ctx, query);
    void reply.type(out.contentType);
    void reply.header('content-disposition', `attachment; filename="${out.filename}"`);
    return out.body;
  });
  router.route(api.getComplianceSettings, ({ ctx }) => s.compliance.settings(ctx));
  router.route(api.putComplianceSettings, ({ ctx, body }) => s.compliance.updateSettings(ctx, body));
}
