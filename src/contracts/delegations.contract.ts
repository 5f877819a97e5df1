import { z } from 'zod';
import { FreeText, Id, Timestamp, listQuery, page, QueryBoolean } from './common.js';
import { defineEndpoint, type AnyEndpoint } from './endpoint.js';

/*
 * Delegations: a (target) account grants the organization's management account the right to run
 * named runbooks in it, for executions started by users with one of the roles. And the
 * organization's automation settings (the hosts HTTP checks may call).
 */

export const DELEGATION_ROLE_NAMES = ['org-admin', 'admin', 'operator'] as const;
export const DelegationRoleName = z.enum(DELEGATION_ROLE_NAMES, { message: 'roles are org-admin, admin or operator' });

/** A runbook name as runbooks use them, or `*` for any runbook. */
export const DelegatedRunbook = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .refine((n) => n === '*' || /^[a-z0-9][a-z0-9-]*$/.test(n), { message: 'runbook names use lowercase letters, digits and "-" (or give "*" for any runbook)' });

export const DelegationStatus = z.enum(['active', 'expired', 'revoked']);

export const Delegation = z.object({
  id: Id,
  /** The granting (target) account. */
  accountId: Id,
  accountName: z.string(),
  /** The management account the grant is made to. */
  granteeAccountId: Id,
  granteeAccountName: z.string(),
  runbooks: z.array(z.string()),
  roles: z.array(DelegationRoleName),
  comment: z.string(),
  expiresAt: Timestamp.nullable(),
  status: DelegationStatus,
  createdAt: Timestamp,
  createdBy: z.string().nullable(),
  revokedAt: Timestamp.nullable(),
  revokedBy: z.string().nullable(),
});
export type Delegation = z.infer<typeof Delegation>;

export const CreateDelegationRequest = z.strictObject({
  runbooks: z
    .array(DelegatedRunbook)
    .min(1)
    .max(100)
    .refine((r) => new Set(r).size === r.length, { message: 'runbooks must not repeat a name' }),
  roles: z
    .array(DelegationRoleName)
    .min(1)
    .max(3)
    .refine((r) => new Set(r).size === r.length, { message: 'roles must not repeat a role' }),
  expiresAt: Timestamp.optional(),
  comment: FreeText(0, 1000).optional(),
});
export type CreateDelegationRequest = z.input<typeof CreateDelegationRequest>;

export const AutomationSettings = z.object({
  /** Hosts HTTP checks may call: `host`, `host:port`, `*.domain` (empty: no HTTP check may run). */
  checkAllowedHosts: z.array(z.string()),
  updatedAt: Timestamp.nullable(),
  updatedBy: z.string().nullable(),
});
export type AutomationSettings = z.infer<typeof AutomationSettings>;

export const UpdateAutomationSettingsRequest = z.strictObject({
  checkAllowedHosts: z.array(FreeText(1, 260)).max(200),
});
export type UpdateAutomationSettingsRequest = z.input<typeof UpdateAutomationSettingsRequest>;

const DelegationParams = z.strictObject({ delegationId: Id });

export const listDelegations = defineEndpoint({
  operationId: 'listDelegations',
  method: 'GET',
  path: '/api/v1/delegations',
  tag: 'Delegations',
  summary: 'List delegations granted by (or to) the accounts you can see',
  description: '`accountId` keeps the delegations that account granted or received; `active=true` only those in force now.',
  auth: 'authenticated',
  access: 'viewer of the granting (or receiving) account; organization roles see all',
  query: listQuery(['createdAt', 'expiresAt'], '-createdAt').extend({ accountId: Id.optional(), active: QueryBoolean.optional() }),
  response: page(Delegation),
});

export const createDelegation = defineEndpoint({
  operationId: 'createDelegation',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/delegations',
  tag: 'Delegations',
  summary: 'Grant the management account the right to run runbooks in this account',
  description:
    'The execution starter must hold one of `roles`; `runbooks` lists runbook names or `*`. The management account itself needs no delegation.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: z.strictObject({ accountId: Id }),
  body: CreateDelegationRequest,
  response: Delegation,
  successStatus: 201,
  audit: 'delegation.grant',
});

export const getDelegation = defineEndpoint({
  operationId: 'getDelegation',
  method: 'GET',
  path: '/api/v1/delegations/{delegationId}',
  tag: 'Delegations',
  summary: 'Show a delegation',
  auth: 'authenticated',
  access: 'viewer of the granting (or receiving) account; organization roles',
  params: DelegationParams,
  response: Delegation,
});

export const revokeDelegation = defineEndpoint({
  operationId: 'revokeDelegation',
  method: 'POST',
  path: '/api/v1/delegations/{delegationId}/revoke',
  tag: 'Delegations',
  summary: 'Revoke a delegation: running executions stop starting steps in the account',
  auth: 'authenticated',
  access: 'admin of the granting account; org-admin',
  params: DelegationParams,
  response: Delegation,
  successStatus: 200,
  audit: 'delegation.revoke',
});

export const getAutomationSettings = defineEndpoint({
  operationId: 'getAutomationSettings',
  method: 'GET',
  path: '/api/v1/automation/settings',
  tag: 'Delegations',
  summary: 'The organization automation settings (hosts HTTP checks may call)',
  auth: 'authenticated',
  access: 'any signed-in user',
  response: AutomationSettings,
});

export const updateAutomationSettings = defineEndpoint({
  operationId: 'updateAutomationSettings',
  method: 'PUT',
  path: '/api/v1/automation/settings',
  tag: 'Delegations',
  summary: 'Set the hosts HTTP checks may call (host, host:port, *.domain)',
  auth: 'authenticated',
  access: 'org-admin',
  body: UpdateAutomationSettingsRequest,
  response: AutomationSettings,
  audit: 'automation.settings.update',
});

/** The delegations endpoints (issue 6), spread into api.ts `endpoints`. */
export const delegationsEndpoints = {
  listDelegations,
  createDelegation,
  getDelegation,
  revokeDelegation,
  getAutomationSettings,
  updateAutomationSettings,
} satisfies Record<string, AnyEndpoint>;
