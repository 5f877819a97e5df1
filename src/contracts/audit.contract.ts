import { z } from 'zod';
import { Id, SearchTerm, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint } from './endpoint.js';

export const AuditOutcome = z.enum(['success', 'denied', 'failure']);

export const AuditEntry = z.object({
  id: z.number().int(),
  at: Timestamp,
  actorType: z.enum(['user', 'system', 'node', 'anonymous']),
  actorId: z.string().nullable(),
  actorName: z.string(),
  /** `session` or `token` for users. */
  via: z.string().nullable(),
  action: z.string(),
  outcome: AuditOutcome,
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  accountId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const listAudit = defineEndpoint({
  operationId: 'listAuditLog',
  method: 'GET',
  path: '/api/v1/audit',
  tag: 'Audit',
  summary: 'Read the audit log (append-only)',
  description:
    'Organization roles read every entry; an account admin reads the entries of the accounts they administer. Newest first by default.',
  auth: 'authenticated',
  access: 'org-admin, org-auditor; account admin (own accounts)',
  query: listQuery(['at'], '-at').extend({
    accountId: Id.optional(),
    actorId: Id.optional(),
    action: z.string().trim().min(1).max(100).regex(/^[a-z0-9.*_-]+$/, 'actions look like "account.create"; "*" matches any suffix').optional(),
    outcome: AuditOutcome.optional(),
    targetId: Id.optional(),
    since: Timestamp.optional(),
    until: Timestamp.optional(),
    q: SearchTerm.optional(),
  }),
  response: page(AuditEntry),
});
