/**
 * Every mutation appears in the audit log: a successful call of every changing endpoint appends its
 * declared `audit` action (outcome `success`, the actor, the client address, the target); changes
 * the access rules refuse appear with outcome `denied`; failed sign-ins and password changes with
 * outcome `failure`. Entries are found by the request id the server answers in `x-request-id`, read
 * back through GET /api/v1/audit as org-admin. (That the database refuses UPDATE/DELETE on the audit
 * log is tested in src/store/store.test.ts.)
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contracts/api.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { Fixtures, KNOWN_PASSWORD, knownPasswordHash, type Acct, type Person } from './fixtures.js';
import { baselineIn, DEBIAN_RULES } from '../baselines/helpers.js';
import { runbookIn, runbookYaml } from '../runbooks/helpers.js';

interface World {
  t: TestApp;
  fx: Fixtures;
  admin: Person;
  account: Acct;
}

interface Mutation {
  /** The caller; null for anonymous (sign-in). */
  as: Person | null;
  method: string;
  url: string;
  body?: unknown;
  /** Who the entry must name as actor (default: the caller). */
  actorId?: string;
  targetId: string | ((res: LightMyRequestResponse) => string);
  accountId?: string | null;
  via?: 'token' | 'session' | 'node' | null;
  /** A node credential to call with instead of the user's token (agent routes). */
  credential?: string;
  actorType?: 'user' | 'node' | 'anonymous';
}

const PLATFORM = { osId: 'debian', osIdLike: [], version: '12', codename: 'bookworm', prettyName: 'Debian 12', arch: 'amd64', packageManager: 'apt', ecosystem: 'Debian:12' };

/** A successful call of each changing endpoint. */
const SUCCESS: Record<string, (w: World) => Promise<Mutation>> = {
  // Baselines (test/baselines/helpers.ts makes them through the API).
  createBaseline: async ({ admin, account }) => ({
    as: admin,
    method: 'POST',
    url: `/api/v1/accounts/${account.id}/baselines`,
    body: { name: `audited-${Math.random().toString(36).slice(2, 8)}`, ...DEBIAN_RULES },
    targetId: (res) => String(res.json().id),
    accountId: account.id,
  }),
  updateBaseline: async ({ t, admin, account }) => {
    const id = await baselineIn(t, account.id);
    return { as: admin, method: 'PATCH', url: `/api/v1/baselines/${id}`, body: { description: 'audited' }, targetId: id, accountId: account.id };
  },
  deleteBaseline: async ({ t, admin, account }) => {
    const id = await baselineIn(t, account.id);
    return { as: admin, method: 'DELETE', url: `/api/v1/baselines/${id}`, targetId: id, accountId: account.id };
  },
  setDefaultBaseline: async ({ t, admin, account }) => {
    const id = await baselineIn(t, account.id);
    return { as: admin, method: 'PUT', url: `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`, body: { baselineId: id }, targetId: id, accountId: account.id };
  },
  clearDefaultBaseline: async ({ admin, account }) => ({ as: admin, method: 'DELETE', url: `/api/v1/accounts/${account.id}/default-baselines/UBUNTU`, targetId: 'pb-predefined-ubuntu', accountId: account.id }),
  registerPatchGroup: async ({ t, admin, account }) => {
    const id = await baselineIn(t, account.id);
    return { as: admin, method: 'PUT', url: `/api/v1/accounts/${account.id}/patch-groups/audited/baselines/DEBIAN`, body: { baselineId: id }, targetId: id, accountId: account.id };
  },
  deregisterPatchGroup: async ({ t, admin, account }) => {
    const id = await baselineIn(t, account.id);
    await t.as(t.adminToken, 'PUT', `/api/v1/accounts/${account.id}/patch-groups/leaving/baselines/DEBIAN`, { baselineId: id });
    return { as: admin, method: 'DELETE', url: `/api/v1/accounts/${account.id}/patch-groups/leaving/baselines/DEBIAN`, targetId: id, accountId: account.id };
  },
  login: async ({ fx }) => {
    const user = await fx.user({ prefix: 'signer' });
    return { as: null, method: 'POST', url: '/api/v1/auth/login', body: { username: user.username, password: KNOWN_PASSWORD }, actorId: user.id, targetId: user.id, via: 'session' };
  },
  logout: async ({ fx }) => {
    const user = await fx.user({ prefix: 'leaver' });
    return { as: user, method: 'POST', url: '/api/v1/auth/logout', targetId: user.id };
  },
  changeMyPassword: async ({ fx }) => {
    const user = await fx.user({ prefix: 'changer' });
    return { as: user, method: 'POST', url: '/api/v1/me/password', body: { currentPassword: KNOWN_PASSWORD, newPassword: 'a-brand-new-password' }, targetId: user.id };
  },
  putComplianceSettings: async ({ t, admin }) => ({
    as: admin,
    method: 'PUT',
    url: '/api/v1/compliance/settings',
    body: { slaDays: { critical: 5, low: null } },
    targetId: (await t.db.store.organizations.get())!.id,
  }),
  updateOrganization: async ({ t, admin }) => ({
    as: admin,
    method: 'PATCH',
    url: '/api/v1/organization',
    body: { name: 'Audited organization' },
    targetId: (await t.db.store.organizations.get())!.id,
  }),
  createAccount: async ({ fx, admin }) => ({ as: admin, method: 'POST', url: '/api/v1/accounts', body: { name: fx.unique('audited') }, targetId: (res) => String(res.json().id) }),
  updateAccount: async ({ admin, account }) => ({ as: admin, method: 'PATCH', url: `/api/v1/accounts/${account.id}`, body: { description: 'audited' }, targetId: account.id, accountId: account.id }),
  deleteAccount: async ({ fx, admin }) => {
    const doomed = await fx.account('doomed');
    return { as: admin, method: 'DELETE', url: `/api/v1/accounts/${doomed.id}`, targetId: doomed.id, accountId: doomed.id };
  },
  setAccountMember: async ({ fx, admin, account }) => {
    const user = await fx.user({ prefix: 'grantee' });
    return { as: admin, method: 'PUT', url: `/api/v1/accounts/${account.id}/members/${user.id}`, body: { role: 'operator' }, targetId: user.id, accountId: account.id };
  },
  removeAccountMember: async ({ fx, admin, account }) => {
    const user = await fx.user({ prefix: 'removee', memberships: [[account.id, 'viewer']] });
    return { as: admin, method: 'DELETE', url: `/api/v1/accounts/${account.id}/members/${user.id}`, targetId: user.id, accountId: account.id };
  },
  createUser: async ({ fx, admin }) => ({
    as: admin,
    method: 'POST',
    url: '/api/v1/users',
    body: { username: fx.unique('created'), password: 'a-password-for-created' },
    targetId: (res) => String(res.json().id),
  }),
  updateUser: async ({ fx, admin }) => {
    const user = await fx.user({ prefix: 'updated' });
    return { as: admin, method: 'PATCH', url: `/api/v1/users/${user.id}`, body: { displayName: 'Audited' }, targetId: user.id };
  },
  setUserPassword: async ({ fx, admin }) => {
    const user = await fx.user({ prefix: 'reset' });
    return { as: admin, method: 'POST', url: `/api/v1/users/${user.id}/password`, body: { password: 'a-reset-password-000' }, targetId: user.id };
  },
  deleteUser: async ({ fx, admin }) => {
    const user = await fx.user({ prefix: 'deleted' });
    return { as: admin, method: 'DELETE', url: `/api/v1/users/${user.id}`, targetId: user.id };
  },
  createToken: async ({ fx }) => {
    const user = await fx.user({ prefix: 'tokener' });
    return { as: user, method: 'POST', url: '/api/v1/tokens', body: { name: 'audited token' }, targetId: (res) => String(res.json().id) };
  },
  revokeToken: async ({ fx }) => {
    const user = await fx.user({ prefix: 'revoker' });
    const token = await fx.token(user.id);
    return { as: user, method: 'DELETE', url: `/api/v1/tokens/${token.id}`, targetId: token.id };
  },
  createActivation: async ({ admin, account }) => ({
    as: admin,
    method: 'POST',
    url: `/api/v1/accounts/${account.id}/activations`,
    body: { description: 'audited' },
    targetId: (res) => String(res.json().id),
    accountId: account.id,
  }),
  revokeActivation: async ({ t, admin, account }) => {
    const created = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/activations`, {});
    const id = String(created.json().id);
    return { as: admin, method: 'DELETE', url: `/api/v1/accounts/${account.id}/activations/${id}`, targetId: id, accountId: account.id };
  },
  enrollNode: async ({ t, admin, account }) => {
    const created = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/activations`, {});
    return {
      as: null,
      method: 'POST',
      url: '/api/v1/agent/enroll',
      body: { activationId: created.json().id, activationCode: created.json().activationCode, hostname: 'audited-host', platform: PLATFORM, agentVersion: '0.1.0' },
      actorType: 'anonymous',
      actorId: null as unknown as string,
      via: null,
      targetId: (res) => String(res.json().nodeId),
      accountId: account.id,
    };
  },
  putNodeTags: async ({ fx, admin, account }) => {
    const node = await fx.node(account.id, 'tagged');
    return { as: admin, method: 'PUT', url: `/api/v1/nodes/${node.nodeId}/tags`, body: { tags: { env: 'prod' } }, targetId: node.nodeId, accountId: account.id };
  },
  patchNodeTags: async ({ fx, admin, account }) => {
    const node = await fx.node(account.id, 'tagged');
    return { as: admin, method: 'PATCH', url: `/api/v1/nodes/${node.nodeId}/tags`, body: { remove: ['env'] }, targetId: node.nodeId, accountId: account.id };
  },
  deregisterNode: async ({ fx, admin, account }) => {
    const node = await fx.node(account.id, 'leaving');
    return { as: admin, method: 'DELETE', url: `/api/v1/nodes/${node.nodeId}`, targetId: node.nodeId, accountId: account.id };
  },
  sendCommand: async ({ fx, admin, account }) => {
    const node = await fx.node(account.id, 'commanded');
    return { as: admin, method: 'POST', url: `/api/v1/accounts/${account.id}/commands`, body: { document: 'Scan', targets: { nodeIds: [node.nodeId] } }, targetId: (res) => String(res.json().id), accountId: account.id };
  },
  createResourceGroup: async ({ admin, account }) => ({
    as: admin,
    method: 'POST',
    url: `/api/v1/accounts/${account.id}/resource-groups`,
    body: { name: `audited-${Math.random().toString(36).slice(2, 8)}`, tagFilters: [{ key: 'Env', values: ['prod', 'staging'] }] },
    targetId: (res) => String(res.json().id),
    accountId: account.id,
  }),
  updateResourceGroup: async ({ fx, admin, account }) => {
    const id = await fx.resourceGroup(account.id);
    return { as: admin, method: 'PATCH', url: `/api/v1/accounts/${account.id}/resource-groups/${id}`, body: { description: 'audited' }, targetId: id, accountId: account.id };
  },
  deleteResourceGroup: async ({ fx, admin, account }) => {
    const id = await fx.resourceGroup(account.id);
    return { as: admin, method: 'DELETE', url: `/api/v1/accounts/${account.id}/resource-groups/${id}`, targetId: id, accountId: account.id };
  },
  createSnapshot: async ({ fx, admin, account }) => {
    const node = await fx.node(account.id, 'frozen');
    return { as: admin, method: 'POST', url: `/api/v1/accounts/${account.id}/snapshots`, body: { targets: { nodeIds: [node.nodeId] } }, targetId: (res) => String(res.json().id), accountId: account.id };
  },
  cancelCommand: async ({ fx, admin, account }) => {
    const node = await fx.node(account.id, 'cancelled');
    const command = await fx.command(account.id, node.nodeId);
    return { as: admin, method: 'POST', url: `/api/v1/commands/${command.commandId}/cancel`, targetId: command.commandId, accountId: account.id };
  },
  postInvocationResult: async ({ t, fx, account }) => {
    const node = await fx.node(account.id, 'reporting');
    const command = await fx.command(account.id, node.nodeId);
    await t.as(node.credential, 'GET', '/api/v1/agent/commands');
    const at = new Date().toISOString();
    return {
      as: null,
      credential: node.credential,
      method: 'POST',
      url: '/api/v1/agent/results',
      body: { invocationId: command.invocationId, idempotencyKey: 'audited-result-1', status: 'Success', startedAt: at, finishedAt: at },
      actorType: 'node',
      actorId: node.nodeId,
      via: 'node',
      targetId: command.invocationId,
      accountId: account.id,
    };
  },
  // ---- issue 6: runbooks (success) ----
  createRunbook: async ({ admin, account }) => ({
    as: admin,
    method: 'POST',
    url: `/api/v1/accounts/${account.id}/runbooks`,
    body: { content: runbookYaml(`audited-${Math.random().toString(36).slice(2, 8)}`) },
    targetId: (res) => String(res.json().id),
    accountId: account.id,
  }),
  updateRunbook: async ({ t, admin, account }) => {
    const name = `audited-${Math.random().toString(36).slice(2, 8)}`;
    const id = await runbookIn(t, account.id, name);
    return { as: admin, method: 'PUT', url: `/api/v1/runbooks/${id}`, body: { content: runbookYaml(name, 9) }, targetId: id, accountId: account.id };
  },
  deleteRunbook: async ({ t, admin, account }) => {
    const id = await runbookIn(t, account.id);
    return { as: admin, method: 'DELETE', url: `/api/v1/runbooks/${id}`, targetId: id, accountId: account.id };
  },
  // ---- issue 6: executions (success) ----
  startExecution: async ({ fx, admin, account }) => {
    const node = await fx.node(account.id, 'executed');
    return {
      as: admin,
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/executions`,
      body: { runbook: 'patch-fleet', targets: { nodeIds: [node.nodeId] }, parameters: { healthCheck: 'none' } },
      targetId: (res) => String(res.json().id),
      accountId: account.id,
    };
  },
  pauseExecution: async ({ t, fx, admin, account }) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, account.id, (await fx.node(account.id, 'paused')).nodeId);
    return { as: admin, method: 'POST', url: `/api/v1/executions/${id}/pause`, targetId: id, accountId: account.id };
  },
  resumeExecution: async ({ t, fx, admin, account }) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, account.id, (await fx.node(account.id, 'resumed')).nodeId, { paused: true });
    return { as: admin, method: 'POST', url: `/api/v1/executions/${id}/resume`, targetId: id, accountId: account.id };
  },
  cancelExecution: async ({ t, fx, admin, account }) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, account.id, (await fx.node(account.id, 'cancelled')).nodeId);
    return { as: admin, method: 'POST', url: `/api/v1/executions/${id}/cancel`, targetId: id, accountId: account.id };
  },
  decideExecutionApproval: async ({ t, fx, admin, account }) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, account.id, (await fx.node(account.id, 'approved')).nodeId, { approve: true });
    return { as: admin, method: 'POST', url: `/api/v1/executions/${id}/approvals`, body: { decision: 'approve', comment: 'audited' }, targetId: id, accountId: account.id };
  },
  // ---- issue 6: delegations (success) ----
  createDelegation: async ({ admin, account }) => ({
    as: admin,
    method: 'POST',
    url: `/api/v1/accounts/${account.id}/delegations`,
    body: { runbooks: ['patch-fleet'], roles: ['operator'], comment: 'audited' },
    targetId: (res) => String(res.json().id),
    accountId: account.id,
  }),
  revokeDelegation: async ({ t, admin, account }) => {
    const id = await (await import('../delegations/helpers.js')).delegationIn(t, account.id);
    return { as: admin, method: 'POST', url: `/api/v1/delegations/${id}/revoke`, targetId: id, accountId: account.id };
  },
  updateAutomationSettings: async ({ t, admin }) => {
    const org = await t.db.store.organizations.get();
    return { as: admin, method: 'PUT', url: '/api/v1/automation/settings', body: { checkAllowedHosts: ['health.example.com'] }, targetId: org?.id ?? '', accountId: null };
  },
  // ---- issue 6: windows (success) ----
  createWindow: async ({ admin, account }) => ({
    as: admin,
    method: 'POST',
    url: `/api/v1/accounts/${account.id}/windows`,
    body: (await import('../windows/helpers.js')).windowBody(),
    targetId: (res) => String(res.json().id),
    accountId: account.id,
  }),
  updateWindow: async ({ t, admin, account }) => {
    const h = await import('../windows/helpers.js');
    const { id } = await h.windowIn(t, account.id);
    return { as: admin, method: 'PUT', url: `/api/v1/windows/${id}`, body: h.windowBody(), targetId: id, accountId: account.id };
  },
  deleteWindow: async ({ t, admin, account }) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, account.id);
    return { as: admin, method: 'DELETE', url: `/api/v1/windows/${id}`, targetId: id, accountId: account.id };
  },
  addWindowTask: async ({ t, admin, account }) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, account.id);
    return { as: admin, method: 'POST', url: `/api/v1/windows/${id}/tasks`, body: { name: 'install', kind: 'patch', operation: 'Install' }, targetId: id, accountId: account.id };
  },
  removeWindowTask: async ({ t, admin, account }) => {
    const { id, taskId } = await (await import('../windows/helpers.js')).windowIn(t, account.id);
    return { as: admin, method: 'DELETE', url: `/api/v1/windows/${id}/tasks/${taskId}`, targetId: id, accountId: account.id };
  },
  // ---- issue 6: policies (success) ----
  createPolicy: async ({ admin }) => ({ as: admin, method: 'POST', url: '/api/v1/policies', body: (await import('../windows/helpers.js')).policyBody(), targetId: (res) => String(res.json().id), accountId: null }),
  updatePolicy: async ({ t, admin }) => {
    const h = await import('../windows/helpers.js');
    const id = await h.policyIn(t);
    const before = (await t.db.store.policies.get(id))!;
    return { as: admin, method: 'PUT', url: `/api/v1/policies/${id}`, body: { ...h.policyBody(before.name), priority: before.priority }, targetId: id, accountId: null };
  },
  deletePolicy: async ({ t, admin }) => {
    const id = await (await import('../windows/helpers.js')).policyIn(t);
    return { as: admin, method: 'DELETE', url: `/api/v1/policies/${id}`, targetId: id, accountId: null };
  },
  // ---- issue 8: dependency patching (success) ----
  createRepository: async ({ admin, account }) => ({
    as: admin,
    method: 'POST',
    url: `/api/v1/accounts/${account.id}/repositories`,
    body: (await import('../repositories/helpers.js')).repositoryBody(),
    targetId: (res) => String(res.json().id),
    accountId: account.id,
  }),
  updateRepository: async ({ t, admin, account }) => {
    const h = await import('../repositories/helpers.js');
    const id = await h.repositoryIn(t, account.id);
    return { as: admin, method: 'PUT', url: `/api/v1/repositories/${id}`, body: h.repositoryBody(), targetId: id, accountId: account.id };
  },
  deleteRepository: async ({ t, admin, account }) => {
    const id = await (await import('../repositories/helpers.js')).repositoryIn(t, account.id);
    return { as: admin, method: 'DELETE', url: `/api/v1/repositories/${id}`, targetId: id, accountId: account.id };
  },
  scanRepository: async ({ t, admin, account }) => {
    const id = await (await import('../repositories/helpers.js')).repositoryIn(t, account.id);
    return { as: admin, method: 'POST', url: `/api/v1/repositories/${id}/scans`, targetId: id, accountId: account.id };
  },
};

/** A call of each changing endpoint that the access rules refuse (by a viewer of the account, or a user without roles). */
const DENIED: Record<string, (w: World, viewer: Person) => Promise<Omit<Mutation, 'as'> & { status: number }>> = {
  createBaseline: async ({ account }) => ({ method: 'POST', url: `/api/v1/accounts/${account.id}/baselines`, body: { name: 'denied-baseline', ...DEBIAN_RULES }, targetId: account.id, accountId: account.id, status: 403 }),
  updateBaseline: async ({ t, account }) => {
    const id = await baselineIn(t, account.id);
    return { method: 'PATCH', url: `/api/v1/baselines/${id}`, body: { description: 'denied' }, targetId: id, accountId: account.id, status: 403 };
  },
  deleteBaseline: async ({ t, account }) => {
    const id = await baselineIn(t, account.id);
    return { method: 'DELETE', url: `/api/v1/baselines/${id}`, targetId: id, accountId: account.id, status: 403 };
  },
  setDefaultBaseline: async ({ account }) => ({ method: 'PUT', url: `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`, body: { baselineId: 'pb-predefined-debian' }, targetId: account.id, accountId: account.id, status: 403 }),
  clearDefaultBaseline: async ({ account }) => ({ method: 'DELETE', url: `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`, targetId: account.id, accountId: account.id, status: 403 }),
  registerPatchGroup: async ({ account }) => ({ method: 'PUT', url: `/api/v1/accounts/${account.id}/patch-groups/web/baselines/DEBIAN`, body: { baselineId: 'pb-predefined-debian' }, targetId: account.id, accountId: account.id, status: 403 }),
  deregisterPatchGroup: async ({ account }) => ({ method: 'DELETE', url: `/api/v1/accounts/${account.id}/patch-groups/web/baselines/DEBIAN`, targetId: account.id, accountId: account.id, status: 403 }),
  updateOrganization: async () => ({ method: 'PATCH', url: '/api/v1/organization', body: { name: 'Not yours' }, targetId: '', status: 403 }),
  putComplianceSettings: async () => ({ method: 'PUT', url: '/api/v1/compliance/settings', body: { slaDays: { high: 1 } }, targetId: '', status: 403 }),
  createAccount: async ({ fx }) => ({ method: 'POST', url: '/api/v1/accounts', body: { name: fx.unique('nope') }, targetId: '', status: 403 }),
  updateAccount: async ({ account }) => ({ method: 'PATCH', url: `/api/v1/accounts/${account.id}`, body: { name: 'renamed-by-viewer' }, targetId: account.id, accountId: account.id, status: 403 }),
  deleteAccount: async ({ account }) => ({ method: 'DELETE', url: `/api/v1/accounts/${account.id}`, targetId: account.id, accountId: account.id, status: 403 }),
  setAccountMember: async ({ account }, viewer) => ({
    method: 'PUT',
    url: `/api/v1/accounts/${account.id}/members/${viewer.id}`,
    body: { role: 'admin' },
    targetId: viewer.id,
    accountId: account.id,
    status: 403,
  }),
  removeAccountMember: async ({ account, admin }) => ({ method: 'DELETE', url: `/api/v1/accounts/${account.id}/members/${admin.id}`, targetId: admin.id, accountId: account.id, status: 403 }),
  createUser: async ({ fx }) => ({ method: 'POST', url: '/api/v1/users', body: { username: fx.unique('nope'), password: 'a-password-for-nobody' }, targetId: '', status: 403 }),
  updateUser: async ({ admin }) => ({ method: 'PATCH', url: `/api/v1/users/${admin.id}`, body: { displayName: 'Hijacked' }, targetId: admin.id, status: 404 }),
  setUserPassword: async (_w, viewer) => ({ method: 'POST', url: `/api/v1/users/${viewer.id}/password`, body: { password: 'a-password-i-chose' }, targetId: viewer.id, status: 403 }),
  deleteUser: async ({ admin }) => ({ method: 'DELETE', url: `/api/v1/users/${admin.id}`, targetId: admin.id, status: 404 }),
  revokeToken: async ({ admin }) => ({ method: 'DELETE', url: `/api/v1/tokens/${admin.tokenId}`, targetId: admin.tokenId, status: 404 }),
  createActivation: async ({ account }) => ({ method: 'POST', url: `/api/v1/accounts/${account.id}/activations`, body: {}, targetId: account.id, accountId: account.id, status: 403 }),
  revokeActivation: async ({ t, account }) => {
    const id = String((await t.as(t.adminToken, 'POST', `/api/v1/accounts/${account.id}/activations`, {})).json().id);
    return { method: 'DELETE', url: `/api/v1/accounts/${account.id}/activations/${id}`, targetId: id, accountId: account.id, status: 403 };
  },
  putNodeTags: async ({ fx, account }) => {
    const node = await fx.node(account.id, 'guarded');
    return { method: 'PUT', url: `/api/v1/nodes/${node.nodeId}/tags`, body: { tags: {} }, targetId: node.nodeId, accountId: account.id, status: 403 };
  },
  patchNodeTags: async ({ fx, account }) => {
    const node = await fx.node(account.id, 'guarded');
    return { method: 'PATCH', url: `/api/v1/nodes/${node.nodeId}/tags`, body: { set: { a: 'b' } }, targetId: node.nodeId, accountId: account.id, status: 403 };
  },
  deregisterNode: async ({ fx, account }) => {
    const node = await fx.node(account.id, 'guarded');
    return { method: 'DELETE', url: `/api/v1/nodes/${node.nodeId}`, targetId: node.nodeId, accountId: account.id, status: 403 };
  },
  sendCommand: async ({ fx, account }) => {
    const node = await fx.node(account.id, 'guarded');
    return { method: 'POST', url: `/api/v1/accounts/${account.id}/commands`, body: { document: 'Scan', targets: { nodeIds: [node.nodeId] } }, targetId: account.id, accountId: account.id, status: 403 };
  },
  createResourceGroup: async ({ account }) => ({
    method: 'POST',
    url: `/api/v1/accounts/${account.id}/resource-groups`,
    body: { name: 'not-mine', tagFilters: [{ key: 'Env', values: ['prod'] }] },
    targetId: account.id,
    accountId: account.id,
    status: 403,
  }),
  updateResourceGroup: async ({ fx, account }) => {
    const id = await fx.resourceGroup(account.id);
    return { method: 'PATCH', url: `/api/v1/accounts/${account.id}/resource-groups/${id}`, body: { description: 'nope' }, targetId: account.id, accountId: account.id, status: 403 };
  },
  deleteResourceGroup: async ({ fx, account }) => {
    const id = await fx.resourceGroup(account.id);
    return { method: 'DELETE', url: `/api/v1/accounts/${account.id}/resource-groups/${id}`, targetId: account.id, accountId: account.id, status: 403 };
  },
  createSnapshot: async ({ fx, account }) => {
    const node = await fx.node(account.id, 'guarded');
    return { method: 'POST', url: `/api/v1/accounts/${account.id}/snapshots`, body: { targets: { nodeIds: [node.nodeId] } }, targetId: account.id, accountId: account.id, status: 403 };
  },
  cancelCommand: async ({ fx, account }) => {
    const node = await fx.node(account.id, 'guarded');
    const command = await fx.command(account.id, node.nodeId);
    return { method: 'POST', url: `/api/v1/commands/${command.commandId}/cancel`, targetId: command.commandId, accountId: account.id, status: 403 };
  },
  // ---- issue 6: runbooks (denied) ----
  createRunbook: async ({ account }) => ({ method: 'POST', url: `/api/v1/accounts/${account.id}/runbooks`, body: { content: runbookYaml('denied-runbook') }, targetId: account.id, accountId: account.id, status: 403 }),
  // Addressed by runbook id: the denied entry names the runbook and (looked up) its account.
  updateRunbook: async ({ t, account }) => {
    const name = `denied-${Math.random().toString(36).slice(2, 8)}`;
    const id = await runbookIn(t, account.id, name);
    return { method: 'PUT', url: `/api/v1/runbooks/${id}`, body: { content: runbookYaml(name, 9) }, targetId: id, accountId: account.id, status: 403 };
  },
  deleteRunbook: async ({ t, account }) => {
    const id = await runbookIn(t, account.id);
    return { method: 'DELETE', url: `/api/v1/runbooks/${id}`, targetId: id, accountId: account.id, status: 403 };
  },
  // ---- issue 6: executions (denied) ----
  startExecution: async ({ fx, account }) => {
    const node = await fx.node(account.id, 'not-executed');
    return { method: 'POST', url: `/api/v1/accounts/${account.id}/executions`, body: { runbook: 'patch-fleet', targets: { nodeIds: [node.nodeId] } }, targetId: account.id, accountId: account.id, status: 403 };
  },
  // Addressed by execution id: the denied entry names the execution and (looked up) its account.
  pauseExecution: async ({ t, fx, account }) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, account.id, (await fx.node(account.id, 'not-paused')).nodeId);
    return { method: 'POST', url: `/api/v1/executions/${id}/pause`, targetId: id, accountId: account.id, status: 403 };
  },
  resumeExecution: async ({ t, fx, account }) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, account.id, (await fx.node(account.id, 'not-resumed')).nodeId, { paused: true });
    return { method: 'POST', url: `/api/v1/executions/${id}/resume`, targetId: id, accountId: account.id, status: 403 };
  },
  cancelExecution: async ({ t, fx, account }) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, account.id, (await fx.node(account.id, 'not-cancelled')).nodeId);
    return { method: 'POST', url: `/api/v1/executions/${id}/cancel`, targetId: id, accountId: account.id, status: 403 };
  },
  decideExecutionApproval: async ({ t, fx, account }) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, account.id, (await fx.node(account.id, 'not-approved')).nodeId, { approve: true });
    return { method: 'POST', url: `/api/v1/executions/${id}/approvals`, body: { decision: 'approve' }, targetId: id, accountId: account.id, status: 403 };
  },
  // ---- issue 6: delegations (denied) ----
  createDelegation: async ({ account }) => ({ method: 'POST', url: `/api/v1/accounts/${account.id}/delegations`, body: { runbooks: ['*'], roles: ['operator'] }, targetId: account.id, accountId: account.id, status: 403 }),
  // Addressed by delegation id: the denied entry names the delegation and (looked up) its account.
  revokeDelegation: async ({ t, account }) => {
    const id = await (await import('../delegations/helpers.js')).delegationIn(t, account.id);
    return { method: 'POST', url: `/api/v1/delegations/${id}/revoke`, targetId: id, accountId: account.id, status: 403 };
  },
  updateAutomationSettings: async () => ({ method: 'PUT', url: '/api/v1/automation/settings', body: { checkAllowedHosts: ['health.example.com'] }, targetId: '', status: 403 }),
  // ---- issue 6: windows (denied) ----
  createWindow: async ({ account }) => ({ method: 'POST', url: `/api/v1/accounts/${account.id}/windows`, body: (await import('../windows/helpers.js')).windowBody(), targetId: account.id, accountId: account.id, status: 403 }),
  // Addressed by window id: the denied entry names the window and (looked up) its account.
  updateWindow: async ({ t, account }) => {
    const h = await import('../windows/helpers.js');
    const { id } = await h.windowIn(t, account.id);
    return { method: 'PUT', url: `/api/v1/windows/${id}`, body: h.windowBody(), targetId: id, accountId: account.id, status: 403 };
  },
  deleteWindow: async ({ t, account }) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, account.id);
    return { method: 'DELETE', url: `/api/v1/windows/${id}`, targetId: id, accountId: account.id, status: 403 };
  },
  addWindowTask: async ({ t, account }) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, account.id);
    return { method: 'POST', url: `/api/v1/windows/${id}/tasks`, body: { kind: 'patch', operation: 'Scan' }, targetId: id, accountId: account.id, status: 403 };
  },
  removeWindowTask: async ({ t, account }) => {
    const { id, taskId } = await (await import('../windows/helpers.js')).windowIn(t, account.id);
    return { method: 'DELETE', url: `/api/v1/windows/${id}/tasks/${taskId}`, targetId: id, accountId: account.id, status: 403 };
  },
  // ---- issue 6: policies (denied) ----
  createPolicy: async () => ({ method: 'POST', url: '/api/v1/policies', body: (await import('../windows/helpers.js')).policyBody(), targetId: '', status: 403 }),
  updatePolicy: async ({ t }) => {
    const h = await import('../windows/helpers.js');
    const id = await h.policyIn(t);
    return { method: 'PUT', url: `/api/v1/policies/${id}`, body: h.policyBody(), targetId: id, status: 403 };
  },
  deletePolicy: async ({ t }) => {
    const id = await (await import('../windows/helpers.js')).policyIn(t);
    return { method: 'DELETE', url: `/api/v1/policies/${id}`, targetId: id, status: 403 };
  },
  // ---- issue 8: dependency patching (denied) ----
  createRepository: async ({ account }) => ({ method: 'POST', url: `/api/v1/accounts/${account.id}/repositories`, body: (await import('../repositories/helpers.js')).repositoryBody(), targetId: account.id, accountId: account.id, status: 403 }),
  // Addressed by repository id: the denied entry names the repository and (looked up) its account.
  updateRepository: async ({ t, account }) => {
    const h = await import('../repositories/helpers.js');
    const id = await h.repositoryIn(t, account.id);
    return { method: 'PUT', url: `/api/v1/repositories/${id}`, body: h.repositoryBody(), targetId: id, accountId: account.id, status: 403 };
  },
  deleteRepository: async ({ t, account }) => {
    const id = await (await import('../repositories/helpers.js')).repositoryIn(t, account.id);
    return { method: 'DELETE', url: `/api/v1/repositories/${id}`, targetId: id, accountId: account.id, status: 403 };
  },
  scanRepository: async ({ t, account }) => {
    const id = await (await import('../repositories/helpers.js')).repositoryIn(t, account.id);
    return { method: 'POST', url: `/api/v1/repositories/${id}/scans`, targetId: id, accountId: account.id, status: 403 };
  },
};

/** Changing endpoints every signed-in user may call on their own behalf: nothing to refuse. */
const NEVER_DENIED = ['login', 'logout', 'changeMyPassword', 'createToken', 'enrollNode', 'postInvocationResult'];

/** Changes that are agent reports stored as node data are declared `telemetry`; POSTs that change nothing (previews) `readOnly`: neither is audited. */
const audited = (ep: { method: string; telemetry?: boolean; readOnly?: boolean }) => ep.method !== 'GET' && ep.telemetry !== true && ep.readOnly !== true;

for (const dialect of testDialects()) {
  describe(`[${dialect}] audit log`, () => {
    let w: World;

    beforeAll(async () => {
      const t = await createTestApp(dialect, { config: { loginMaxFailuresPerUser: 2 } });
      const fx = new Fixtures(t);
      await knownPasswordHash();
      const admin = await fx.user({ prefix: 'boss', orgRole: 'org-admin' });
      const account = await fx.account('audited');
      await t.db.store.memberships.set(account.id, admin.id, 'admin', new Date().toISOString());
      w = { t, fx, admin, account };
    });
    afterAll(async () => {
      await w.t.close();
    });

    /** The entry of one request (by its x-request-id) and action, read through the API as org-admin. */
    async function entryOf(res: LightMyRequestResponse, action: string): Promise<AuditEntry> {
      const requestId = String(res.headers['x-request-id']);
      const list = await w.t.as(w.t.adminToken, 'GET', `/api/v1/audit?action=${encodeURIComponent(action)}&limit=500`);
      expect(list.statusCode).toBe(200);
      const entries = (list.json().items as AuditEntry[]).filter((e) => e.requestId === requestId);
      expect(entries, `one ${action} entry for request ${requestId}`).toHaveLength(1);
      return entries[0]!;
    }

    it('every changing endpoint declares its audit action, and this test has a call for it', () => {
      const changing = w.t.router.registered.filter(audited);
      expect(changing.length).toBeGreaterThan(0);
      for (const ep of w.t.router.registered.filter((e) => e.telemetry === true)) {
        expect(ep.auth, `${ep.operationId}: only agent reports may skip the audit log`).toBe('node');
        expect(ep.audit, ep.operationId).toBeUndefined();
      }
      for (const ep of w.t.router.registered.filter((e) => e.readOnly === true)) {
        expect(ep.method, `${ep.operationId}: only a POST can be declared readOnly`).toBe('POST');
        expect(ep.audit, `${ep.operationId} is readOnly: it changes nothing and declares no audit action`).toBeUndefined();
      }
      for (const ep of changing) {
        expect(ep.audit, `${ep.operationId} changes state but declares no audit action`).toMatch(/^[a-z]+(\.[a-z]+)+$/);
        expect(Object.keys(SUCCESS), `no successful call of ${ep.operationId} in this test`).toContain(ep.operationId);
        expect([...Object.keys(DENIED), ...NEVER_DENIED], `no refused call of ${ep.operationId} in this test`).toContain(ep.operationId);
      }
      expect(Object.keys(SUCCESS).sort()).toEqual(changing.map((ep) => ep.operationId).sort());
    });

    it('a successful call of every changing endpoint appends its action with the actor, the address and the target', async () => {
      for (const ep of w.t.router.registered.filter(audited)) {
        const m = await SUCCESS[ep.operationId]!(w);
        const res = await w.t.as(m.credential ?? m.as?.token ?? null, m.method, m.url, m.body, { 'user-agent': 'audit-test/1.0' });
        expect(res.statusCode, `${ep.operationId}: ${res.body}`).toBe(ep.successStatus);
        const entry = await entryOf(res, ep.audit!);
        expect(entry, ep.operationId).toMatchObject({
          action: ep.audit,
          outcome: 'success',
          actorType: m.actorType ?? 'user',
          actorId: m.actorId === undefined ? m.as?.id : m.actorId,
          via: m.via === undefined ? 'token' : m.via,
          ip: '127.0.0.1',
          userAgent: 'audit-test/1.0',
          targetId: typeof m.targetId === 'string' ? m.targetId : m.targetId(res),
        });
        if (m.accountId !== undefined) expect(entry.accountId, ep.operationId).toBe(m.accountId);
        expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);
      }
    });

    it('changes refused by the access rules appear with outcome denied, naming who tried and at what', async () => {
      const viewer = await w.fx.user({ prefix: 'viewer', memberships: [[w.account.id, 'viewer']] });
      for (const [operationId, make] of Object.entries(DENIED)) {
        const ep = w.t.router.registered.find((e) => e.operationId === operationId)!;
        const m = await make(w, viewer);
        const res = await w.t.as(viewer.token, m.method, m.url, m.body);
        expect(res.statusCode, `${operationId}: ${res.body}`).toBe(m.status);
        const entry = await entryOf(res, ep.audit!);
        expect(entry, operationId).toMatchObject({ outcome: 'denied', actorType: 'user', actorId: viewer.id, ip: '127.0.0.1', targetId: m.targetId === '' ? null : m.targetId });
        if (m.accountId !== undefined) expect(entry.accountId, operationId).toBe(m.accountId);
      }
      // Account admins read the refusals aimed at their account in their part of the log.
      const accountAdmin = await w.fx.user({ prefix: 'acctadmin', memberships: [[w.account.id, 'admin']] });
      const mine = await w.t.as(accountAdmin.token, 'GET', `/api/v1/audit?accountId=${w.account.id}&outcome=denied&actorId=${viewer.id}`);
      expect((mine.json().items as AuditEntry[]).map((e) => e.action).sort()).toEqual(
        [
          'account.delete',
          'baseline.create',
          'baseline.default.clear',
          'baseline.default.set',
          'baseline.delete',
          'baseline.update',
          'patchgroup.deregister',
          'patchgroup.register',
          'account.member.remove',
          'account.member.set',
          'account.update',
          'activation.create',
          'activation.revoke',
          'command.cancel',
          'command.send',
          'node.deregister',
          'node.tags.set',
          'node.tags.update',
          'resourcegroup.create',
          'resourcegroup.delete',
          'resourcegroup.update',
          'runbook.create', // issue 6: runbooks
          'execution.start', // issue 6: executions
          'window.create', // issue 6: windows
          'delegation.grant', // issue 6: delegations
          // Addressed by their own id: the denied entry names the account the object belongs to.
          'delegation.revoke',
          'execution.approval',
          'execution.cancel',
          'execution.pause',
          'execution.resume',
          'runbook.delete',
          'runbook.update',
          'window.delete',
          'window.task.add',
          'window.task.remove',
          'window.update',
          'snapshot.create',
          'repository.create', // issue 8: dependency patching
          'repository.delete',
          'repository.scan',
          'repository.update',
        ].sort(),
      );
    });

    it('failed sign-ins appear with outcome failure, and sign-ins refused by the rate limit with outcome denied', async () => {
      const user = await w.fx.user({ prefix: 'forgetful' });
      const wrong = await w.t.as(null, 'POST', '/api/v1/auth/login', { username: user.username, password: 'not-the-password' });
      expect(wrong.statusCode).toBe(401);
      expect(await entryOf(wrong, 'auth.login')).toMatchObject({ outcome: 'failure', actorType: 'anonymous', actorId: null, targetId: user.id, ip: '127.0.0.1', details: { username: user.username, reason: 'bad_credentials' } });
      const nobody = await w.t.as(null, 'POST', '/api/v1/auth/login', { username: 'nobody-at-all', password: 'whatever-it-is' });
      expect(nobody.statusCode).toBe(401);
      expect(await entryOf(nobody, 'auth.login')).toMatchObject({ outcome: 'failure', actorType: 'anonymous', targetId: null, details: { username: 'nobody-at-all' } });
      await w.t.as(null, 'POST', '/api/v1/auth/login', { username: user.username, password: 'still-not-the-password' });
      const limited = await w.t.as(null, 'POST', '/api/v1/auth/login', { username: user.username, password: KNOWN_PASSWORD });
      expect(limited.statusCode).toBe(429);
      expect(await entryOf(limited, 'auth.login')).toMatchObject({ outcome: 'denied', actorType: 'anonymous', details: { username: user.username, reason: 'rate_limited' } });
    });

    it('a password change with the wrong current password appears with outcome failure', async () => {
      const user = await w.fx.user({ prefix: 'guesser' });
      const res = await w.t.as(user.token, 'POST', '/api/v1/me/password', { currentPassword: 'a-wrong-guess', newPassword: 'a-new-password-xyz' });
      expect(res.statusCode).toBe(400);
      expect(await entryOf(res, 'user.password.change')).toMatchObject({ outcome: 'failure', actorId: user.id, targetId: user.id });
    });

    it('enrollments refused (wrong code) appear with outcome failure, naming the activation', async () => {
      const created = await w.t.as(w.admin.token, 'POST', `/api/v1/accounts/${w.account.id}/activations`, {});
      const res = await w.t.as(null, 'POST', '/api/v1/agent/enroll', { activationId: created.json().id, activationCode: 'wrong-code', hostname: 'h', platform: PLATFORM, agentVersion: '0.1.0' });
      expect(res.statusCode).toBe(401);
      expect(await entryOf(res, 'node.enroll')).toMatchObject({ outcome: 'failure', actorType: 'anonymous', actorName: `activation ${String(created.json().id)}`, targetId: created.json().id });
    });

    it('reads that change nothing leave no entry', async () => {
      const res = await w.t.as(w.admin.token, 'GET', `/api/v1/accounts/${w.account.id}`);
      const list = await w.t.as(w.t.adminToken, 'GET', '/api/v1/audit?limit=500');
      expect((list.json().items as AuditEntry[]).filter((e) => e.requestId === res.headers['x-request-id'])).toEqual([]);
    });
  });
}
