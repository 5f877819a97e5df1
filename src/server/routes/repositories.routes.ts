import { endpoints as api } from '../../contracts/api.js';
import type { Router } from '../http/register.js';
import type { Services } from '../services/index.js';

/** Dependency patching: watched repositories, their scans, findings, pull requests and compliance. */
export function repositoriesRoutes(router: Router, s: Services): void {
  router.route(api.listRepositories, ({ ctx, query }) => s.repositories.list(ctx, query));
  router.route(api.createRepository, ({ ctx, params, body }) => s.repositories.create(ctx, params.accountId, body));
  router.route(api.getRepository, ({ ctx, params }) => s.repositories.get(ctx, params.repositoryId));
  router.route(api.updateRepository, ({ ctx, params, body }) => s.repositories.update(ctx, params.repositoryId, body));
  router.route(api.deleteRepository, ({ ctx, params }) => s.repositories.delete(ctx, params.repositoryId));
  router.route(api.scanRepository, ({ ctx, params }) => s.repositories.scan(ctx, params.repositoryId));
  router.route(api.listRepositoryScans, ({ ctx, params, query }) => s.repositories.scans(ctx, params.repositoryId, query));
  router.route(api.getRepositoryScan, ({ ctx, params }) => s.repositories.getScan(ctx, params.repositoryId, params.scanId));
  router.route(api.listDependencyFindings, ({ ctx, query }) => s.repositories.findings(ctx, query));
  router.route(api.listDependencyPullRequests, ({ ctx, query }) => s.repositories.pullRequests(ctx, query));
  router.route(api.getDependencyCompliance, ({ ctx, query }) => s.repositories.compliance(ctx, query));
}
