import { readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { NodeDetail, NodeSummary, PingStatus } from '../../contracts/api.js';
import type { InstalledPackage, PendingUpdate } from '../../contracts/inventory.contract.js';
import type { AccountAction } from '../../domain/access.js';
import type { NodeRecord, Page, PageRequest } from '../../store/index.js';
import { auditEntry, principalOf, requireObjectAccess, type RequestContext, type ServiceDeps } from './context.js';
import type { InvocationNotifier } from './invocation-notifier.js';
import { complianceBrief, onlineSince, toNodeDetail, toNodeSummary } from './node-views.js';

export interface NodeListQuery extends PageRequest {
  accountId?: string | undefined;
  q?: string | undefined;
  tag?: string | string[] | undefined;
  osId?: string | undefined;
  pingStatus?: PingStatus | undefined;
  complianceStatus?: 'COMPLIANT' | 'NON_COMPLIANT' | 'UNKNOWN' | undefined;
}

/** `key=value` filters; the same key twice cannot both match, which the AND expresses truthfully. */
function parseTagFilters(tag: string | string[] | undefined): [string, string][] {
  const list = tag === undefined ? [] : Array.isArray(tag) ? tag : [tag];
  return list.map((t) => {
    const i = t.indexOf('=');
    return [t.slice(0, i).trim(), t.slice(i + 1).trim()];
  });
}

/** Managed nodes as users see them: listing, inventory reads, tags, deregistration. */
export class NodesService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly notifier: InvocationNotifier,
  ) {}

  private get heartbeat(): number {
    return this.deps.config.agentHeartbeatSeconds;
  }

  /** The node, when the caller may do `action` in its account (404 when they cannot see it). */
  private async node(ctx: RequestContext, nodeId: string, action: AccountAction): Promise<NodeRecord> {
    const hidden = `Node "${nodeId}" does not exist or is not yours to see; list nodes with \`patchwarden nodes list\`.`;
    principalOf(ctx);
    const node = await this.deps.store.nodes.get(nodeId);
    if (node === undefined) throw new AppError('not_found', hidden);
    requireObjectAccess(ctx, node.accountId, action, hidden);
    return node;
  }

  async list(ctx: RequestContext, query: NodeListQuery): Promise<Page<NodeSummary>> {
    const now = this.deps.clock();
    const page = await this.deps.store.nodes.list(
      {
        accounts: readableAccounts(principalOf(ctx)),
        accountId: query.accountId,
        q: query.q,
        tags: parseTagFilters(query.tag),
        osId: query.osId,
        pingStatus: query.pingStatus,
        complianceStatus: query.complianceStatus,
        onlineSince: onlineSince(now, this.heartbeat),
      },
      query,
    );
    return { ...page, items: page.items.map((n) => toNodeSummary(n, now, this.heartbeat, n.compliance)) };
  }

  async get(ctx: RequestContext, nodeId: string): Promise<NodeDetail> {
    const node = await this.node(ctx, nodeId, 'read');
    return toNodeDetail(node, this.deps.clock(), this.heartbeat, complianceBrief(await this.deps.store.compliance.getNode(nodeId)));
  }

  async packages(ctx: RequestContext, nodeId: string, query: PageRequest & { q?: string | undefined }): Promise<Page<InstalledPackage>> {
    await this.node(ctx, nodeId, 'read');
    return this.deps.store.nodes.packages(nodeId, { q: query.q }, query);
  }

  async updates(ctx: RequestContext, nodeId: string, query: PageRequest & { q?: string | undefined; security?: boolean | undefined }): Promise<Page<PendingUpdate>> {
    await this.node(ctx, nodeId, 'read');
    return this.deps.store.nodes.updates(nodeId, { q: query.q, security: query.security }, query);
  }

  /** Tags drive targeting (commands, patch groups), so changing them needs the admin role. */
  async setTags(ctx: RequestContext, nodeId: string, change: { replace?: Record<string, string>; set?: Record<string, string> | undefined; remove?: string[] | undefined }): Promise<NodeDetail> {
    const node = await this.node(ctx, nodeId, 'manage');
    if (node.deregisteredAt !== null) throw new AppError('conflict', `Node "${nodeId}" is deregistered; its tags can no longer change.`);
    const next = change.replace ?? { ...node.tags, ...change.set };
    for (const key of change.remove ?? []) delete next[key];
    if (Object.keys(next).length > 50) throw new AppError('validation', `A node has at most 50 tags; this change would leave ${Object.keys(next).length}.`);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      await tx.nodes.replaceTags(nodeId, next);
      await tx.audit.append(
        auditEntry(ctx, now, {
          action: change.replace === undefined ? 'node.tags.update' : 'node.tags.set',
          targetType: 'node',
          targetId: nodeId,
          accountId: node.accountId,
          details: { before: node.tags, after: next },
        }),
      );
    });
    return this.get(ctx, nodeId);
  }

  /** Deregisters: the credential stops working at once; pending invocations become Undeliverable. */
  async deregister(ctx: RequestContext, nodeId: string): Promise<void> {
    const node = await this.node(ctx, nodeId, 'manage');
    if (node.deregisteredAt !== null) throw new AppError('conflict', `Node "${nodeId}" was deregistered already at ${node.deregisteredAt}.`);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      await tx.nodes.deregister(nodeId, now.toISOString());
      await tx.commands.markUndeliverable(nodeId, now.toISOString());
      await tx.audit.append(auditEntry(ctx, now, { action: 'node.deregister', targetType: 'node', targetId: nodeId, accountId: node.accountId, details: { hostname: node.hostname } }));
    });
    this.notifier.notify(nodeId);
  }
}
