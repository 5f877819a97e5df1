import { z } from 'zod';
import { TagKey, TagValue } from './activations.contract.js';
import { FreeText, Id, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint } from './endpoint.js';

/** One tag filter: the key and the values OR-ed (`*`: any value, the key must exist). Several filters are AND-ed. */
export const TargetTagFilter = z.strictObject({
  key: TagKey,
  values: z.array(TagValue).min(1).max(50),
});
export type TargetTagFilter = z.infer<typeof TargetTagFilter>;

/**
 * What a command or a snapshot is for: node ids, tag filters (AND-ed), resource groups (evaluated
 * when used) or every node of the account. At least one; the nodes are the union of what each matches.
 */
export const Targets = z
  .strictObject({
    nodeIds: z.array(Id).min(1).max(1000).optional(),
    tags: z.array(TargetTagFilter).min(1).max(20).optional(),
    resourceGroupIds: z.array(Id).min(1).max(20).optional(),
    allNodes: z.boolean().optional(),
  })
  .refine((t) => t.nodeIds !== undefined || t.tags !== undefined || t.resourceGroupIds !== undefined || t.allNodes === true, {
    message: 'targets need at least one of nodeIds, tags, resourceGroupIds or allNodes: true',
  });
export type Targets = z.infer<typeof Targets>;

// ---------------------------------------------------------------------------------------------
// Resource groups: saved tag queries of an account, evaluated each time they are used.

const GroupName = FreeText(1, 128).refine((n) => /^[A-Za-z0-9_.\- ]+$/.test(n), { message: 'group names use letters, digits, spaces, "_", "." and "-"' });

export const ResourceGroup = z.object({
  id: Id,
  accountId: Id,
  name: z.string(),
  description: z.string(),
  /** Tag filters AND-ed, values OR-ed, `*` any value. */
  tagFilters: z.array(TargetTagFilter),
  createdAt: Timestamp,
  createdBy: z.string().nullable(),
  updatedAt: Timestamp,
});
export type ResourceGroup = z.infer<typeof ResourceGroup>;

export const CreateResourceGroupRequest = z.strictObject({
  name: GroupName,
  description: FreeText(0, 1000).optional(),
  tagFilters: z.array(TargetTagFilter).min(1).max(20),
});
export type CreateResourceGroupRequest = z.input<typeof CreateResourceGroupRequest>;

export const UpdateResourceGroupRequest = z
  .strictObject({
    name: GroupName.optional(),
    description: FreeText(0, 1000).optional(),
    tagFilters: z.array(TargetTagFilter).min(1).max(20).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one of name, description, tagFilters' });
export type UpdateResourceGroupRequest = z.input<typeof UpdateResourceGroupRequest>;

const AccountParams = z.strictObject({ accountId: Id });
const GroupParams = z.strictObject({ accountId: Id, groupId: Id });

export const listResourceGroups = defineEndpoint({
  operationId: 'listResourceGroups',
  method: 'GET',
  path: '/api/v1/accounts/{accountId}/resource-groups',
  tag: 'Targets',
  summary: 'List the resource groups (saved tag queries) of an account',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: AccountParams,
  query: listQuery(['name', 'createdAt'], 'name'),
  response: page(ResourceGroup),
});

export const createResourceGroup = defineEndpoint({
  operationId: 'createResourceGroup',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/resource-groups',
  tag: 'Targets',
  summary: 'Create a resource group: a saved tag query, evaluated whenever a command or snapshot uses it',
  description: 'Groups are configuration (they choose what commands reach), so creating one needs the admin role.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: AccountParams,
  body: CreateResourceGroupRequest,
  response: ResourceGroup,
  audit: 'resourcegroup.create',
});

export const getResourceGroup = defineEndpoint({
  operationId: 'getResourceGroup',
  method: 'GET',
  path: '/api/v1/accounts/{accountId}/resource-groups/{groupId}',
  tag: 'Targets',
  summary: 'Show a resource group',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: GroupParams,
  response: ResourceGroup,
});

export const updateResourceGroup = defineEndpoint({
  operationId: 'updateResourceGroup',
  method: 'PATCH',
  path: '/api/v1/accounts/{accountId}/resource-groups/{groupId}',
  tag: 'Targets',
  summary: 'Change a resource group (name, description, tag filters)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: GroupParams,
  body: UpdateResourceGroupRequest,
  response: ResourceGroup,
  audit: 'resourcegroup.update',
});

export const deleteResourceGroup = defineEndpoint({
  operationId: 'deleteResourceGroup',
  method: 'DELETE',
  path: '/api/v1/accounts/{accountId}/resource-groups/{groupId}',
  tag: 'Targets',
  summary: 'Delete a resource group (commands sent with it keep their targets as given)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: GroupParams,
  response: z.undefined(),
  successStatus: 204,
  audit: 'resourcegroup.delete',
});

export const TargetNode = z.object({
  id: Id,
  hostname: z.string(),
  osId: z.string(),
  osVersion: z.string(),
  tags: z.record(z.string(), z.string()),
});
export type TargetNode = z.infer<typeof TargetNode>;

export const listResourceGroupNodes = defineEndpoint({
  operationId: 'listResourceGroupNodes',
  method: 'GET',
  path: '/api/v1/accounts/{accountId}/resource-groups/{groupId}/nodes',
  tag: 'Targets',
  summary: 'The registered nodes a resource group matches now',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: GroupParams,
  query: listQuery(['hostname', 'id'], 'hostname'),
  response: page(TargetNode),
});

// ---------------------------------------------------------------------------------------------
// Patch snapshots: the approved set of the targets' baselines, frozen with an id.

export const SnapshotBaseline = z.object({
  baselineId: Id,
  name: z.string(),
  version: z.number().int(),
  /** The baseline's rules as they were when the snapshot was made. */
  rules: z.unknown(),
});
export type SnapshotBaseline = z.infer<typeof SnapshotBaseline>;

export const SnapshotItem = z.object({
  baselineId: Id,
  ecosystem: z.string(),
  name: z.string(),
  arch: z.string(),
  version: z.string(),
  complianceLevel: z.string(),
  severity: z.string(),
  classification: z.string(),
  security: z.boolean(),
  cves: z.array(z.string()),
  advisoryIds: z.array(z.string()),
});
export type SnapshotItem = z.infer<typeof SnapshotItem>;

export const SnapshotSummary = z.object({
  id: Id,
  accountId: Id,
  description: z.string(),
  createdAt: Timestamp,
  createdBy: z.string().nullable(),
  /** The Install that froze it, if any. */
  commandId: Id.nullable(),
  baselines: z.array(SnapshotBaseline),
  itemCount: z.number().int(),
});
export type SnapshotSummary = z.infer<typeof SnapshotSummary>;

export const SnapshotDetail = SnapshotSummary.extend({
  /** The approved versions (paged: `limit`/`offset` of the query; `all=true` for every one). */
  items: page(SnapshotItem),
});
export type SnapshotDetail = z.infer<typeof SnapshotDetail>;

export const CreateSnapshotRequest = z.strictObject({
  targets: Targets,
  /** Use this baseline instead of the effective one for the nodes of its OS. */
  baselineId: Id.optional(),
  description: FreeText(0, 1000).optional(),
});
export type CreateSnapshotRequest = z.input<typeof CreateSnapshotRequest>;

export const createSnapshot = defineEndpoint({
  operationId: 'createSnapshot',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/snapshots',
  tag: 'Snapshots',
  summary: 'Freeze the approved patches of the targets now (their effective baselines over their pending updates)',
  description: 'A snapshot never expires; Installs of the same account can use it (`parameters.snapshotId`) so later waves install the same versions.',
  auth: 'authenticated',
  access: 'operator or admin of the account; org-admin',
  params: AccountParams,
  body: CreateSnapshotRequest,
  response: SnapshotSummary,
  audit: 'snapshot.create',
});

export const listSnapshots = defineEndpoint({
  operationId: 'listSnapshots',
  method: 'GET',
  path: '/api/v1/snapshots',
  tag: 'Snapshots',
  summary: 'List patch snapshots of the accounts you can see',
  auth: 'authenticated',
  access: 'any user (own accounts); organization roles see all',
  query: listQuery(['createdAt'], '-createdAt').extend({ accountId: Id.optional() }),
  response: page(SnapshotSummary),
});

export const getSnapshot = defineEndpoint({
  operationId: 'getSnapshot',
  method: 'GET',
  path: '/api/v1/snapshots/{snapshotId}',
  tag: 'Snapshots',
  summary: 'Show a snapshot and its approved versions',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: z.strictObject({ snapshotId: Id }),
  query: z.strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
    all: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional(),
  }),
  response: SnapshotDetail,
});
