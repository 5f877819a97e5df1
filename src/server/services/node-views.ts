import type { Activation, NodeDetail, NodeSummary, PingStatus } from '../../contracts/api.js';
import type { ActivationRecord, NodeComplianceBrief, NodeRecord } from '../../store/index.js';

/** Online when seen within 3 heartbeat intervals, ConnectionLost otherwise, Inactive once deregistered. */
export function pingStatusOf(node: Pick<NodeRecord, 'lastSeenAt' | 'deregisteredAt'>, now: Date, heartbeatSeconds: number): PingStatus {
  if (node.deregisteredAt !== null) return 'Inactive';
  if (node.lastSeenAt === null) return 'ConnectionLost';
  return now.getTime() - Date.parse(node.lastSeenAt) <= 3 * heartbeatSeconds * 1000 ? 'Online' : 'ConnectionLost';
}

/** The instant after which a last-seen time counts as Online. */
export function onlineSince(now: Date, heartbeatSeconds: number): string {
  return new Date(now.getTime() - 3 * heartbeatSeconds * 1000).toISOString();
}

/** `compliance`: the node's current compliance (null: never evaluated). */
export function toNodeSummary(n: NodeRecord, now: Date, heartbeatSeconds: number, compliance: NodeComplianceBrief | null): NodeSummary {
  return {
    id: n.id,
    accountId: n.accountId,
    hostname: n.hostname,
    osId: n.platform.osId,
    osVersion: n.platform.version,
    codename: n.platform.codename,
    arch: n.platform.arch,
    agentVersion: n.agentVersion,
    tags: n.tags,
    registeredAt: n.registeredAt,
    lastSeenAt: n.lastSeenAt,
    deregisteredAt: n.deregisteredAt,
    pingStatus: pingStatusOf(n, now, heartbeatSeconds),
    rebootRequired: n.reboot.required,
    packageCount: n.packageCount,
    updateCount: n.updateCount,
    securityUpdateCount: n.securityUpdateCount,
    compliance,
  };
}

export function toNodeDetail(n: NodeRecord, now: Date, heartbeatSeconds: number, compliance: NodeComplianceBrief | null): NodeDetail {
  return {
    ...toNodeSummary(n, now, heartbeatSeconds, compliance),
    activationId: n.activationId,
    prettyName: n.platform.prettyName,
    packageManager: n.platform.packageManager,
    ecosystem: n.platform.ecosystem,
    kernel: n.host.kernel,
    addresses: n.host.addresses,
    inventoryRevision: n.inventoryRevision,
    inventoryAt: n.inventoryAt,
    collectedAt: n.collectedAt,
    reboot: n.reboot,
  };
}

/** The node list's view of a stored compliance record. */
export function complianceBrief(c: { status: NodeComplianceBrief['status']; complianceLevel: string | null; severity: string | null; counts: { MISSING: number; FAILED: number }; overdue: number; evaluatedAt: string } | undefined): NodeComplianceBrief | null {
  if (c === undefined) return null;
  return { status: c.status, complianceLevel: c.complianceLevel, severity: c.severity, missing: c.counts.MISSING + c.counts.FAILED, overdue: c.overdue, evaluatedAt: c.evaluatedAt };
}

export function toActivation(a: ActivationRecord, now: Date): Activation {
  const state = a.revokedAt !== null ? 'revoked' : a.expiresAt <= now.toISOString() ? 'expired' : a.registrationsUsed >= a.registrationLimit ? 'exhausted' : 'active';
  return {
    id: a.id,
    accountId: a.accountId,
    description: a.description,
    expiresAt: a.expiresAt,
    registrationLimit: a.registrationLimit,
    registrationsUsed: a.registrationsUsed,
    defaultTags: a.defaultTags,
    revokedAt: a.revokedAt,
    createdAt: a.createdAt,
    createdBy: a.createdBy,
    state,
  };
}
