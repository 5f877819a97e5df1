import { z } from 'zod';
import { FreeText, Id, Timestamp } from './common.js';
import { CommandDocument, CommandParameters, PatchOutcome } from './commands.contract.js';
import { defineEndpoint } from './endpoint.js';
import { HostInfo, InstalledPackage, Inventory, PendingUpdate, Platform, RebootStatus } from './inventory.contract.js';

/** The agent protocol: enrollment (public) and the routes a node calls with its own credential. */

/**
 * Refuses reports holding NUL characters anywhere (PostgreSQL cannot store them in text; refused
 * the same on SQLite), as FreeText does for single fields.
 */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
  return false;
}

function withoutNul<S extends z.ZodType>(schema: S) {
  return schema.refine((value) => !hasNul(value), { message: 'reports must not contain NUL characters (\\u0000)' });
}

export const EnrollRequest = withoutNul(
  z.strictObject({
    activationId: Id,
    activationCode: z.string().min(1).max(256),
    hostname: FreeText(1, 255),
    platform: Platform,
    agentVersion: FreeText(1, 64),
  }),
);
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const EnrollResponse = z.object({
  nodeId: Id,
  /** The node credential, `pwn_<nodeId>.<secret>`, sent as `Authorization: Bearer …`; shown only here. */
  nodeSecret: z.string(),
  accountId: Id,
  serverTime: Timestamp,
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

export const AgentSettings = z.object({
  heartbeatIntervalSeconds: z.number().int(),
  /** The longest `wait` GET /api/v1/agent/commands accepts. */
  maxWaitSeconds: z.number().int(),
  serverTime: Timestamp,
  /** The inventory revision the server holds (0: none yet; send a full inventory). */
  inventoryRevision: z.number().int(),
  /** Read CVE ids of pending security updates from their changelogs (apt) when scanning (server setting agentSecurityCves). */
  securityCves: z.boolean(),
});
export type AgentSettings = z.infer<typeof AgentSettings>;

export const HeartbeatRequest = z.strictObject({ agentVersion: FreeText(1, 64).optional() });

export const InventoryAccepted = z.object({ revision: z.number().int(), packages: z.number().int(), updates: z.number().int() });
export type InventoryAccepted = z.infer<typeof InventoryAccepted>;

const PackageKey = z.strictObject({ name: z.string().min(1).max(256), arch: z.string().max(32) });

/** What changed since `baseRevision`; refused with 409 `conflict` when the server holds another revision. */
export const InventoryDelta = withoutNul(z.strictObject({
  baseRevision: z.number().int().min(1),
  packages: z.strictObject({ upsert: z.array(InstalledPackage).max(100_000).default([]), remove: z.array(PackageKey).max(100_000).default([]) }).optional(),
  updates: z.strictObject({ upsert: z.array(PendingUpdate).max(100_000).default([]), remove: z.array(PackageKey).max(100_000).default([]) }).optional(),
  platform: Platform.optional(),
  host: HostInfo.optional(),
  reboot: RebootStatus.optional(),
  collectedAt: z.string().max(64).optional(),
}));
export type InventoryDelta = z.infer<typeof InventoryDelta>;

/** One invocation handed to the agent. */
export const AgentInvocation = z.object({
  invocationId: Id,
  commandId: Id,
  document: CommandDocument,
  parameters: CommandParameters,
  timeoutSeconds: z.number().int(),
  deliveredAt: Timestamp,
});
export type AgentInvocation = z.infer<typeof AgentInvocation>;

export const PollQuery = z.strictObject({ wait: z.coerce.number().int().min(0).max(60).default(0) });

export const ResultStatus = z.enum(['Success', 'Failed', 'TimedOut']);

export const InvocationResultRequest = withoutNul(z.strictObject({
  invocationId: Id,
  /** The agent's key for this result: the same key again answers the first answer, applied once. */
  idempotencyKey: z.string().min(8).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'idempotency keys contain letters, digits and _ . : -'),
  status: ResultStatus,
  /** Output of the operation; the server keeps the last 64 KiB. */
  output: z.string().max(1_000_000).default(''),
  startedAt: Timestamp,
  finishedAt: Timestamp,
  outcomes: z.array(PatchOutcome).max(10_000).default([]),
  rebootRequired: z.boolean().optional(),
  /** RunScript: the script's exit code (null when it was killed by a signal or timed out). */
  exitCode: z.number().int().min(-1).max(255).nullable().optional(),
  /** A fresh full inventory after the operation, stored in the same transaction. */
  inventory: Inventory.optional(),
}));
export type InvocationResultRequest = z.infer<typeof InvocationResultRequest>;

export const InvocationResultResponse = z.object({
  invocationId: Id,
  status: z.string(),
  /** The inventory revision after applying (when the result carried an inventory). */
  inventoryRevision: z.number().int().nullable(),
});
export type InvocationResultResponse = z.infer<typeof InvocationResultResponse>;

export const enroll = defineEndpoint({
  operationId: 'enrollNode',
  method: 'POST',
  path: '/api/v1/agent/enroll',
  tag: 'Agent',
  summary: 'Exchange an activation for node credentials',
  description: 'Refused for expired, revoked or exhausted activations. Failed attempts are rate-limited per client address.',
  auth: 'public',
  access: 'anyone holding an activation code',
  body: EnrollRequest,
  response: EnrollResponse,
  audit: 'node.enroll',
});

export const heartbeat = defineEndpoint({
  operationId: 'agentHeartbeat',
  method: 'POST',
  path: '/api/v1/agent/heartbeat',
  tag: 'Agent',
  summary: 'Report that the node is alive; answers the agent settings',
  auth: 'node',
  access: 'the node itself',
  body: HeartbeatRequest,
  response: AgentSettings,
  successStatus: 200,
  telemetry: true,
});

export const putInventory = defineEndpoint({
  operationId: 'putInventory',
  method: 'PUT',
  path: '/api/v1/agent/inventory',
  tag: 'Agent',
  summary: "Replace the node's inventory",
  auth: 'node',
  access: 'the node itself',
  body: withoutNul(Inventory),
  response: InventoryAccepted,
  telemetry: true,
});

export const patchInventory = defineEndpoint({
  operationId: 'patchInventory',
  method: 'PATCH',
  path: '/api/v1/agent/inventory',
  tag: 'Agent',
  summary: "Apply a delta to the node's inventory (409 when baseRevision is stale: send a full one)",
  auth: 'node',
  access: 'the node itself',
  body: InventoryDelta,
  response: InventoryAccepted,
  telemetry: true,
});

export const pollCommands = defineEndpoint({
  operationId: 'pollCommands',
  method: 'GET',
  path: '/api/v1/agent/commands',
  tag: 'Agent',
  summary: 'Long-poll for invocations of this node (waits up to `wait` seconds, at most 60)',
  description: 'The invocations returned are marked InProgress (delivered).',
  auth: 'node',
  access: 'the node itself',
  query: PollQuery,
  response: z.object({ invocations: z.array(AgentInvocation), serverTime: Timestamp }),
});

export const postResult = defineEndpoint({
  operationId: 'postInvocationResult',
  method: 'POST',
  path: '/api/v1/agent/results',
  tag: 'Agent',
  summary: 'Report the result of an invocation, exactly once per idempotency key',
  auth: 'node',
  access: 'the node itself (its own invocations)',
  body: InvocationResultRequest,
  response: InvocationResultResponse,
  successStatus: 200,
  audit: 'command.result',
});
