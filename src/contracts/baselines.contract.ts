import { z } from 'zod';
import {
  COMPLIANCE_LEVELS,
  FILTER_KEYS,
  OPERATING_SYSTEMS,
  REJECTED_PATCHES_ACTIONS,
  type ApprovalRule as ApprovalRuleModel,
  type Baseline as BaselineModel,
  type BaselineRules as BaselineRulesModel,
  type PatchFilter as PatchFilterModel,
  type PatchSource as PatchSourceModel,
} from '../domain/baselines/model.js';
import { BASELINE_SOURCES } from '../domain/baselines/precedence.js';
import type { TagFilter as TagFilterModel } from '../domain/targets.js';
import { FreeText, Id, QueryBoolean, SearchTerm, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint, NoContent } from './endpoint.js';

/*
 * Patch baselines (shared/reference/aws-ssm-patch-manager.md §2, §3). The schemas check shapes;
 * the rules' meaning (limits, exactly one of approveAfterDays/approveUntilDate, patterns, filter
 * keys per OS, …) is checked by validateBaselineRules (src/domain/baselines/validate.ts), and the
 * server answers every problem at once. The type checks at the end of this file keep these
 * schemas and the domain model (src/domain/baselines/model.ts) identical.
 */

export const OperatingSystem = z.enum(OPERATING_SYSTEMS);
export type OperatingSystem = z.infer<typeof OperatingSystem>;
export const FilterKey = z.enum(FILTER_KEYS);
export type FilterKey = z.infer<typeof FilterKey>;
export const ComplianceLevel = z.enum(COMPLIANCE_LEVELS);
export type ComplianceLevel = z.infer<typeof ComplianceLevel>;
export const RejectedPatchesAction = z.enum(REJECTED_PATCHES_ACTIONS);
export type RejectedPatchesAction = z.infer<typeof RejectedPatchesAction>;
export const BaselineSource = z.enum(BASELINE_SOURCES);
export type BaselineSource = z.infer<typeof BaselineSource>;

/** Baseline names as SSM writes them: 3–128 of letters, digits, `_`, `-`, `.`. */
export const BaselineName = z.string().regex(/^[a-zA-Z0-9_.-]{3,128}$/, 'baseline names are 3-128 letters, digits, "_", "-" or "."');

/** Patch group names (SSM's pattern): 1–256 letters, spaces, digits and `_ . : / = + - @`. */
export const PatchGroupName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, 'patch group names are 1-256 letters, spaces, digits and "_ . : / = + - @"')
  // A name the caller chooses, not the id of a stored object (test/api/malformed.ts reads this).
  .meta({ 'x-chosen-name': true, description: 'A patch group name: the value of the PatchGroup tag of its nodes.' });

// Shape bounds are generous on purpose: the exact limits are semantic checks that list every problem.
const FilterValue = FreeText(1, 256);
const Pattern = z.string().max(256);

export const PatchFilter = z.strictObject({ key: FilterKey, values: z.array(FilterValue).max(100) });
export type PatchFilter = z.infer<typeof PatchFilter>;

export const ApprovalRule = z.strictObject({
  filters: z.array(PatchFilter).max(50).default([]),
  complianceLevel: ComplianceLevel.default('UNSPECIFIED'),
  approveAfterDays: z.number().int().optional(),
  approveUntilDate: z.string().max(32).optional(),
  approveUndated: z.boolean().default(false),
  enableNonSecurity: z.boolean().default(false),
});
export type ApprovalRule = z.infer<typeof ApprovalRule>;

export const PatchSource = z.strictObject({
  name: z.string().max(256),
  products: z.array(FilterValue).max(100),
  configuration: z.string().max(65_536),
});
export type PatchSource = z.infer<typeof PatchSource>;

/** The rule fields of a baseline, with SSM's defaults for those not given. */
const ruleFields = {
  globalFilters: z.array(PatchFilter).max(50).default([]),
  approvalRules: z.array(ApprovalRule).max(100).default([]),
  approvedPatches: z.array(Pattern).max(2000).default([]),
  approvedPatchesComplianceLevel: ComplianceLevel.default('UNSPECIFIED'),
  approvedPatchesEnableNonSecurity: z.boolean().default(false),
  rejectedPatches: z.array(Pattern).max(2000).default([]),
  rejectedPatchesAction: RejectedPatchesAction.default('ALLOW_AS_DEPENDENCY'),
  availableSecurityUpdatesComplianceStatus: z.enum(['COMPLIANT', 'NON_COMPLIANT']).default('COMPLIANT'),
  sources: z.array(PatchSource).max(100).default([]),
};

/** Everything evaluation needs (the rules of a draft, in a preview). */
export const BaselineRules = z.strictObject({ operatingSystem: OperatingSystem, ...ruleFields });
export type BaselineRules = z.infer<typeof BaselineRules>;

export const Baseline = z.object({
  id: Id,
  /** null for predefined baselines. */
  accountId: Id.nullable(),
  name: z.string(),
  description: z.string(),
  predefined: z.boolean(),
  version: z.number().int(),
  operatingSystem: OperatingSystem,
  globalFilters: z.array(PatchFilter),
  approvalRules: z.array(ApprovalRule),
  approvedPatches: z.array(z.string()),
  approvedPatchesComplianceLevel: ComplianceLevel,
  approvedPatchesEnableNonSecurity: z.boolean(),
  rejectedPatches: z.array(z.string()),
  rejectedPatchesAction: RejectedPatchesAction,
  availableSecurityUpdatesComplianceStatus: z.enum(['COMPLIANT', 'NON_COMPLIANT']),
  sources: z.array(PatchSource),
  createdAt: Timestamp.nullable(),
  createdBy: z.string().nullable(),
  updatedAt: Timestamp.nullable(),
  updatedBy: z.string().nullable(),
});
export type Baseline = z.infer<typeof Baseline>;

export const CreateBaselineRequest = z.strictObject({
  name: BaselineName,
  description: FreeText(0, 1024).default(''),
  operatingSystem: OperatingSystem,
  ...ruleFields,
});
export type CreateBaselineRequest = z.infer<typeof CreateBaselineRequest>;

/** Fields given replace the stored ones; the others stay. The operating system cannot change (create another baseline). */
export const UpdateBaselineRequest = z.strictObject({
  name: BaselineName.optional(),
  description: FreeText(0, 1024).optional(),
  globalFilters: z.array(PatchFilter).max(50).optional(),
  approvalRules: z.array(ApprovalRule).max(100).optional(),
  approvedPatches: z.array(Pattern).max(2000).optional(),
  approvedPatchesComplianceLevel: ComplianceLevel.optional(),
  approvedPatchesEnableNonSecurity: z.boolean().optional(),
  rejectedPatches: z.array(Pattern).max(2000).optional(),
  rejectedPatchesAction: RejectedPatchesAction.optional(),
  availableSecurityUpdatesComplianceStatus: z.enum(['COMPLIANT', 'NON_COMPLIANT']).optional(),
  sources: z.array(PatchSource).max(100).optional(),
});
export type UpdateBaselineRequest = z.infer<typeof UpdateBaselineRequest>;

/** An account's default for one operating system: registered, or the predefined one. */
export const DefaultBaseline = z.object({
  operatingSystem: OperatingSystem,
  baselineId: Id,
  baselineName: z.string(),
  predefined: z.boolean(),
  /** True when the account registered this default; false when the predefined baseline applies because none is registered. */
  registered: z.boolean(),
  updatedAt: Timestamp.nullable(),
  updatedBy: z.string().nullable(),
});
export type DefaultBaseline = z.infer<typeof DefaultBaseline>;

export const PatchGroupBaseline = z.object({
  patchGroup: z.string(),
  operatingSystem: OperatingSystem,
  baselineId: Id,
  baselineName: z.string(),
  predefined: z.boolean(),
  updatedAt: Timestamp,
  updatedBy: z.string().nullable(),
});
export type PatchGroupBaseline = z.infer<typeof PatchGroupBaseline>;

export const BaselineRef = z.object({ id: Id, name: z.string(), predefined: z.boolean(), version: z.number().int(), operatingSystem: OperatingSystem });
export type BaselineRef = z.infer<typeof BaselineRef>;

/** One level of the precedence chain: the one that applies, one a higher level shadows, or one with nothing for the node. */
export const PrecedenceLevel = z.object({
  level: BaselineSource,
  status: z.enum(['applies', 'shadowed', 'skipped']),
  baselineId: z.string().nullable(),
  reason: z.string(),
});
export type PrecedenceLevel = z.infer<typeof PrecedenceLevel>;

/** Which baseline applies to a node, and why. */
export const NodeBaseline = z.object({
  nodeId: Id,
  accountId: Id,
  hostname: z.string(),
  /** null when the node's OS is not one baselines are written for. */
  operatingSystem: OperatingSystem.nullable(),
  products: z.array(z.string()),
  patchGroup: z.string().nullable(),
  baseline: BaselineRef.nullable(),
  source: BaselineSource.nullable(),
  reason: z.string(),
  chain: z.array(PrecedenceLevel),
});
export type NodeBaseline = z.infer<typeof NodeBaseline>;

/** A tag filter of a target: the key and its values, OR-ed (`*`: any value); filters are AND-ed. */
export const TagFilterSpec = z.strictObject({ key: FreeText(1, 128), values: z.array(FreeText(1, 256)).min(1).max(20) });
export type TagFilterSpec = z.infer<typeof TagFilterSpec>;

export const PreviewBaselineRequest = z
  .strictObject({
    /** A saved baseline of the account, or a predefined one. */
    baselineId: Id.optional(),
    /** A draft (not saved): needs the operator role. */
    rules: BaselineRules.optional(),
    nodeIds: z.array(Id).min(1).max(1000).optional(),
    tags: z.array(TagFilterSpec).min(1).max(20).optional(),
    patchGroup: PatchGroupName.optional(),
    /** Evaluate as of this instant (default now): what a delay rule will have approved by then. */
    at: Timestamp.optional(),
    /** The window of the per-node detail. */
    limit: z.number().int().min(1).max(500).default(50),
    offset: z.number().int().min(0).max(1000).default(0),
  })
  .refine((r) => (r.baselineId === undefined) !== (r.rules === undefined), { message: 'give exactly one of baselineId (a saved baseline) or rules (a draft)', path: ['baselineId'] })
  .refine((r) => [r.nodeIds, r.tags, r.patchGroup].filter((x) => x !== undefined).length <= 1, {
    message: 'choose the nodes with at most one of nodeIds, tags or patchGroup (none: every node of the account)',
    path: ['nodeIds'],
  });
export type PreviewBaselineRequest = z.infer<typeof PreviewBaselineRequest>;

export const PreviewPatch = z.object({
  name: z.string(),
  arch: z.string(),
  installedVersion: z.string(),
  candidateVersion: z.string(),
  security: z.boolean(),
  severity: z.string(),
  complianceLevel: ComplianceLevel,
  approvedAt: z.string().nullable(),
  pendingUntil: z.string().nullable(),
  rejected: z.boolean(),
  releaseDate: z.string().nullable(),
  cves: z.array(z.string()),
  reason: z.string(),
});
export type PreviewPatch = z.infer<typeof PreviewPatch>;

const PreviewCounts = z.object({
  updates: z.number().int(),
  approved: z.number().int(),
  /** Waiting for a delay rule. */
  pendingApproval: z.number().int(),
  /** Security updates the baseline does not approve (AVAILABLE_SECURITY_UPDATE). */
  notApprovedSecurity: z.number().int(),
  rejected: z.number().int(),
});

export const PreviewNode = z.object({
  nodeId: Id,
  hostname: z.string(),
  operatingSystem: OperatingSystem.nullable(),
  products: z.array(z.string()),
  /** False when the node runs another OS than the baseline's (then nothing is evaluated). */
  applicable: z.boolean(),
  reason: z.string(),
  counts: PreviewCounts,
  approved: z.array(PreviewPatch),
  /** Security updates not approved, with why and when a delay rule will approve them. */
  notApprovedSecurity: z.array(PreviewPatch),
});
export type PreviewNode = z.infer<typeof PreviewNode>;

export const BaselinePreview = z.object({
  baseline: z.object({ id: Id.nullable(), name: z.string(), predefined: z.boolean(), version: z.number().int().nullable(), operatingSystem: OperatingSystem }),
  at: Timestamp,
  totals: PreviewCounts.extend({ nodes: z.number().int(), evaluated: z.number().int(), notApplicable: z.number().int() }),
  nodes: page(PreviewNode),
});
export type BaselinePreview = z.infer<typeof BaselinePreview>;

const AccountParams = z.strictObject({ accountId: Id });
export const BaselineParams = z.strictObject({ baselineId: Id });
const DefaultParams = z.strictObject({ accountId: Id, operatingSystem: OperatingSystem });
const PatchGroupParams = z.strictObject({ accountId: Id, patchGroup: PatchGroupName, operatingSystem: OperatingSystem });
const BaselineChoice = z.strictObject({ baselineId: Id });

export const listBaselines = defineEndpoint({
  operationId: 'listBaselines',
  method: 'GET',
  path: '/api/v1/baselines',
  tag: 'Baselines',
  summary: 'List the predefined baselines and the baselines of the accounts you can see',
  description:
    'Predefined baselines come first (unless predefined=false), then the accounts\' baselines in the requested order. Filters: accountId (that account\'s baselines), operatingSystem, q (name or description contains), predefined.',
  auth: 'authenticated',
  access: 'any user (predefined baselines, own accounts); organization roles see all',
  query: listQuery(['name', 'operatingSystem', 'createdAt', 'updatedAt'], 'name').extend({
    accountId: Id.optional(),
    operatingSystem: OperatingSystem.optional(),
    q: SearchTerm.optional(),
    predefined: QueryBoolean.optional(),
  }),
  response: page(Baseline),
});

export const createBaseline = defineEndpoint({
  operationId: 'createBaseline',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/baselines',
  tag: 'Baselines',
  summary: 'Create a patch baseline in an account',
  description: 'Every problem of the rules is reported at once in `error.details` (path and message each).',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: AccountParams,
  body: CreateBaselineRequest,
  response: Baseline,
  audit: 'baseline.create',
});

export const getBaseline = defineEndpoint({
  operationId: 'getBaseline',
  method: 'GET',
  path: '/api/v1/baselines/{baselineId}',
  tag: 'Baselines',
  summary: 'Show a baseline (predefined or of an account)',
  auth: 'authenticated',
  access: 'any user (predefined); viewer of the account; organization roles',
  params: BaselineParams,
  response: Baseline,
});

export const updateBaseline = defineEndpoint({
  operationId: 'updateBaseline',
  method: 'PATCH',
  path: '/api/v1/baselines/{baselineId}',
  tag: 'Baselines',
  summary: 'Change a baseline: the fields given replace the stored ones; the version goes up by one',
  description: 'Predefined baselines cannot be changed (409): copy one with `patchwarden baselines create --from <id>`. The nodes using the baseline are re-evaluated.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: BaselineParams,
  body: UpdateBaselineRequest,
  response: Baseline,
  audit: 'baseline.update',
});

export const deleteBaseline = defineEndpoint({
  operationId: 'deleteBaseline',
  method: 'DELETE',
  path: '/api/v1/baselines/{baselineId}',
  tag: 'Baselines',
  summary: 'Delete a baseline that is no account default and no patch group\'s (409 names where it is still used)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: BaselineParams,
  response: NoContent,
  successStatus: 204,
  audit: 'baseline.delete',
});

export const listDefaultBaselines = defineEndpoint({
  operationId: 'listDefaultBaselines',
  method: 'GET',
  path: '/api/v1/accounts/{accountId}/default-baselines',
  tag: 'Baselines',
  summary: 'The account\'s default baseline for every operating system (registered, or the predefined one)',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: AccountParams,
  response: z.object({ items: z.array(DefaultBaseline) }),
});

export const setDefaultBaseline = defineEndpoint({
  operationId: 'setDefaultBaseline',
  method: 'PUT',
  path: '/api/v1/accounts/{accountId}/default-baselines/{operatingSystem}',
  tag: 'Baselines',
  summary: 'Register the account\'s default baseline for an operating system',
  description: 'The baseline must be of this account (or predefined) and written for this operating system.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: DefaultParams,
  body: BaselineChoice,
  response: DefaultBaseline,
  audit: 'baseline.default.set',
});

export const clearDefaultBaseline = defineEndpoint({
  operationId: 'clearDefaultBaseline',
  method: 'DELETE',
  path: '/api/v1/accounts/{accountId}/default-baselines/{operatingSystem}',
  tag: 'Baselines',
  summary: 'Go back to the predefined baseline as the account\'s default for an operating system',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: DefaultParams,
  response: DefaultBaseline,
  audit: 'baseline.default.clear',
});

export const listPatchGroups = defineEndpoint({
  operationId: 'listPatchGroups',
  method: 'GET',
  path: '/api/v1/accounts/{accountId}/patch-groups',
  tag: 'Baselines',
  summary: 'The patch groups of the account and the baseline registered for each operating system',
  description: 'A node belongs to the patch group named by its `PatchGroup` tag (else `Patch Group`).',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: AccountParams,
  query: z.strictObject({ patchGroup: PatchGroupName.optional() }),
  response: z.object({ items: z.array(PatchGroupBaseline) }),
});

export const registerPatchGroup = defineEndpoint({
  operationId: 'registerPatchGroup',
  method: 'PUT',
  path: '/api/v1/accounts/{accountId}/patch-groups/{patchGroup}/baselines/{operatingSystem}',
  tag: 'Baselines',
  summary: 'Register the baseline of a patch group for an operating system (one per OS; replaces the previous one)',
  description: 'The patch group name is URL-encoded in the path. The baseline must be of this account (or predefined) and written for this operating system.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: PatchGroupParams,
  body: BaselineChoice,
  response: PatchGroupBaseline,
  audit: 'patchgroup.register',
});

export const deregisterPatchGroup = defineEndpoint({
  operationId: 'deregisterPatchGroup',
  method: 'DELETE',
  path: '/api/v1/accounts/{accountId}/patch-groups/{patchGroup}/baselines/{operatingSystem}',
  tag: 'Baselines',
  summary: 'Remove the baseline of a patch group for an operating system (its nodes fall back to the account default)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: PatchGroupParams,
  response: NoContent,
  successStatus: 204,
  audit: 'patchgroup.deregister',
});

export const getNodeBaseline = defineEndpoint({
  operationId: 'getNodeBaseline',
  method: 'GET',
  path: '/api/v1/nodes/{nodeId}/baseline',
  tag: 'Baselines',
  summary: 'Which baseline applies to a node, and why',
  description: 'The node\'s OS, products and patch group, the baseline that applies and the whole precedence chain: explicit override > patch policy > patch group > account default > predefined, each level applying, shadowed by a higher one, or skipped and why.',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: z.strictObject({ nodeId: Id }),
  response: NodeBaseline,
});

export const previewBaseline = defineEndpoint({
  operationId: 'previewBaseline',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/baselines/preview',
  tag: 'Baselines',
  summary: 'What a baseline approves on nodes now, before saving it or making it apply',
  description:
    'Evaluates a saved baseline (baselineId) or a draft (rules) against the pending updates of nodes of the account: nodeIds, tag filters or a patch group (none: every node; at most 1,000). Per node: approved updates (compliance level, when approved, why) and security updates not approved (why, and when a delay rule will approve them). Changes nothing.',
  auth: 'authenticated',
  access: 'viewer of the account for saved baselines, operator for drafts; organization roles',
  params: AccountParams,
  body: PreviewBaselineRequest,
  response: BaselinePreview,
  successStatus: 200,
  readOnly: true,
});

// The schemas and the domain model must not drift: each check fails to compile when they differ.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const modelChecks: [
  Same<PatchFilter, PatchFilterModel>,
  Same<ApprovalRule, ApprovalRuleModel>,
  Same<PatchSource, PatchSourceModel>,
  Same<BaselineRules, BaselineRulesModel>,
  Same<Omit<Baseline, 'createdAt' | 'createdBy' | 'updatedAt' | 'updatedBy'>, BaselineModel>,
  Same<TagFilterSpec, TagFilterModel>,
] = [true, true, true, true, true, true];
void modelChecks;
