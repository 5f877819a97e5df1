import { z } from 'zod';
import { OperatingSystem } from './baselines.contract.js';
import { RebootOption } from './commands.contract.js';
import { FreeText, Id, Timestamp, listQuery, page } from './common.js';
import type { AnyEndpoint } from './endpoint.js';
import { defineEndpoint } from './endpoint.js';
import { TargetTagFilter } from './targets.contract.js';
import { ScheduleExpression, TimeZone, WindowRun } from './windows.contract.js';

const PolicyName = FreeText(1, 128).refine((n) => /^[A-Za-z0-9_.\- ]+$/.test(n), { message: 'policy names use letters, digits, spaces, "_", "." and "-"' });
const SlaValue = z.number().int().min(1).max(3650);

export const PolicyTargets = z.strictObject({
  /** `all` accounts of the organization, or these account ids. */
  accounts: z.union([z.literal('all'), z.array(Id).min(1).max(500)]),
  /** Only nodes whose tags match (AND-ed, values OR-ed, `*` any value). */
  tags: z.array(TargetTagFilter).min(1).max(20).optional(),
});

export const PolicyScan = z.strictObject({ schedule: ScheduleExpression, timezone: TimeZone.default('UTC') });
export const PolicyInstall = z
  .strictObject({
    schedule: ScheduleExpression,
    timezone: TimeZone.default('UTC'),
    durationHours: z.number().int().min(1).max(24).default(4),
    cutoffHours: z.number().int().min(0).max(23).default(1),
  })
  .refine((i) => i.cutoffHours < i.durationHours, { message: 'install.cutoffHours must be less than install.durationHours: no install could start', path: ['cutoffHours'] });

export const PolicySlaDays = z.strictObject({ critical: SlaValue.optional(), high: SlaValue.optional(), medium: SlaValue.optional(), low: SlaValue.optional() });

const policyFields = {
  name: PolicyName,
  description: FreeText(0, 1000).optional(),
  enabled: z.boolean().default(true),
  /** Unique; lower wins when a node is in several policies. */
  priority: z.number().int().min(0).max(10_000),
  /** Baseline per operating system (`{ "DEBIAN": "pb_…" }`); predefined ids allowed. */
  baselines: z.partialRecord(OperatingSystem, Id),
  scan: PolicyScan.nullable().optional(),
  install: PolicyInstall.nullable().optional(),
  rebootOption: RebootOption.default('RebootIfNeeded'),
  targets: PolicyTargets,
  slaDays: PolicySlaDays.optional(),
};

export const CreatePolicyRequest = z.strictObject(policyFields);
export type CreatePolicyRequest = z.input<typeof CreatePolicyRequest>;
/** PUT replaces the policy with this body. */
export const UpdatePolicyRequest = CreatePolicyRequest;
export type UpdatePolicyRequest = z.input<typeof UpdatePolicyRequest>;

export const PatchPolicy = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  priority: z.number().int(),
  baselines: z.record(z.string(), z.string()),
  scan: z.object({ schedule: z.string(), timezone: z.string(), nextStart: Timestamp.nullable() }).nullable(),
  install: z.object({ schedule: z.string(), timezone: z.string(), durationHours: z.number().int(), cutoffHours: z.number().int(), nextStart: Timestamp.nullable() }).nullable(),
  rebootOption: RebootOption,
  targets: z.object({ accounts: z.union([z.literal('all'), z.array(z.string())]), tags: z.array(TargetTagFilter).optional() }),
  slaDays: z.object({ critical: z.number().int().optional(), high: z.number().int().optional(), medium: z.number().int().optional(), low: z.number().int().optional() }),
  createdAt: Timestamp,
  createdBy: z.string().nullable(),
  updatedAt: Timestamp,
});
export type PatchPolicy = z.infer<typeof PatchPolicy>;

const PolicyParams = z.strictObject({ policyId: Id });

export const listPolicies = defineEndpoint({
  operationId: 'listPolicies',
  method: 'GET',
  path: '/api/v1/policies',
  tag: 'Patch policies',
  summary: "List the organization's patch policies",
  auth: 'authenticated',
  access: 'any signed-in user',
  query: listQuery(['priority', 'name', 'createdAt'], 'priority'),
  response: page(PatchPolicy),
});

export const createPolicy = defineEndpoint({
  operationId: 'createPolicy',
  method: 'POST',
  path: '/api/v1/policies',
  tag: 'Patch policies',
  summary: 'Create a patch policy: baselines per OS, scan schedule, install window, reboot option, targets across accounts, SLA days',
  description: 'Nodes in scope get the policy baseline for their OS (above patch groups and account defaults; below an operation override). A node in several policies follows the one with the lowest priority.',
  auth: 'authenticated',
  access: 'org-admin',
  body: CreatePolicyRequest,
  response: PatchPolicy,
  audit: 'policy.create',
});

export const getPolicy = defineEndpoint({
  operationId: 'getPolicy',
  method: 'GET',
  path: '/api/v1/policies/{policyId}',
  tag: 'Patch policies',
  summary: 'Show a patch policy',
  auth: 'authenticated',
  access: 'any signed-in user',
  params: PolicyParams,
  response: PatchPolicy,
});

export const updatePolicy = defineEndpoint({
  operationId: 'updatePolicy',
  method: 'PUT',
  path: '/api/v1/policies/{policyId}',
  tag: 'Patch policies',
  summary: 'Replace a patch policy',
  auth: 'authenticated',
  access: 'org-admin',
  params: PolicyParams,
  body: UpdatePolicyRequest,
  response: PatchPolicy,
  audit: 'policy.update',
});

export const deletePolicy = defineEndpoint({
  operationId: 'deletePolicy',
  method: 'DELETE',
  path: '/api/v1/policies/{policyId}',
  tag: 'Patch policies',
  summary: 'Delete a patch policy (its nodes fall back to patch groups and account defaults)',
  auth: 'authenticated',
  access: 'org-admin',
  params: PolicyParams,
  response: z.undefined(),
  successStatus: 204,
  audit: 'policy.delete',
});

export const listPolicyRuns = defineEndpoint({
  operationId: 'listPolicyRuns',
  method: 'GET',
  path: '/api/v1/policies/{policyId}/runs',
  tag: 'Patch policies',
  summary: 'The scheduled scans and installs of a policy, with a task per account',
  auth: 'authenticated',
  access: 'org-admin, org-auditor',
  params: PolicyParams,
  query: listQuery(['scheduledStart'], '-scheduledStart'),
  response: page(WindowRun),
});

/** The policies endpoints (issue 6), spread into api.ts `endpoints`. */
export const policiesEndpoints = { listPolicies, createPolicy, getPolicy, updatePolicy, deletePolicy, listPolicyRuns } satisfies Record<string, AnyEndpoint>;
