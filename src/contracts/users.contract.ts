import { z } from 'zod';
import { ACCOUNT_ROLES, ORG_ROLES } from '../domain/access.js';
import { FreeText, Id, QueryBoolean, SearchTerm, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint, NoContent } from './endpoint.js';

export const AccountRole = z.enum(ACCOUNT_ROLES);
export const OrgRole = z.enum(ORG_ROLES);

export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._@-]{1,63}$/, 'usernames are 2–64 characters: letters, digits, ".", "_", "@", "-", starting with a letter or digit');

/** Passwords: 12 to 1024 characters (long passphrases welcome). */
export const Password = z
  .string()
  .min(12, 'passwords have at least 12 characters')
  .max(1024, 'passwords have at most 1024 characters');

export const Membership = z.object({ accountId: Id, accountName: z.string(), role: AccountRole });
export type Membership = z.infer<typeof Membership>;

export const User = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  orgRole: OrgRole.nullable(),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  memberships: z.array(Membership),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastLoginAt: Timestamp.nullable(),
});
export type User = z.infer<typeof User>;

const Email = z.email().max(254);
const DisplayName = FreeText(1, 120);

export const CreateUserRequest = z.strictObject({
  username: Username,
  displayName: DisplayName.optional(),
  email: Email.optional(),
  password: Password,
  orgRole: OrgRole.nullable().optional(),
  /** When true (the default), the user must choose a new password at first sign-in. */
  mustChangePassword: z.boolean().optional(),
  memberships: z.array(z.strictObject({ accountId: Id, role: AccountRole })).max(1000).optional(),
});
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const UpdateUserRequest = z.strictObject({
  displayName: DisplayName.optional(),
  email: Email.nullable().optional(),
  orgRole: OrgRole.nullable().optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

export const SetPasswordRequest = z.strictObject({
  password: Password,
  mustChangePassword: z.boolean().optional(),
});

export const UserParams = z.strictObject({ userId: Id });

export const ListUsersQuery = listQuery(['username', 'createdAt', 'lastLoginAt'], 'username').extend({
  q: SearchTerm.optional(),
  orgRole: OrgRole.optional(),
  accountId: Id.optional(),
  disabled: QueryBoolean.optional(),
});

export const listUsers = defineEndpoint({
  operationId: 'listUsers',
  method: 'GET',
  path: '/api/v1/users',
  tag: 'Users',
  summary: 'List users',
  description: 'Organization roles see every user; account admins see the members of the accounts they administer.',
  auth: 'authenticated',
  access: 'org-admin, org-auditor; account admin (members of their accounts)',
  query: ListUsersQuery,
  response: page(User),
});

export const createUser = defineEndpoint({
  operationId: 'createUser',
  method: 'POST',
  path: '/api/v1/users',
  tag: 'Users',
  summary: 'Create a user',
  description: 'An account admin may create users whose memberships are only in accounts they administer, without organization role.',
  auth: 'authenticated',
  access: 'org-admin; account admin (own accounts only)',
  body: CreateUserRequest,
  response: User,
  audit: 'user.create',
});

export const getUser = defineEndpoint({
  operationId: 'getUser',
  method: 'GET',
  path: '/api/v1/users/{userId}',
  tag: 'Users',
  summary: 'Show a user',
  auth: 'authenticated',
  access: 'the user; org-admin, org-auditor; admin of an account the user belongs to',
  params: UserParams,
  response: User,
});

export const updateUser = defineEndpoint({
  operationId: 'updateUser',
  method: 'PATCH',
  path: '/api/v1/users/{userId}',
  tag: 'Users',
  summary: 'Change a user (name, email, organization role, disabled)',
  description: 'Users may change their own display name and email; organization role and disabled only org-admin.',
  auth: 'authenticated',
  access: 'org-admin; the user (display name, email)',
  params: UserParams,
  body: UpdateUserRequest,
  response: User,
  audit: 'user.update',
});

export const setUserPassword = defineEndpoint({
  operationId: 'setUserPassword',
  method: 'POST',
  path: '/api/v1/users/{userId}/password',
  tag: 'Users',
  summary: "Reset a user's password",
  description: 'Ends all sessions of the user and revokes all their API tokens. By default the user must choose a new password at next sign-in.',
  auth: 'authenticated',
  access: 'org-admin',
  params: UserParams,
  body: SetPasswordRequest,
  response: NoContent,
  successStatus: 204,
  audit: 'user.password.reset',
});

export const deleteUser = defineEndpoint({
  operationId: 'deleteUser',
  method: 'DELETE',
  path: '/api/v1/users/{userId}',
  tag: 'Users',
  summary: 'Delete a user',
  description: 'Revokes their sessions and tokens. The last org-admin and yourself cannot be deleted.',
  auth: 'authenticated',
  access: 'org-admin',
  params: UserParams,
  response: NoContent,
  successStatus: 204,
  audit: 'user.delete',
});
