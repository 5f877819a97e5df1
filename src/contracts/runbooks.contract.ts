import { z } from 'zod';
import { Id, QueryBoolean, SearchTerm, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint, type AnyEndpoint } from './endpoint.js';

/*
 * Runbooks (issue 6): versioned YAML automation documents of accounts, plus the built-in
 * `patch-fleet`. The format is described in docs/runbooks.md; parsing and validation are in
 * src/domain/automation/parse.ts (errors name the line and the field path).
 */

/** The YAML text of a runbook (at most 256 KiB, checked by the parser with a clear message). */
const RunbookContent = z
  .string()
  .min(1, 'content is empty; send the runbook YAML')
  .max(300_000)
  .refine((s) => !s.includes('\u0000'), { message: 'content must not contain NUL characters (\\u0000)' });

export const RunbookContentRequest = z.strictObject({ content: RunbookContent });
export type RunbookContentRequest = z.input<typeof RunbookContentRequest>;

/** One validation error of a runbook: 1-based line (0 when unknown), field path, message. */
export const RunbookValidationError = z.object({ line: z.number().int(), path: z.string(), message: z.string() });
export type RunbookValidationError = z.infer<typeof RunbookValidationError>;

/** The parsed runbook (the shape of `Runbook` in src/domain/automation/runbook.ts). */
export const ParsedRunbook = z.object({
  name: z.string(),
  description: z.string(),
  parameters: z.array(z.record(z.string(), z.unknown())),
  waves: z.object({ canary: z.string(), size: z.string(), bakeSeconds: z.number().int(), maxFailedNodes: z.string(), maxFailedChecks: z.number().int() }),
  steps: z.array(z.record(z.string(), z.unknown())),
});

/** A runbook as listed: built-ins have `builtin: true`, `accountId: null` and version 1. */
export const RunbookSummary = z.object({
  id: Id,
  accountId: Id.nullable(),
  name: z.string(),
  description: z.string(),
  builtin: z.boolean(),
  latestVersion: z.number().int(),
  stepCount: z.number().int(),
  createdAt: Timestamp.nullable(),
  createdBy: z.string().nullable(),
  updatedAt: Timestamp.nullable(),
  deletedAt: Timestamp.nullable(),
});
export type RunbookSummary = z.infer<typeof RunbookSummary>;

/** A runbook at one version: the YAML as given and the runbook parsed from it (defaults filled in). */
export const RunbookDetail = RunbookSummary.extend({
  version: z.number().int(),
  versionCreatedAt: Timestamp.nullable(),
  versionCreatedBy: z.string().nullable(),
  content: z.string(),
  runbook: ParsedRunbook,
});
export type RunbookDetail = z.infer<typeof RunbookDetail>;

export const RunbookVersion = z.object({ version: z.number().int(), createdAt: Timestamp.nullable(), createdBy: z.string().nullable() });
export type RunbookVersion = z.infer<typeof RunbookVersion>;

export const RunbookValidation = z.object({
  valid: z.boolean(),
  errors: z.array(RunbookValidationError),
  runbook: ParsedRunbook.nullable(),
});
export type RunbookValidation = z.infer<typeof RunbookValidation>;

export const RunbookListQuery = listQuery(['name', 'createdAt', 'updatedAt'], 'name').extend({
  accountId: Id.optional(),
  q: SearchTerm.optional(),
  builtin: QueryBoolean.optional(),
});
export type RunbookListQuery = z.infer<typeof RunbookListQuery>;

const AccountParams = z.strictObject({ accountId: Id });
const RunbookParams = z.strictObject({ runbookId: Id });

export const listRunbooks = defineEndpoint({
  operationId: 'listRunbooks',
  method: 'GET',
  path: '/api/v1/runbooks',
  tag: 'Runbooks',
  summary: 'List the built-in runbooks and the runbooks of the accounts you can see',
  description: 'Built-in runbooks come first (unless builtin=false), then the accounts\' runbooks (not deleted) in the requested order. Filters: accountId, q (name contains), builtin.',
  auth: 'authenticated',
  access: 'any user (built-ins, own accounts); organization roles see all',
  query: RunbookListQuery,
  response: page(RunbookSummary),
});

export const createRunbook = defineEndpoint({
  operationId: 'createRunbook',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/runbooks',
  tag: 'Runbooks',
  summary: 'Create a runbook from YAML (version 1)',
  description:
    'The YAML is validated in full; a 400 lists every error in `details` as `{ line, path, message }`. Names are unique in the account (among runbooks not deleted) and must not be the name of a built-in.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: AccountParams,
  body: RunbookContentRequest,
  response: RunbookDetail,
  successStatus: 201,
  audit: 'runbook.create',
});

export const getRunbook = defineEndpoint({
  operationId: 'getRunbook',
  method: 'GET',
  path: '/api/v1/runbooks/{runbookId}',
  tag: 'Runbooks',
  summary: 'Show a runbook at its latest version or at `version`, with its YAML and the parsed form',
  auth: 'authenticated',
  access: 'any user for built-ins; viewer of the account; organization roles',
  params: RunbookParams,
  query: z.strictObject({ version: z.coerce.number().int().min(1).max(1_000_000).optional() }),
  response: RunbookDetail,
});

export const updateRunbook = defineEndpoint({
  operationId: 'updateRunbook',
  method: 'PUT',
  path: '/api/v1/runbooks/{runbookId}',
  tag: 'Runbooks',
  summary: 'Save a new version of a runbook (its name must not change)',
  description: 'Earlier versions stay, unchanged: executions name the version they ran. A 400 lists every YAML error as `{ line, path, message }`.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: RunbookParams,
  body: RunbookContentRequest,
  response: RunbookDetail,
  audit: 'runbook.update',
});

export const deleteRunbook = defineEndpoint({
  operationId: 'deleteRunbook',
  method: 'DELETE',
  path: '/api/v1/runbooks/{runbookId}',
  tag: 'Runbooks',
  summary: 'Delete a runbook (its versions are kept for the history of executions; its name is free again)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: RunbookParams,
  response: z.undefined(),
  successStatus: 204,
  audit: 'runbook.delete',
});

export const listRunbookVersions = defineEndpoint({
  operationId: 'listRunbookVersions',
  method: 'GET',
  path: '/api/v1/runbooks/{runbookId}/versions',
  tag: 'Runbooks',
  summary: 'The versions of a runbook, newest first',
  auth: 'authenticated',
  access: 'any user for built-ins; viewer of the account; organization roles',
  params: RunbookParams,
  response: z.object({ items: z.array(RunbookVersion) }),
});

export const validateRunbook = defineEndpoint({
  operationId: 'validateRunbook',
  method: 'POST',
  path: '/api/v1/runbooks/validate',
  tag: 'Runbooks',
  summary: 'Validate runbook YAML without saving it',
  description: 'Answers 200 with `valid`, every error (`{ line, path, message }`) and, when valid, the parsed runbook. Changes nothing.',
  auth: 'authenticated',
  access: 'any signed-in user',
  body: RunbookContentRequest,
  response: RunbookValidation,
  successStatus: 200,
  readOnly: true,
});

/** The runbooks endpoints (issue 6), spread into api.ts `endpoints`. */
export const runbooksEndpoints = {
  listRunbooks,
  createRunbook,
  getRunbook,
  updateRunbook,
  deleteRunbook,
  listRunbookVersions,
  validateRunbook,
} satisfies Record<string, AnyEndpoint>;
