import type { Activation, NodeDetail, NodeSummary, PingStatus } from '../../contracts/api.js';
import type { ActivationRecord, NodeRecord } from '../../store/index.js';

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

export function toNodeSummary(n: NodeRecord, now: Date, heartbeatSeconds: number): NodeSummary {
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
  };
}

export function toNodeDetail(n: NodeRecord, now: Date, heartbeatSeconds: number): NodeDetail {
  return {
    ...toNodeSummary(n, now, heartbeatSeconds),
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
