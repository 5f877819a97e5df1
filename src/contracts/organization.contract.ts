import { z } from 'zod';
import { FreeText, Id, Timestamp } from './common.js';
import { defineEndpoint } from './endpoint.js';

export const Organization = z.object({
  id: Id,
  name: z.string(),
  managementAccountId: Id,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Organization = z.infer<typeof Organization>;

export const getOrganization = defineEndpoint({
  operationId: 'getOrganization',
  method: 'GET',
  path: '/api/v1/organization',
  tag: 'Organization',
  summary: 'Show the organization',
  auth: 'authenticated',
  access: 'any user',
  response: Organization,
});

export const updateOrganization = defineEndpoint({
  operationId: 'updateOrganization',
  method: 'PATCH',
  path: '/api/v1/organization',
  tag: 'Organization',
  summary: 'Rename the organization',
  auth: 'authenticated',
  access: 'org-admin',
  body: z.strictObject({ name: FreeText(1, 120) }),
  response: Organization,
  audit: 'organization.update',
});
