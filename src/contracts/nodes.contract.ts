import { z } from 'zod';
import { Tags, TagKey } from './activations.contract.js';
import { FreeText, Id, QueryBoolean, SearchTerm, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint, NoContent } from './endpoint.js';
import { InstalledPackage, PendingUpdate, RebootStatus } from './inventory.contract.js';

export const PingStatus = z.enum(['Online', 'ConnectionLost', 'Inactive']);
export type PingStatus = z.infer<typeof PingStatus>;

export const NodeSummary = z.object({
  id: Id,
  accountId: Id,
  hostname: z.string(),
  osId: z.string(),
  osVersion: z.string(),
  codename: z.string(),
  arch: z.string(),
  agentVersion: z.string(),
  tags: z.record(z.string(), z.string()),
  registeredAt: Timestamp,
  lastSeenAt: Timestamp.nullable(),
  deregisteredAt: Timestamp.nullable(),
  pingStatus: PingStatus,
  rebootRequired: z.boolean(),
  packageCount: z.number().int(),
  updateCount: z.number().int(),
  securityUpdateCount: z.number().int(),
  /** The node's current compliance (its effective baseline); null until it is first evaluated. */
  compliance: z
    .object({
      status: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'UNKNOWN']),
      complianceLevel: z.string().nullable(),
      severity: z.string().nullable(),
      /** Patches MISSING or FAILED. */
      missing: z.number().int(),
      /** Non-compliant patches past their SLA due date. */
      overdue: z.number().int(),
      evaluatedAt: Timestamp,
    })
    .nullable(),
});
export type NodeSummary = z.infer<typeof NodeSummary>;

export const NodeDetail = NodeSummary.extend({
  activationId: z.string().nullable(),
  prettyName: z.string(),
  packageManager: z.string(),
  ecosystem: z.string(),
  kernel: z.object({ running: z.string(), installed: z.array(z.string()) }),
  addresses: z.array(z.string()),
  inventoryRevision: z.number().int(),
  inventoryAt: Timestamp.nullable(),
  collectedAt: z.string().nullable(),
  reboot: RebootStatus,
});
export type NodeDetail = z.infer<typeof NodeDetail>;

/** `key=value`: nodes carrying that tag (several: all of them). */
export const TagFilter = z
  .string()
  .max(400)
  .regex(/^[^=]+=.*$/, 'tag filters are key=value');

export const NodeParams = z.strictObject({ nodeId: Id });

export const listNodes = defineEndpoint({
  operationId: 'listNodes',
  method: 'GET',
  path: '/api/v1/nodes',
  tag: 'Nodes',
  summary: 'List the nodes of the accounts you can see',
  description:
    'Filters: accountId, q (hostname or id contains), tag=key=value (repeatable; every one must match), osId, pingStatus, complianceStatus (UNKNOWN also matches nodes not evaluated yet). Deregistered nodes are listed only with pingStatus=Inactive.',
  auth: 'authenticated',
  access: 'any user (own accounts); organization roles see all',
  query: listQuery(['hostname', 'registeredAt', 'lastSeenAt', 'id'], 'hostname').extend({
    accountId: Id.optional(),
    q: SearchTerm.optional(),
    tag: z.union([TagFilter, z.array(TagFilter).max(20)]).optional(),
    osId: FreeText(1, 64).optional(),
    pingStatus: PingStatus.optional(),
    complianceStatus: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'UNKNOWN']).optional(),
  }),
  response: page(NodeSummary),
});

export const getNode = defineEndpoint({
  operationId: 'getNode',
  method: 'GET',
  path: '/api/v1/nodes/{nodeId}',
  tag: 'Nodes',
  summary: 'Show a node: platform, kernel, agent, tags, ping status, inventory',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: NodeParams,
  response: NodeDetail,
});

export const listNodePackages = defineEndpoint({
  operationId: 'listNodePackages',
  method: 'GET',
  path: '/api/v1/nodes/{nodeId}/packages',
  tag: 'Nodes',
  summary: 'Installed packages of a node',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: NodeParams,
  query: listQuery(['name'], 'name').extend({ q: SearchTerm.optional() }),
  response: page(InstalledPackage),
});

export const listNodeUpdates = defineEndpoint({
  operationId: 'listNodeUpdates',
  method: 'GET',
  path: '/api/v1/nodes/{nodeId}/updates',
  tag: 'Nodes',
  summary: 'Pending updates of a node',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: NodeParams,
  query: listQuery(['name', 'severity'], 'name').extend({ q: SearchTerm.optional(), security: QueryBoolean.optional() }),
  response: page(PendingUpdate),
});

export const putNodeTags = defineEndpoint({
  operationId: 'putNodeTags',
  method: 'PUT',
  path: '/api/v1/nodes/{nodeId}/tags',
  tag: 'Nodes',
  summary: 'Replace all tags of a node',
  description: 'Tags choose the targets of commands and patch groups, so changing them needs the admin role.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: NodeParams,
  body: z.strictObject({ tags: Tags }),
  response: NodeDetail,
  audit: 'node.tags.set',
});

export const patchNodeTags = defineEndpoint({
  operationId: 'patchNodeTags',
  method: 'PATCH',
  path: '/api/v1/nodes/{nodeId}/tags',
  tag: 'Nodes',
  summary: 'Set some tags of a node and remove others',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: NodeParams,
  body: z.strictObject({ set: Tags.optional(), remove: z.array(TagKey).max(50).optional() }),
  response: NodeDetail,
  audit: 'node.tags.update',
});

export const deregisterNode = defineEndpoint({
  operationId: 'deregisterNode',
  method: 'DELETE',
  path: '/api/v1/nodes/{nodeId}',
  tag: 'Nodes',
  summary: 'Deregister a node: its credential stops working at once',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: NodeParams,
  response: NoContent,
  successStatus: 204,
  audit: 'node.deregister',
});
