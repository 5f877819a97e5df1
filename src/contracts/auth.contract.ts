import { z } from 'zod';
import { FreeText, Id, QueryBoolean, Timestamp, SearchTerm, listQuery, page } from './common.js';
import { defineEndpoint, NoContent } from './endpoint.js';
import { Password, User, Username } from './users.contract.js';

export const LoginRequest = z.strictObject({
  username: Username,
  password: z.string().min(1).max(1024),
});

export const SessionInfo = z.object({
  user: User,
  /** Send it back as the `X-CSRF-Token` header on every state-changing request made with the session cookie. */
  csrfToken: z.string(),
  expiresAt: Timestamp,
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const login = defineEndpoint({
  operationId: 'login',
  method: 'POST',
  path: '/api/v1/auth/login',
  tag: 'Auth',
  summary: 'Sign in with username and password; sets the session cookie',
  description:
    'Rate limited per username and per client address (429 with Retry-After). On success sets the httpOnly, SameSite=Strict `pw_session` cookie and returns the CSRF token.',
  auth: 'public',
  access: 'anyone',
  body: LoginRequest,
  response: SessionInfo,
  successStatus: 200,
  audit: 'auth.login',
  allowDuringPasswordChange: true,
});

export const logout = defineEndpoint({
  operationId: 'logout',
  method: 'POST',
  path: '/api/v1/auth/logout',
  tag: 'Auth',
  summary: 'End the current session',
  auth: 'authenticated',
  access: 'any user',
  response: NoContent,
  successStatus: 204,
  audit: 'auth.logout',
  allowDuringPasswordChange: true,
});

export const getSession = defineEndpoint({
  operationId: 'getSession',
  method: 'GET',
  path: '/api/v1/auth/session',
  tag: 'Auth',
  summary: 'The current session: user and CSRF token',
  description: 'Only for cookie sessions; API tokens use GET /api/v1/me.',
  auth: 'authenticated',
  access: 'any user signed in with a session',
  response: SessionInfo,
  allowDuringPasswordChange: true,
});

export const getMe = defineEndpoint({
  operationId: 'getMe',
  method: 'GET',
  path: '/api/v1/me',
  tag: 'Auth',
  summary: 'Who am I: the user behind the credentials, with roles',
  auth: 'authenticated',
  access: 'any user',
  response: User,
  allowDuringPasswordChange: true,
});

export const changeMyPassword = defineEndpoint({
  operationId: 'changeMyPassword',
  method: 'POST',
  path: '/api/v1/me/password',
  tag: 'Auth',
  summary: 'Change your own password',
  description: 'Ends your other sessions.',
  auth: 'authenticated',
  access: 'any user',
  body: z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: Password }),
  response: NoContent,
  successStatus: 204,
  audit: 'user.password.change',
  allowDuringPasswordChange: true,
});

/* ---------- API tokens ---------- */

export const ApiToken = z.object({
  id: Id,
  userId: Id,
  username: z.string(),
  name: z.string(),
  /** The public part of the token, to recognise it (`pw_<id>`); the secret is never shown again. */
  prefix: z.string(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const CreatedApiToken = ApiToken.extend({
  /** The secret token; shown only in this response. Use it as `Authorization: Bearer <token>`. */
  token: z.string(),
});

export const TokenParams = z.strictObject({ tokenId: Id });

export const listTokens = defineEndpoint({
  operationId: 'listTokens',
  method: 'GET',
  path: '/api/v1/tokens',
  tag: 'Tokens',
  summary: 'List API tokens',
  description: 'Your own tokens; with `all=true` (or `1`) an org-admin or org-auditor sees every user\'s tokens.',
  auth: 'authenticated',
  access: 'any user (own tokens); org-admin, org-auditor (all)',
  query: listQuery(['name', 'createdAt', 'expiresAt', 'lastUsedAt'], '-createdAt').extend({
    all: QueryBoolean.optional(),
    userId: Id.optional(),
    state: z.enum(['active', 'expired', 'revoked']).optional(),
    q: SearchTerm.optional(),
  }),
  response: page(ApiToken),
});

export const createToken = defineEndpoint({
  operationId: 'createToken',
  method: 'POST',
  path: '/api/v1/tokens',
  tag: 'Tokens',
  summary: 'Create an API token for yourself (shown once)',
  description: 'The token acts with your roles. It expires after `expiresInDays` (default 90, at most 3650).',
  auth: 'authenticated',
  access: 'any user',
  body: z.strictObject({
    name: FreeText(1, 100),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  }),
  response: CreatedApiToken,
  audit: 'token.create',
});

export const revokeToken = defineEndpoint({
  operationId: 'revokeToken',
  method: 'DELETE',
  path: '/api/v1/tokens/{tokenId}',
  tag: 'Tokens',
  summary: 'Revoke an API token',
  auth: 'authenticated',
  access: 'the token owner; org-admin',
  params: TokenParams,
  response: NoContent,
  successStatus: 204,
  audit: 'token.revoke',
  allowDuringPasswordChange: true,
});
