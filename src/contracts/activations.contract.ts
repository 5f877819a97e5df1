import { z } from 'zod';
import { FreeText, Id, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint, NoContent } from './endpoint.js';

/** Node tags: key → value; keys 1–128 characters, values up to 256, at most 50 tags. */
export const TagKey = FreeText(1, 128).refine((k) => !k.includes('='), { message: 'tag keys must not contain "="' });
export const TagValue = FreeText(0, 256);
export const Tags = z
  .record(TagKey, TagValue)
  .refine((t) => Object.keys(t).length <= 50, { message: 'at most 50 tags' });
export type Tags = z.infer<typeof Tags>;

export const Activation = z.object({
  id: Id,
  accountId: Id,
  description: z.string(),
  expiresAt: Timestamp,
  registrationLimit: z.number().int(),
  registrationsUsed: z.number().int(),
  defaultTags: z.record(z.string(), z.string()),
  revokedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  createdBy: z.string().nullable(),
  /** `active`, `expired`, `exhausted` (every registration used) or `revoked`. */
  state: z.enum(['active', 'expired', 'exhausted', 'revoked']),
});
export type Activation = z.infer<typeof Activation>;

export const CreateActivationRequest = z
  .strictObject({
    description: FreeText(0, 1000).optional(),
    expiresAt: Timestamp.optional(),
    /** Lifetime in hours when expiresAt is not given: 1–720 (30 days), default 24. */
    expiresInHours: z.number().int().min(1).max(720).optional(),
    registrationLimit: z.number().int().min(1).max(1000).optional(),
    defaultTags: Tags.optional(),
  })
  .refine((r) => r.expiresAt === undefined || r.expiresInHours === undefined, { message: 'give expiresAt or expiresInHours, not both' });
export type CreateActivationRequest = z.infer<typeof CreateActivationRequest>;

export const CreatedActivation = Activation.extend({
  /** The secret activation code: shown only in this answer. */
  activationCode: z.string(),
});
export type CreatedActivation = z.infer<typeof CreatedActivation>;

const AccountParams = z.strictObject({ accountId: Id });
export const ActivationParams = z.strictObject({ accountId: Id, activationId: Id });

export const createActivation = defineEndpoint({
  operationId: 'createActivation',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/activations',
  tag: 'Nodes',
  summary: 'Create an activation (a code agents enroll with)',
  description: 'The activation code is returned only in this answer; the server keeps a hash. Expiry: expiresAt, or expiresInHours (default 24, at most 30 days).',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: AccountParams,
  body: CreateActivationRequest,
  response: CreatedActivation,
  audit: 'activation.create',
});

export const listActivations = defineEndpoint({
  operationId: 'listActivations',
  method: 'GET',
  path: '/api/v1/accounts/{accountId}/activations',
  tag: 'Nodes',
  summary: 'List the activations of an account',
  auth: 'authenticated',
  access: 'admin of the account; organization roles',
  params: AccountParams,
  query: listQuery(['createdAt', 'expiresAt'], '-createdAt'),
  response: page(Activation),
});

export const revokeActivation = defineEndpoint({
  operationId: 'revokeActivation',
  method: 'DELETE',
  path: '/api/v1/accounts/{accountId}/activations/{activationId}',
  tag: 'Nodes',
  summary: 'Revoke an activation (nodes enrolled with it stay registered)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: ActivationParams,
  response: NoContent,
  successStatus: 204,
  audit: 'activation.revoke',
});
