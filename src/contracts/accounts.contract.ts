import { z } from 'zod';
import { FreeText, Id, SearchTerm, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint, NoContent } from './endpoint.js';
import { AccountRole } from './users.contract.js';

export const AccountName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'account names are 1–63 lowercase letters, digits and "-", starting with a letter or digit');

export const Account = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  isManagement: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Account = z.infer<typeof Account>;

const Description = FreeText(0, 1000);

export const CreateAccountRequest = z.strictObject({ name: AccountName, description: Description.optional() });
export const UpdateAccountRequest = z.strictObject({ name: AccountName.optional(), description: Description.optional() });
export type CreateAccountRequest = z.infer<typeof CreateAccountRequest>;
export type UpdateAccountRequest = z.infer<typeof UpdateAccountRequest>;

export const AccountParams = z.strictObject({ accountId: Id });
export const MemberParams = z.strictObject({ accountId: Id, userId: Id });

export const Member = z.object({
  userId: Id,
  username: z.string(),
  displayName: z.string(),
  role: AccountRole,
  createdAt: Timestamp,
});
export type Member = z.infer<typeof Member>;

export const listAccounts = defineEndpoint({
  operationId: 'listAccounts',
  method: 'GET',
  path: '/api/v1/accounts',
  tag: 'Accounts',
  summary: 'List the accounts you can see',
  auth: 'authenticated',
  access: 'any user (own accounts); organization roles see all',
  query: listQuery(['name', 'createdAt'], 'name').extend({ q: SearchTerm.optional() }),
  response: page(Account),
});

export const createAccount = defineEndpoint({
  operationId: 'createAccount',
  method: 'POST',
  path: '/api/v1/accounts',
  tag: 'Accounts',
  summary: 'Create an account',
  auth: 'authenticated',
  access: 'org-admin',
  body: CreateAccountRequest,
  response: Account,
  audit: 'account.create',
});

export const getAccount = defineEndpoint({
  operationId: 'getAccount',
  method: 'GET',
  path: '/api/v1/accounts/{accountId}',
  tag: 'Accounts',
  summary: 'Show an account',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: AccountParams,
  response: Account,
});

export const updateAccount = defineEndpoint({
  operationId: 'updateAccount',
  method: 'PATCH',
  path: '/api/v1/accounts/{accountId}',
  tag: 'Accounts',
  summary: 'Rename or describe an account',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: AccountParams,
  body: UpdateAccountRequest,
  response: Account,
  audit: 'account.update',
});

export const deleteAccount = defineEndpoint({
  operationId: 'deleteAccount',
  method: 'DELETE',
  path: '/api/v1/accounts/{accountId}',
  tag: 'Accounts',
  summary: 'Delete an account',
  description: 'The management account cannot be deleted.',
  auth: 'authenticated',
  access: 'org-admin',
  params: AccountParams,
  response: NoContent,
  successStatus: 204,
  audit: 'account.delete',
});

export const listMembers = defineEndpoint({
  operationId: 'listAccountMembers',
  method: 'GET',
  path: '/api/v1/accounts/{accountId}/members',
  tag: 'Accounts',
  summary: 'List the members of an account and their roles',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: AccountParams,
  query: listQuery(['username', 'role', 'createdAt'], 'username').extend({ role: AccountRole.optional() }),
  response: page(Member),
});

export const putMember = defineEndpoint({
  operationId: 'setAccountMember',
  method: 'PUT',
  path: '/api/v1/accounts/{accountId}/members/{userId}',
  tag: 'Accounts',
  summary: "Grant or change a user's role in an account",
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: MemberParams,
  body: z.strictObject({ role: AccountRole }),
  response: Member,
  audit: 'account.member.set',
});

export const deleteMember = defineEndpoint({
  operationId: 'removeAccountMember',
  method: 'DELETE',
  path: '/api/v1/accounts/{accountId}/members/{userId}',
  tag: 'Accounts',
  summary: "Remove a user's role in an account",
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: MemberParams,
  response: NoContent,
  successStatus: 204,
  audit: 'account.member.remove',
});
