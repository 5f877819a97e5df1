/**
 * The authorization matrix: every route × every role × own/foreign target, against an explicit table
 * of expected outcomes written from the documented access rules (src/domain/access.ts and each
 * contract's `access`), not from the services' code:
 *
 * - org-admin may do everything; org-auditor reads everything and changes nothing (403 on changes);
 * - in an account, viewer reads, operator also operates, admin also manages the account and its
 *   members; a lesser role in the account gets 403;
 * - objects of an account the caller has no role in answer 404, so their existence is not revealed;
 * - users are visible to themselves, to organization roles and to admins of an account they belong to
 *   (404 for everyone else); only org-admin changes other users; tokens belong to their owner.
 *
 * Every cell issues a real request against fresh fixtures, checks the status, checks that a refused
 * change changed nothing, and checks that no answer to a caller without organization role carries
 * data of the foreign account (its name, its members).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEndpoints } from '../../src/contracts/api.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { expectErrorShape, Fixtures, KNOWN_PASSWORD, knownPasswordHash, ROLES, servedRoutes, type Acct, type Person, type Role } from './fixtures.js';
import { baselineIn, DEBIAN_RULES } from '../baselines/helpers.js';
import { inventory, pkg, update } from '../nodes/helpers.js';
import { runbookIn, runbookYaml } from '../runbooks/helpers.js';
import { osvRecord } from '../advisories/helpers.js';

/** A stand-in agent bundle for GET /downloads/patchwarden-agent.mjs (the real one is built by test/server/downloads.test.ts). */
const AGENT_BUNDLE_TEXT = 'export {}; // patchwarden agent (authorization test)\n';
function agentBundleFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pw-authz-')), 'agent.mjs');
  writeFileSync(file, AGENT_BUNDLE_TEXT);
  return file;
}

type Expect = 'allow' | 'redirect' | 401 | 403 | 404 | 409;
/** Expected outcomes in the order of ROLES: anonymous, org-admin, org-auditor, admin, operator, viewer, no-role. */
type Row = readonly [Expect, Expect, Expect, Expect, Expect, Expect, Expect];
/** `-`: the route has no target; `own`/`foreign`: an object of the caller's account or of another account; `self`: the caller's own user or token. */
type Target = '-' | 'own' | 'foreign' | 'self';

const A = 'allow' as const;

const PUBLIC: Row = [A, A, A, A, A, A, A];
const ANY_USER: Row = [401, A, A, A, A, A, A];
const ORG_ADMIN_ONLY: Row = [401, A, 403, 403, 403, 403, 403];
const ORG_READERS: Row = [401, A, A, 403, 403, 403, 403];

/** Reading an object of an account: account roles on their own account; organization roles everywhere. */
const READ_OWN: Row = [401, A, A, A, A, A, 404];
const READ_FOREIGN: Row = [401, A, A, 404, 404, 404, 404];
/** Managing an account (settings, members): admin of the account; org-admin. */
const MANAGE_OWN: Row = [401, A, 403, A, 403, 403, 404];
const MANAGE_FOREIGN: Row = [401, A, 403, 404, 404, 404, 404];
/** Organization-wide changes addressed to an account (delete): org-admin only; 404 where the caller sees nothing. */
const ORG_CHANGE_OWN: Row = [401, A, 403, 403, 403, 403, 404];
const ORG_CHANGE_FOREIGN: Row = [401, A, 403, 404, 404, 404, 404];
/** Operating in an account (commands): operator and admin of the account; org-admin. */
const OPERATE_OWN: Row = [401, A, 403, A, A, 403, 404];
/** Activations: admin of the account and org-admin create and revoke; organization roles also list. */
const ACTIVATIONS_READ_OWN: Row = [401, A, A, A, 403, 403, 404];
/** The agent routes take only node credentials: every user (and anonymous) gets 401. */
const NODES_ONLY: Row = [401, 401, 401, 401, 401, 401, 401];

/**
 * The expected table. Keys are operationIds (`operationId#variant` for more cases of one route) and,
 * for the routes outside the contracts, `METHOD /path`.
 */
const EXPECTED: Record<string, Partial<Record<Target, Row>>> = {
  // Auth: anyone may sign in; everything else needs credentials.
  login: { '-': PUBLIC },
  logout: { '-': ANY_USER },
  getSession: { '-': ANY_USER },
  getMe: { '-': ANY_USER },
  changeMyPassword: { '-': ANY_USER },
  // Organization: every user reads it, org-admin renames it.
  getOrganization: { '-': ANY_USER },
  updateOrganization: { '-': ORG_ADMIN_ONLY },
  // Accounts.
  listAccounts: { '-': ANY_USER },
  createAccount: { '-': ORG_ADMIN_ONLY },
  getAccount: { own: READ_OWN, foreign: READ_FOREIGN },
  updateAccount: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  deleteAccount: { own: ORG_CHANGE_OWN, foreign: ORG_CHANGE_FOREIGN },
  listAccountMembers: { own: READ_OWN, foreign: READ_FOREIGN },
  setAccountMember: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  removeAccountMember: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  // Users: organization roles see all, account admins the members of their accounts.
  listUsers: { '-': [401, A, A, A, 403, 403, 403] },
  // An account admin creates users only in accounts they administer; naming another account is
  // refused with 403 whether or not it exists (checked below), so nothing is revealed.
  createUser: { own: [401, A, 403, A, 403, 403, 403], foreign: [401, A, 403, 403, 403, 403, 403] },
  getUser: { self: ANY_USER, own: [401, A, A, A, 404, 404, 404], foreign: [401, A, A, 404, 404, 404, 404] },
  // The user changes their own display name and email; org-admin changes anyone; who sees a user but may not change it gets 403.
  updateUser: { self: ANY_USER, own: [401, A, 403, 403, 404, 404, 404], foreign: [401, A, 403, 404, 404, 404, 404] },
  // Granting oneself an organization role is org-admin's business only.
  'updateUser#orgRole': { self: ORG_ADMIN_ONLY },
  setUserPassword: { self: ORG_ADMIN_ONLY, own: [401, A, 403, 403, 404, 404, 404], foreign: [401, A, 403, 404, 404, 404, 404] },
  // Nobody deletes themselves (409 for org-admin, who could delete anyone else).
  deleteUser: { self: [401, 409, 403, 403, 403, 403, 403], own: [401, A, 403, 403, 404, 404, 404], foreign: [401, A, 403, 404, 404, 404, 404] },
  // Tokens: your own; org-admin and org-auditor list everyone's; only the owner and org-admin revoke.
  listTokens: { '-': ANY_USER },
  'listTokens#all': { '-': ORG_READERS },
  'listTokens#userId': { own: ORG_READERS, foreign: ORG_READERS },
  createToken: { '-': ANY_USER },
  revokeToken: { self: ANY_USER, own: [401, A, 403, 404, 404, 404, 404], foreign: [401, A, 403, 404, 404, 404, 404] },
  // Audit log: organization roles read all of it; an account admin reads their accounts' part.
  listAuditLog: { '-': [401, A, A, A, 403, 403, 403] },
  'listAuditLog#accountId': { own: [401, A, A, A, 403, 403, 403], foreign: ORG_READERS },
  // Activations: account admins; organization roles read.
  createActivation: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  listActivations: { own: ACTIVATIONS_READ_OWN, foreign: READ_FOREIGN },
  revokeActivation: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  // Nodes: viewers read; tags (they drive targeting) and deregistration need admin.
  listNodes: { '-': ANY_USER },
  'listNodes#complianceStatus': { '-': ANY_USER },
  getNode: { own: READ_OWN, foreign: READ_FOREIGN },
  listNodePackages: { own: READ_OWN, foreign: READ_FOREIGN },
  listNodeUpdates: { own: READ_OWN, foreign: READ_FOREIGN },
  putNodeTags: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  patchNodeTags: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  deregisterNode: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  // Commands: operators send and cancel, viewers read.
  sendCommand: { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  listCommands: { '-': ANY_USER },
  // A node's commands: like accountId, a node the caller cannot read narrows to nothing (an empty page).
  'listCommands#nodeId': { own: ANY_USER, foreign: ANY_USER },
  getCommand: { own: READ_OWN, foreign: READ_FOREIGN },
  cancelCommand: { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  // Resource groups are configuration (they choose what commands reach): admins change them, viewers read.
  listResourceGroups: { own: READ_OWN, foreign: READ_FOREIGN },
  createResourceGroup: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  getResourceGroup: { own: READ_OWN, foreign: READ_FOREIGN },
  updateResourceGroup: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  deleteResourceGroup: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  listResourceGroupNodes: { own: READ_OWN, foreign: READ_FOREIGN },
  // Snapshots: operators freeze them (as an Install does), viewers read.
  createSnapshot: { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  listSnapshots: { '-': ANY_USER },
  getSnapshot: { own: READ_OWN, foreign: READ_FOREIGN },
  // Baselines: everyone reads the predefined ones; viewers read their accounts'; admins manage them;
  // viewers preview saved baselines, drafts need the operator role.
  listBaselines: { '-': ANY_USER },
  createBaseline: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  getBaseline: { own: READ_OWN, foreign: READ_FOREIGN },
  'getBaseline#predefined': { '-': ANY_USER },
  updateBaseline: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  'updateBaseline#predefined': { '-': [401, 409, 409, 409, 409, 409, 409] },
  deleteBaseline: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  listDefaultBaselines: { own: READ_OWN, foreign: READ_FOREIGN },
  setDefaultBaseline: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  clearDefaultBaseline: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  listPatchGroups: { own: READ_OWN, foreign: READ_FOREIGN },
  registerPatchGroup: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  deregisterPatchGroup: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  getNodeBaseline: { own: READ_OWN, foreign: READ_FOREIGN },
  previewBaseline: { own: READ_OWN, foreign: READ_FOREIGN },
  'previewBaseline#rules': { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  // Compliance reports: any user, over the accounts they can see; SLA settings: org-admin changes them.
  getComplianceSummary: { '-': ANY_USER },
  'getComplianceSummary#accountId': { own: READ_OWN, foreign: READ_FOREIGN },
  listComplianceNodes: { '-': ANY_USER },
  getNodeCompliance: { own: READ_OWN, foreign: READ_FOREIGN },
  getNodeComplianceHistory: { own: READ_OWN, foreign: READ_FOREIGN },
  listCompliancePatches: { '-': ANY_USER },
  getCompliancePatchSummary: { '-': ANY_USER },
  getComplianceTrend: { '-': ANY_USER },
  listComplianceCves: { '-': ANY_USER },
  'listComplianceCves#accountId': { own: READ_OWN, foreign: READ_FOREIGN },
  exportCompliance: { '-': ANY_USER },
  getComplianceSettings: { '-': ANY_USER },
  putComplianceSettings: { '-': ORG_ADMIN_ONLY },
  // The agent protocol: anyone with an activation code enrolls; the rest is for node credentials only
  // (the node-credential cells are in the test below the table).
  enrollNode: { '-': PUBLIC },
  agentHeartbeat: { '-': NODES_ONLY },
  putInventory: { '-': NODES_ONLY },
  patchInventory: { '-': NODES_ONLY },
  pollCommands: { '-': NODES_ONLY },
  postInvocationResult: { '-': NODES_ONLY },
  // ---- issue 6: runbooks ----
  // Runbooks: everyone reads the built-ins and validates; viewers read their accounts'; admins manage them.
  listRunbooks: { '-': ANY_USER },
  createRunbook: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  getRunbook: { own: READ_OWN, foreign: READ_FOREIGN },
  'getRunbook#builtin': { '-': ANY_USER },
  updateRunbook: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  'updateRunbook#builtin': { '-': [401, 409, 409, 409, 409, 409, 409] },
  deleteRunbook: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  listRunbookVersions: { own: READ_OWN, foreign: READ_FOREIGN },
  validateRunbook: { '-': ANY_USER },
  // ---- issue 6: executions ----
  // Executions: operators of the account start and control them, viewers read; approvals by the step's roles (admin by default).
  startExecution: { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  listExecutions: { '-': ANY_USER },
  getExecution: { own: READ_OWN, foreign: READ_FOREIGN },
  getExecutionTimeline: { own: READ_OWN, foreign: READ_FOREIGN },
  pauseExecution: { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  resumeExecution: { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  cancelExecution: { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  decideExecutionApproval: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  listPendingApprovals: { '-': ANY_USER },
  // ---- issue 6: delegations ----
  // Delegations: readers of the granting account see them; its admins grant and revoke; the allow-list: everyone reads, org-admin sets.
  listDelegations: { '-': ANY_USER },
  createDelegation: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  getDelegation: { own: READ_OWN, foreign: READ_FOREIGN },
  revokeDelegation: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  getAutomationSettings: { '-': ANY_USER },
  updateAutomationSettings: { '-': ORG_ADMIN_ONLY },
  // ---- issue 6: windows ----
  // Maintenance windows: viewers read them (runs, schedule preview); admins of the account manage them.
  listWindows: { '-': ANY_USER },
  createWindow: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  getWindow: { own: READ_OWN, foreign: READ_FOREIGN },
  updateWindow: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  deleteWindow: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  addWindowTask: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  removeWindowTask: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  listWindowRuns: { own: READ_OWN, foreign: READ_FOREIGN },
  getWindowSchedule: { own: READ_OWN, foreign: READ_FOREIGN },
  // ---- issue 6: policies ----
  // Patch policies are the organization's: everyone reads them, org-admin writes them, organization roles read their runs.
  listPolicies: { '-': ANY_USER },
  getPolicy: { '-': ANY_USER },
  createPolicy: { '-': ORG_ADMIN_ONLY },
  updatePolicy: { '-': ORG_ADMIN_ONLY },
  deletePolicy: { '-': ORG_ADMIN_ONLY },
  listPolicyRuns: { '-': ORG_READERS },
  // ---- issue 8: dependency patching ----
  // Watched repositories: viewers read them (scans, findings, pull requests, compliance); operators scan; admins of the account manage them;
  // only org-admin names a server-wide `env:` secret.
  listRepositories: { '-': ANY_USER },
  createRepository: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  'createRepository#env': { own: [401, A, 403, 403, 403, 403, 404] },
  getRepository: { own: READ_OWN, foreign: READ_FOREIGN },
  updateRepository: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  deleteRepository: { own: MANAGE_OWN, foreign: MANAGE_FOREIGN },
  scanRepository: { own: OPERATE_OWN, foreign: MANAGE_FOREIGN },
  listRepositoryScans: { own: READ_OWN, foreign: READ_FOREIGN },
  getRepositoryScan: { own: READ_OWN, foreign: READ_FOREIGN },
  listDependencyFindings: { '-': ANY_USER },
  listDependencyPullRequests: { '-': ANY_USER },
  getDependencyCompliance: { '-': ANY_USER },
  'getDependencyCompliance#accountId': { own: READ_OWN, foreign: READ_FOREIGN },
  // Advisories are public data: every signed-in user reads them.
  listAdvisories: { '-': ANY_USER },
  getAdvisory: { '-': ANY_USER },
  // Outside the contracts.
  'GET /healthz': { '-': PUBLIC },
  'GET /readyz': { '-': PUBLIC },
  'GET /metrics': { '-': ORG_READERS },
  'GET /api/v1/openapi.json': { '-': PUBLIC },
  'GET /api/docs': { '-': PUBLIC },
  'GET /api/docs/init.js': { '-': PUBLIC },
  'GET /api/docs/assets/*': { '-': PUBLIC },
  // The agent bundle: a host being enrolled has no credentials yet.
  'GET /downloads/patchwarden-agent.mjs': { '-': PUBLIC },
  // The dashboard (issue 7): its page for / and every deep link asking for HTML, and its icon; sign-in happens in the page.
  'GET /': { '-': PUBLIC },
  'GET /*': { '-': PUBLIC },
  'GET /favicon.svg': { '-': PUBLIC },
};

const CELLS = Object.values(EXPECTED).reduce((n, targets) => n + Object.keys(targets).length * ROLES.length, 0);
const TARGETED = Object.values(EXPECTED).filter((targets) => !('-' in targets)).length;

/** The world of one cell: the caller, its account and a foreign account, and a member of each. */
interface Scenario {
  role: Role;
  caller: Person | null;
  own: Acct;
  foreign: Acct;
  /** Viewer of the own account and of the foreign account. */
  ownMember: Person;
  /** Viewer of the foreign account only. */
  foreignMember: Person;
  /** A node of each account (hostnames carry the account name, so leaks are caught) and a pending command for it. */
  ownNode: { nodeId: string; credential: string };
  foreignNode: { nodeId: string; credential: string };
  ownCommand: { commandId: string; invocationId: string };
  foreignCommand: { commandId: string; invocationId: string };
}

interface Call {
  method: string;
  url: string;
  body?: unknown;
  /** Use a session cookie instead of the bearer token. */
  session?: boolean;
  /** Extra request headers (e.g. `accept: text/html` for the dashboard's deep links). */
  headers?: Record<string, string>;
  /** Checks the state after the call: `allowed` is whether the call succeeded. */
  verify?: (res: LightMyRequestResponse, allowed: boolean) => Promise<void>;
}

type CaseFn = (s: Scenario, target: Target, t: TestApp, fx: Fixtures) => Promise<Call>;

/** Reads share one scenario per role; every change gets a fresh one. */
const isRead = (key: string) => key.startsWith('GET ') || allEndpoints.find((ep) => ep.operationId === key.split('#')[0])?.method === 'GET';

const isOrgRole = (role: Role) => role === 'org-admin' || role === 'org-auditor';
const isAccountRole = (role: Role) => role === 'admin' || role === 'operator' || role === 'viewer';
const targetAccount = (s: Scenario, target: Target) => (target === 'foreign' ? s.foreign : s.own);
/** The user a user route is addressed to: the caller (self; a member for anonymous), a member of the own account, or of the foreign account only. */
const targetUser = (s: Scenario, target: Target) => (target === 'self' ? (s.caller ?? s.ownMember) : target === 'own' ? s.ownMember : s.foreignMember);
const targetNode = (s: Scenario, target: Target) => (target === 'foreign' ? s.foreignNode : s.ownNode);
const targetCommand = (s: Scenario, target: Target) => (target === 'foreign' ? s.foreignCommand : s.ownCommand);
const PLATFORM = { osId: 'debian', osIdLike: [], version: '12', codename: 'bookworm', prettyName: 'Debian 12', arch: 'amd64', packageManager: 'apt', ecosystem: 'Debian:12' };
/** Gives both scenario nodes an inventory with a pending security update (named after the account) and evaluates them, once. */
const evaluatedScenarios = new WeakSet<Scenario>();
async function evaluated(s: Scenario, t: TestApp): Promise<void> {
  if (evaluatedScenarios.has(s)) return;
  evaluatedScenarios.add(s);
  const now = new Date().toISOString();
  for (const [account, node] of [[s.own, s.ownNode], [s.foreign, s.foreignNode]] as const) {
    const name = `pkg-${account.name.toLowerCase()}`;
    const inv = inventory(`${account.name}-host`, [pkg(name, '1.0-1')], [update(name, '1.0-1', '1.0-2', true)]);
    await t.db.store.transaction((tx) => tx.nodes.replaceInventory(node.nodeId, inv, now));
  }
  await t.services.compliance.evaluateNodes([s.ownNode.nodeId, s.foreignNode.nodeId]);
}
const ids = (res: LightMyRequestResponse, key = 'id') => (res.json().items as Record<string, string>[]).map((i) => i[key]).sort();

/** How to call each route, and what must (not) have changed afterwards. */
const CASES: Record<string, CaseFn> = {
  login: async (s, _target, t, fx) => {
    const who = s.caller ?? (await fx.user({ prefix: 'login' }));
    return {
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: who.username, password: KNOWN_PASSWORD },
      verify: async (res, allowed) => {
        if (allowed) expect(String(res.headers['set-cookie'])).toMatch(/^pw_session=.+HttpOnly.*SameSite=Strict/i);
      },
    };
  },
  logout: async () => ({ method: 'POST', url: '/api/v1/auth/logout' }),
  getSession: async (s) => ({
    method: 'GET',
    url: '/api/v1/auth/session',
    session: true,
    verify: async (res, allowed) => {
      if (allowed) expect(res.json().user.id).toBe(s.caller?.id);
    },
  }),
  getMe: async (s) => ({
    method: 'GET',
    url: '/api/v1/me',
    verify: async (res, allowed) => {
      if (allowed) expect(res.json().id).toBe(s.caller?.id);
    },
  }),
  changeMyPassword: async (s, _target, t) => ({
    method: 'POST',
    url: '/api/v1/me/password',
    body: { currentPassword: KNOWN_PASSWORD, newPassword: 'another-password-5678' },
    verify: async (_res, allowed) => {
      if (s.caller === null) return;
      const hash = (await t.db.store.users.get(s.caller.id))?.passwordHash;
      if (allowed) expect(hash).not.toBe(await knownPasswordHash());
      else expect(hash).toBe(await knownPasswordHash());
    },
  }),
  getOrganization: async () => ({ method: 'GET', url: '/api/v1/organization' }),
  updateOrganization: async (_s, _target, t, fx) => {
    const name = fx.unique('Org');
    return {
      method: 'PATCH',
      url: '/api/v1/organization',
      body: { name },
      verify: async (_res, allowed) => {
        expect((await t.db.store.organizations.get())?.name === name).toBe(allowed);
      },
    };
  },
  listAccounts: async (s) => ({
    method: 'GET',
    url: '/api/v1/accounts?limit=500&sort=-createdAt',
    verify: async (res, allowed) => {
      if (!allowed) return;
      const seen = ids(res);
      if (isOrgRole(s.role)) expect(seen).toEqual(expect.arrayContaining([s.own.id, s.foreign.id]));
      else if (isAccountRole(s.role)) expect(seen).toEqual([s.own.id]);
      else expect(seen).toEqual([]);
    },
  }),
  createAccount: async (_s, _target, t, fx) => {
    const name = fx.unique('created');
    return {
      method: 'POST',
      url: '/api/v1/accounts',
      body: { name },
      verify: async (_res, allowed) => {
        expect((await t.db.store.accounts.getByName(name)) !== undefined).toBe(allowed);
      },
    };
  },
  getAccount: async (s, target) => ({
    method: 'GET',
    url: `/api/v1/accounts/${targetAccount(s, target).id}`,
    verify: async (res, allowed) => {
      if (allowed) expect(res.json().id).toBe(targetAccount(s, target).id);
    },
  }),
  updateAccount: async (s, target, t, fx) => {
    const account = targetAccount(s, target);
    const description = fx.unique('described');
    return {
      method: 'PATCH',
      url: `/api/v1/accounts/${account.id}`,
      body: { description },
      verify: async (_res, allowed) => {
        const after = await t.db.store.accounts.get(account.id);
        expect(after?.description === description).toBe(allowed);
        expect(after?.name).toBe(account.name);
      },
    };
  },
  deleteAccount: async (s, target, t) => {
    const account = targetAccount(s, target);
    return {
      method: 'DELETE',
      url: `/api/v1/accounts/${account.id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.accounts.get(account.id)) === undefined).toBe(allowed);
      },
    };
  },
  listAccountMembers: async (s, target) => ({
    method: 'GET',
    url: `/api/v1/accounts/${targetAccount(s, target).id}/members?limit=500`,
    verify: async (res, allowed) => {
      if (!allowed) return;
      const expected = target === 'own' ? [s.ownMember.id, ...(isAccountRole(s.role) && s.caller !== null ? [s.caller.id] : [])] : [s.ownMember.id, s.foreignMember.id];
      expect(ids(res, 'userId')).toEqual(expected.sort());
    },
  }),
  setAccountMember: async (s, target, t, fx) => {
    const account = targetAccount(s, target);
    const user = await fx.user({ prefix: 'grantee' });
    return {
      method: 'PUT',
      url: `/api/v1/accounts/${account.id}/members/${user.id}`,
      body: { role: 'viewer' },
      verify: async (_res, allowed) => {
        expect((await t.db.store.memberships.get(account.id, user.id)) !== undefined).toBe(allowed);
      },
    };
  },
  removeAccountMember: async (s, target, t, fx) => {
    const account = targetAccount(s, target);
    const user = await fx.user({ prefix: 'removee', memberships: [[account.id, 'viewer']] });
    return {
      method: 'DELETE',
      url: `/api/v1/accounts/${account.id}/members/${user.id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.memberships.get(account.id, user.id)) === undefined).toBe(allowed);
      },
    };
  },
  listUsers: async (s) => ({
    method: 'GET',
    url: '/api/v1/users?limit=500&sort=-createdAt',
    verify: async (res, allowed) => {
      if (!allowed || s.caller === null) return;
      if (isOrgRole(s.role)) expect(ids(res)).toEqual(expect.arrayContaining([s.ownMember.id, s.foreignMember.id]));
      else expect(ids(res)).toEqual([s.caller.id, s.ownMember.id].sort());
    },
  }),
  createUser: async (s, target, t, fx) => {
    const username = fx.unique('newuser');
    const body = (accountId: string) => ({ username, password: 'a-password-for-new-users', memberships: [{ accountId, role: 'viewer' }] });
    return {
      method: 'POST',
      url: '/api/v1/users',
      body: body(targetAccount(s, target).id),
      verify: async (res, allowed) => {
        expect((await t.db.store.users.getByUsername(username)) !== undefined).toBe(allowed);
        if (!allowed && s.caller !== null && s.role !== 'org-admin') {
          // Naming an account that does not exist is refused the same way: no existence oracle.
          const ghost = await t.as(s.caller.token, 'POST', '/api/v1/users', body('acct_doesnotexist0000'));
          expect(ghost.statusCode).toBe(res.statusCode);
        }
      },
    };
  },
  getUser: async (s, target) => ({
    method: 'GET',
    url: `/api/v1/users/${targetUser(s, target).id}`,
    verify: async (res, allowed) => {
      if (allowed) expect(res.json().id).toBe(targetUser(s, target).id);
    },
  }),
  updateUser: async (s, target, t, fx) => {
    const user = targetUser(s, target);
    const displayName = fx.unique('Renamed');
    return {
      method: 'PATCH',
      url: `/api/v1/users/${user.id}`,
      body: { displayName },
      verify: async (_res, allowed) => {
        expect((await t.db.store.users.get(user.id))?.displayName === displayName).toBe(allowed);
      },
    };
  },
  'updateUser#orgRole': async (s, target, t) => {
    const user = targetUser(s, target);
    const before = (await t.db.store.users.get(user.id))?.orgRole;
    return {
      method: 'PATCH',
      url: `/api/v1/users/${user.id}`,
      body: { orgRole: 'org-admin' },
      verify: async (_res, allowed) => {
        expect((await t.db.store.users.get(user.id))?.orgRole).toBe(allowed ? 'org-admin' : before);
      },
    };
  },
  setUserPassword: async (s, target, t) => {
    const user = targetUser(s, target);
    return {
      method: 'POST',
      url: `/api/v1/users/${user.id}/password`,
      body: { password: 'a-reset-password-123' },
      verify: async (_res, allowed) => {
        expect((await t.db.store.users.get(user.id))?.passwordHash !== (await knownPasswordHash())).toBe(allowed);
      },
    };
  },
  deleteUser: async (s, target, t) => {
    const user = targetUser(s, target);
    return {
      method: 'DELETE',
      url: `/api/v1/users/${user.id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.users.get(user.id)) === undefined).toBe(allowed);
      },
    };
  },
  listTokens: async (s) => ({
    method: 'GET',
    url: '/api/v1/tokens?limit=500',
    verify: async (res, allowed) => {
      if (!allowed || s.caller === null) return;
      expect(new Set(ids(res, 'userId'))).toEqual(new Set([s.caller.id]));
      expect(ids(res)).toContain(s.caller.tokenId);
    },
  }),
  'listTokens#all': async (s) => ({
    method: 'GET',
    url: '/api/v1/tokens?all=true&limit=500',
    verify: async (res, allowed) => {
      if (allowed) expect(ids(res, 'userId').filter((id) => id !== s.caller?.id).length).toBeGreaterThan(0);
    },
  }),
  'listTokens#userId': async (s, target) => {
    const user = targetUser(s, target);
    return {
      method: 'GET',
      url: `/api/v1/tokens?userId=${user.id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(ids(res)).toEqual([user.tokenId]);
      },
    };
  },
  createToken: async (s, _target, t) => ({
    method: 'POST',
    url: '/api/v1/tokens',
    body: { name: 'made in the matrix' },
    verify: async (res, allowed) => {
      if (!allowed) return;
      const me = await t.as(res.json().token, 'GET', '/api/v1/me');
      expect(me.json().id).toBe(s.caller?.id);
    },
  }),
  revokeToken: async (s, target, t, fx) => {
    const token = target === 'self' ? (s.caller === null ? { id: s.ownMember.tokenId, token: s.ownMember.token } : await fx.token(s.caller.id)) : { id: targetUser(s, target).tokenId, token: targetUser(s, target).token };
    return {
      method: 'DELETE',
      url: `/api/v1/tokens/${token.id}`,
      verify: async (_res, allowed) => {
        expect((await t.as(token.token, 'GET', '/api/v1/me')).statusCode).toBe(allowed ? 401 : 200);
      },
    };
  },
  listAuditLog: async (s) => ({
    method: 'GET',
    url: '/api/v1/audit?limit=500',
    verify: async (res, allowed) => {
      if (!allowed || s.role !== 'admin') return;
      const items = res.json().items as { accountId: string | null; details: { marker?: string } }[];
      expect(new Set(items.map((i) => i.accountId))).toEqual(new Set([s.own.id]));
      expect(items.map((i) => i.details.marker)).toContain(s.own.name);
    },
  }),
  'listAuditLog#accountId': async (s, target, t) => {
    const account = targetAccount(s, target);
    return {
      method: 'GET',
      url: `/api/v1/audit?accountId=${account.id}`,
      verify: async (res, allowed) => {
        if (allowed) {
          const items = res.json().items as { accountId: string | null; details: { marker?: string } }[];
          expect(new Set(items.map((i) => i.accountId))).toEqual(new Set([account.id]));
          expect(items.map((i) => i.details.marker)).toContain(account.name);
        } else if (s.caller !== null) {
          const ghost = await t.as(s.caller.token, 'GET', '/api/v1/audit?accountId=acct_doesnotexist0000');
          expect(ghost.statusCode).toBe(res.statusCode);
        }
      },
    };
  },
  createActivation: async (s, target, t) => {
    const account = targetAccount(s, target);
    const before = (await t.db.store.activations.list(account.id, { limit: 500, offset: 0, sort: 'createdAt' })).total;
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/activations`,
      body: { description: 'matrix', registrationLimit: 2 },
      verify: async (_res, allowed) => {
        expect((await t.db.store.activations.list(account.id, { limit: 500, offset: 0, sort: 'createdAt' })).total).toBe(before + (allowed ? 1 : 0));
      },
    };
  },
  listActivations: async (s, target) => ({ method: 'GET', url: `/api/v1/accounts/${targetAccount(s, target).id}/activations` }),
  revokeActivation: async (s, target, t) => {
    const account = targetAccount(s, target);
    const created = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${account.id}/activations`, {});
    const id = String(created.json().id);
    return {
      method: 'DELETE',
      url: `/api/v1/accounts/${account.id}/activations/${id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.activations.get(id))?.revokedAt !== null).toBe(allowed);
      },
    };
  },
  listNodes: async (s, _target, t) => ({
    method: 'GET',
    url: '/api/v1/nodes?limit=500&sort=-registeredAt',
    verify: async (res, allowed) => {
      if (!allowed) return;
      const seen = ids(res);
      if (isOrgRole(s.role)) {
        for (const [account, node] of [[s.own, s.ownNode], [s.foreign, s.foreignNode]] as const) {
          expect(ids(await t.as(s.caller?.token ?? null, 'GET', `/api/v1/nodes?accountId=${account.id}&limit=500`))).toContain(node.nodeId);
        }
      }
      else if (isAccountRole(s.role)) expect(seen).toEqual([s.ownNode.nodeId]);
      else expect(seen).toEqual([]);
    },
  }),
  'listNodes#complianceStatus': async (s, _target, t) => {
    await evaluated(s, t);
    return {
      method: 'GET',
      url: '/api/v1/nodes?complianceStatus=NON_COMPLIANT&limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = ids(res);
        if (isOrgRole(s.role)) expect(seen).toEqual(expect.arrayContaining([s.ownNode.nodeId, s.foreignNode.nodeId]));
        else if (isAccountRole(s.role)) expect(seen).toEqual([s.ownNode.nodeId]);
        else expect(seen).toEqual([]);
        for (const node of res.json().items as { compliance: { status: string } }[]) expect(node.compliance.status).toBe('NON_COMPLIANT');
      },
    };
  },
  getNode: async (s, target) => ({
    method: 'GET',
    url: `/api/v1/nodes/${targetNode(s, target).nodeId}`,
    verify: async (res, allowed) => {
      if (allowed) expect(res.json().id).toBe(targetNode(s, target).nodeId);
    },
  }),
  listNodePackages: async (s, target) => ({ method: 'GET', url: `/api/v1/nodes/${targetNode(s, target).nodeId}/packages` }),
  listNodeUpdates: async (s, target) => ({ method: 'GET', url: `/api/v1/nodes/${targetNode(s, target).nodeId}/updates?security=true` }),
  putNodeTags: async (s, target, t, fx) => {
    const node = targetNode(s, target);
    const value = fx.unique('tag');
    return {
      method: 'PUT',
      url: `/api/v1/nodes/${node.nodeId}/tags`,
      body: { tags: { owner: value } },
      verify: async (_res, allowed) => {
        expect((await t.db.store.nodes.get(node.nodeId))?.tags.owner === value).toBe(allowed);
      },
    };
  },
  patchNodeTags: async (s, target, t, fx) => {
    const node = targetNode(s, target);
    const value = fx.unique('tag');
    return {
      method: 'PATCH',
      url: `/api/v1/nodes/${node.nodeId}/tags`,
      body: { set: { owner: value } },
      verify: async (_res, allowed) => {
        expect((await t.db.store.nodes.get(node.nodeId))?.tags.owner === value).toBe(allowed);
      },
    };
  },
  deregisterNode: async (s, target, t) => {
    const node = targetNode(s, target);
    return {
      method: 'DELETE',
      url: `/api/v1/nodes/${node.nodeId}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.nodes.get(node.nodeId))?.deregisteredAt !== null).toBe(allowed);
        expect((await t.as(node.credential, 'POST', '/api/v1/agent/heartbeat', {})).statusCode).toBe(allowed ? 401 : 200);
      },
    };
  },
  sendCommand: async (s, target, t) => {
    const account = targetAccount(s, target);
    const count = async () => (await t.db.store.commands.list({ accounts: 'all', accountId: account.id }, { limit: 1, offset: 0, sort: 'createdAt' })).total;
    const before = await count();
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/commands`,
      body: { document: 'Scan', targets: { nodeIds: [targetNode(s, target).nodeId] } },
      verify: async (_res, allowed) => {
        expect(await count()).toBe(before + (allowed ? 1 : 0));
      },
    };
  },
  listCommands: async (s, _target, t) => ({
    method: 'GET',
    url: '/api/v1/commands?limit=500',
    verify: async (res, allowed) => {
      if (!allowed) return;
      const seen = ids(res);
      if (isOrgRole(s.role)) {
        for (const [account, command] of [[s.own, s.ownCommand], [s.foreign, s.foreignCommand]] as const) {
          expect(ids(await t.as(s.caller?.token ?? null, 'GET', `/api/v1/commands?accountId=${account.id}&limit=500`))).toContain(command.commandId);
        }
      }
      else if (isAccountRole(s.role)) expect(seen).toEqual([s.ownCommand.commandId]);
      else expect(seen).toEqual([]);
    },
  }),
  'listCommands#nodeId': async (s, target) => ({
    method: 'GET',
    url: `/api/v1/commands?nodeId=${targetNode(s, target).nodeId}&limit=500`,
    verify: async (res, allowed) => {
      if (!allowed) return;
      const readable = isOrgRole(s.role) || (isAccountRole(s.role) && target === 'own');
      expect(ids(res)).toEqual(readable ? [targetCommand(s, target).commandId] : []);
    },
  }),
  getCommand: async (s, target) => ({
    method: 'GET',
    url: `/api/v1/commands/${targetCommand(s, target).commandId}`,
    verify: async (res, allowed) => {
      if (allowed) expect(res.json().id).toBe(targetCommand(s, target).commandId);
    },
  }),
  cancelCommand: async (s, target, t) => {
    const command = targetCommand(s, target);
    return {
      method: 'POST',
      url: `/api/v1/commands/${command.commandId}/cancel`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.commands.invocation(command.invocationId))?.status).toBe(allowed ? 'Cancelled' : 'Pending');
      },
    };
  },
  listResourceGroups: async (s, target, _t, fx) => {
    const account = targetAccount(s, target);
    const id = await fx.resourceGroup(account.id);
    return {
      method: 'GET',
      url: `/api/v1/accounts/${account.id}/resource-groups`,
      verify: async (res, allowed) => {
        if (allowed) expect(ids(res)).toContain(id);
      },
    };
  },
  createResourceGroup: async (s, target, t) => {
    const account = targetAccount(s, target);
    const count = async () => (await t.db.store.resourceGroups.list(account.id, { limit: 1, offset: 0, sort: 'name' })).total;
    const before = await count();
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/resource-groups`,
      body: { name: `matrix-${Math.random().toString(36).slice(2, 8)}`, tagFilters: [{ key: 'Env', values: ['prod'] }] },
      verify: async (_res, allowed) => {
        expect(await count()).toBe(before + (allowed ? 1 : 0));
      },
    };
  },
  getResourceGroup: async (s, target, _t, fx) => {
    const account = targetAccount(s, target);
    const id = await fx.resourceGroup(account.id);
    return {
      method: 'GET',
      url: `/api/v1/accounts/${account.id}/resource-groups/${id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json().id).toBe(id);
      },
    };
  },
  updateResourceGroup: async (s, target, t, fx) => {
    const account = targetAccount(s, target);
    const id = await fx.resourceGroup(account.id);
    return {
      method: 'PATCH',
      url: `/api/v1/accounts/${account.id}/resource-groups/${id}`,
      body: { description: 'changed in the matrix' },
      verify: async (_res, allowed) => {
        expect((await t.db.store.resourceGroups.get(id))?.description === 'changed in the matrix').toBe(allowed);
      },
    };
  },
  deleteResourceGroup: async (s, target, t, fx) => {
    const account = targetAccount(s, target);
    const id = await fx.resourceGroup(account.id);
    return {
      method: 'DELETE',
      url: `/api/v1/accounts/${account.id}/resource-groups/${id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.resourceGroups.get(id)) === undefined).toBe(allowed);
      },
    };
  },
  listResourceGroupNodes: async (s, target, _t, fx) => {
    const account = targetAccount(s, target);
    const id = await fx.resourceGroup(account.id);
    return { method: 'GET', url: `/api/v1/accounts/${account.id}/resource-groups/${id}/nodes` };
  },
  createSnapshot: async (s, target, t) => {
    const account = targetAccount(s, target);
    const count = async () => (await t.db.store.snapshots.list({ accounts: 'all', accountId: account.id }, { limit: 1, offset: 0, sort: 'createdAt' })).total;
    const before = await count();
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/snapshots`,
      body: { targets: { nodeIds: [targetNode(s, target).nodeId] } },
      verify: async (_res, allowed) => {
        expect(await count()).toBe(before + (allowed ? 1 : 0));
      },
    };
  },
  listSnapshots: async (s, _target, t, fx) => {
    const own = await fx.snapshot(s.own.id);
    const foreign = await fx.snapshot(s.foreign.id);
    return {
      method: 'GET',
      url: '/api/v1/snapshots?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = ids(res);
        if (isOrgRole(s.role)) {
          for (const [account, id] of [[s.own, own], [s.foreign, foreign]] as const) {
            expect(ids(await t.as(s.caller?.token ?? null, 'GET', `/api/v1/snapshots?accountId=${account.id}&limit=500`))).toContain(id);
          }
        } else if (isAccountRole(s.role)) expect(seen).toEqual([own]);
        else expect(seen).toEqual([]);
      },
    };
  },
  getSnapshot: async (s, target, _t, fx) => {
    const id = await fx.snapshot(targetAccount(s, target).id);
    return {
      method: 'GET',
      url: `/api/v1/snapshots/${id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json().id).toBe(id);
      },
    };
  },
  listBaselines: async (s, _target, t) => {
    await baselineIn(t, s.own.id, `${s.own.name}-bl`);
    await baselineIn(t, s.foreign.id, `${s.foreign.name}-bl`);
    return {
      method: 'GET',
      url: '/api/v1/baselines?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const items = res.json().items as { accountId: string | null; predefined: boolean }[];
        expect(items.filter((b) => b.predefined).length).toBeGreaterThan(0);
        const accounts = new Set(items.filter((b) => !b.predefined).map((b) => b.accountId));
        if (isOrgRole(s.role)) expect([...accounts]).toEqual(expect.arrayContaining([s.own.id, s.foreign.id]));
        else if (isAccountRole(s.role)) expect([...accounts]).toEqual([s.own.id]);
        else expect([...accounts]).toEqual([]);
      },
    };
  },
  createBaseline: async (s, target, t) => {
    const account = targetAccount(s, target);
    const count = async () => (await t.db.store.baselines.list({ accounts: 'all', accountId: account.id }, { limit: 1, offset: 0, sort: 'name' })).total;
    const before = await count();
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/baselines`,
      body: { name: `matrix-${Math.random().toString(36).slice(2, 8)}`, ...DEBIAN_RULES },
      verify: async (_res, allowed) => {
        expect(await count()).toBe(before + (allowed ? 1 : 0));
      },
    };
  },
  getBaseline: async (s, target, t) => {
    const id = await baselineIn(t, targetAccount(s, target).id);
    return {
      method: 'GET',
      url: `/api/v1/baselines/${id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json().id).toBe(id);
      },
    };
  },
  'getBaseline#predefined': async () => ({ method: 'GET', url: '/api/v1/baselines/pb-predefined-debian' }),
  updateBaseline: async (s, target, t) => {
    const id = await baselineIn(t, targetAccount(s, target).id);
    return {
      method: 'PATCH',
      url: `/api/v1/baselines/${id}`,
      body: { description: 'changed in the matrix' },
      verify: async (_res, allowed) => {
        expect((await t.db.store.baselines.get(id))?.version).toBe(allowed ? 2 : 1);
      },
    };
  },
  'updateBaseline#predefined': async () => ({ method: 'PATCH', url: '/api/v1/baselines/pb-predefined-debian', body: { description: 'mine' } }),
  deleteBaseline: async (s, target, t) => {
    const id = await baselineIn(t, targetAccount(s, target).id);
    return {
      method: 'DELETE',
      url: `/api/v1/baselines/${id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.baselines.get(id)) === undefined).toBe(allowed);
      },
    };
  },
  listDefaultBaselines: async (s, target) => ({ method: 'GET', url: `/api/v1/accounts/${targetAccount(s, target).id}/default-baselines` }),
  setDefaultBaseline: async (s, target, t) => {
    const account = targetAccount(s, target);
    const id = await baselineIn(t, account.id);
    return {
      method: 'PUT',
      url: `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`,
      body: { baselineId: id },
      verify: async (_res, allowed) => {
        expect((await t.db.store.baselines.defaultsOf([account.id])).some((d) => d.baselineId === id)).toBe(allowed);
      },
    };
  },
  clearDefaultBaseline: async (s, target, t) => {
    const account = targetAccount(s, target);
    const id = await baselineIn(t, account.id);
    await t.as(t.adminToken, 'PUT', `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`, { baselineId: id });
    return {
      method: 'DELETE',
      url: `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.baselines.defaultsOf([account.id])).length).toBe(allowed ? 0 : 1);
      },
    };
  },
  listPatchGroups: async (s, target) => ({ method: 'GET', url: `/api/v1/accounts/${targetAccount(s, target).id}/patch-groups` }),
  registerPatchGroup: async (s, target, t) => {
    const account = targetAccount(s, target);
    const id = await baselineIn(t, account.id);
    return {
      method: 'PUT',
      url: `/api/v1/accounts/${account.id}/patch-groups/web/baselines/DEBIAN`,
      body: { baselineId: id },
      verify: async (_res, allowed) => {
        expect((await t.db.store.baselines.patchGroupsOf(account.id, 'web')).some((r) => r.baselineId === id)).toBe(allowed);
      },
    };
  },
  deregisterPatchGroup: async (s, target, t) => {
    const account = targetAccount(s, target);
    const id = await baselineIn(t, account.id);
    await t.as(t.adminToken, 'PUT', `/api/v1/accounts/${account.id}/patch-groups/db/baselines/DEBIAN`, { baselineId: id });
    return {
      method: 'DELETE',
      url: `/api/v1/accounts/${account.id}/patch-groups/db/baselines/DEBIAN`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.baselines.patchGroupsOf(account.id, 'db')).length).toBe(allowed ? 0 : 1);
      },
    };
  },
  getComplianceSummary: async (s, _target, t) => {
    await evaluated(s, t);
    return {
      method: 'GET',
      url: '/api/v1/compliance/summary?groupBy=account',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const keys = (res.json().groups as { key: string }[]).map((g) => g.key);
        if (isOrgRole(s.role)) expect(keys).toEqual(expect.arrayContaining([s.own.id, s.foreign.id]));
        else if (isAccountRole(s.role)) expect(keys).toEqual([s.own.id]);
        else expect(keys).toEqual([]);
      },
    };
  },
  'getComplianceSummary#accountId': async (s, target, t) => {
    await evaluated(s, t);
    return { method: 'GET', url: `/api/v1/compliance/summary?groupBy=os&accountId=${targetAccount(s, target).id}` };
  },
  listComplianceNodes: async (s, _target, t) => {
    await evaluated(s, t);
    return {
      method: 'GET',
      url: '/api/v1/compliance/nodes?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = ids(res, 'nodeId');
        if (isOrgRole(s.role)) expect(seen).toEqual(expect.arrayContaining([s.ownNode.nodeId, s.foreignNode.nodeId]));
        else if (isAccountRole(s.role)) expect(seen).toEqual([s.ownNode.nodeId]);
        else expect(seen).toEqual([]);
      },
    };
  },
  getNodeCompliance: async (s, target, t) => {
    await evaluated(s, t);
    return {
      method: 'GET',
      url: `/api/v1/nodes/${targetNode(s, target).nodeId}/compliance`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json().node).toMatchObject({ nodeId: targetNode(s, target).nodeId, status: 'NON_COMPLIANT' });
      },
    };
  },
  getNodeComplianceHistory: async (s, target, t) => {
    await evaluated(s, t);
    return { method: 'GET', url: `/api/v1/nodes/${targetNode(s, target).nodeId}/compliance/history` };
  },
  listCompliancePatches: async (s, _target, t) => {
    await evaluated(s, t);
    return {
      method: 'GET',
      url: '/api/v1/compliance/patches?cve=CVE-2024-0001&limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = [...new Set(ids(res, 'nodeId'))];
        if (isOrgRole(s.role)) expect(seen).toEqual(expect.arrayContaining([s.ownNode.nodeId, s.foreignNode.nodeId]));
        else if (isAccountRole(s.role)) expect(seen).toEqual([s.ownNode.nodeId]);
        else expect(seen).toEqual([]);
      },
    };
  },
  getCompliancePatchSummary: async (s, _target, t) => {
    await evaluated(s, t);
    return { method: 'GET', url: '/api/v1/compliance/patches/summary?limit=500' };
  },
  getComplianceTrend: async (s, _target, t) => {
    await evaluated(s, t);
    return { method: 'GET', url: '/api/v1/compliance/trend?days=7' };
  },
  listComplianceCves: async (s, _target, t) => {
    await evaluated(s, t);
    return {
      method: 'GET',
      url: '/api/v1/compliance/cves?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const cve = (res.json().items as { cve: string; nodes: number; accounts: number; packages: string[] }[]).find((i) => i.cve === 'CVE-2024-0001');
        if (isOrgRole(s.role)) expect(cve?.accounts).toBeGreaterThanOrEqual(2);
        else if (isAccountRole(s.role)) expect(cve).toMatchObject({ nodes: 1, accounts: 1, packages: [`pkg-${s.own.name.toLowerCase()}`] });
        else expect(res.json().items).toEqual([]);
      },
    };
  },
  'listComplianceCves#accountId': async (s, target, t) => {
    await evaluated(s, t);
    return { method: 'GET', url: `/api/v1/compliance/cves?accountId=${targetAccount(s, target).id}` };
  },
  exportCompliance: async (s, _target, t) => {
    await evaluated(s, t);
    return {
      method: 'GET',
      url: '/api/v1/compliance/export?report=patches&format=csv',
      verify: async (res, allowed) => {
        if (!allowed) return;
        expect(res.headers['content-type']).toMatch(/^text\/csv/);
        if (isAccountRole(s.role)) expect(res.body).toContain(s.ownNode.nodeId);
        if (!isOrgRole(s.role)) expect(res.body).not.toContain(s.foreignNode.nodeId);
      },
    };
  },
  getComplianceSettings: async () => ({ method: 'GET', url: '/api/v1/compliance/settings' }),
  putComplianceSettings: async (_s, _target, t) => {
    const days = 1 + Math.floor(Math.random() * 1000);
    const before = (await t.db.store.compliance.getSla((await t.db.store.organizations.get())!.id))?.sla.low;
    return {
      method: 'PUT',
      url: '/api/v1/compliance/settings',
      body: { slaDays: { low: days } },
      verify: async (_res, allowed) => {
        const after = (await t.db.store.compliance.getSla((await t.db.store.organizations.get())!.id))?.sla.low;
        expect(after).toBe(allowed ? days : before);
      },
    };
  },
  getNodeBaseline: async (s, target) => ({
    method: 'GET',
    url: `/api/v1/nodes/${targetNode(s, target).nodeId}/baseline`,
    verify: async (res, allowed) => {
      if (allowed) expect(res.json()).toMatchObject({ nodeId: targetNode(s, target).nodeId, source: 'predefined' });
    },
  }),
  previewBaseline: async (s, target) => ({
    method: 'POST',
    url: `/api/v1/accounts/${targetAccount(s, target).id}/baselines/preview`,
    body: { baselineId: 'pb-predefined-debian' },
    verify: async (res, allowed) => {
      if (allowed) expect(res.json().totals.nodes).toBe(1);
    },
  }),
  'previewBaseline#rules': async (s, target) => ({
    method: 'POST',
    url: `/api/v1/accounts/${targetAccount(s, target).id}/baselines/preview`,
    body: { rules: DEBIAN_RULES },
  }),
  enrollNode: async (s, _target, t) => {
    const created = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${s.own.id}/activations`, {});
    const hostname = `enrolled-${Math.random().toString(36).slice(2, 8)}`;
    return {
      method: 'POST',
      url: '/api/v1/agent/enroll',
      body: { activationId: created.json().id, activationCode: created.json().activationCode, hostname, platform: PLATFORM, agentVersion: '0.1.0' },
      verify: async (res, allowed) => {
        if (allowed) expect((await t.db.store.nodes.get(String(res.json().nodeId)))?.hostname).toBe(hostname);
      },
    };
  },
  agentHeartbeat: async () => ({ method: 'POST', url: '/api/v1/agent/heartbeat', body: {} }),
  putInventory: async () => ({ method: 'PUT', url: '/api/v1/agent/inventory', body: {} }),
  patchInventory: async () => ({ method: 'PATCH', url: '/api/v1/agent/inventory', body: { baseRevision: 1 } }),
  pollCommands: async () => ({ method: 'GET', url: '/api/v1/agent/commands' }),
  postInvocationResult: async (s) => ({ method: 'POST', url: '/api/v1/agent/results', body: { invocationId: s.ownCommand.invocationId } }),
  // ---- issue 6: runbooks (cases) ----
  listRunbooks: async (s, _target, t) => {
    await runbookIn(t, s.own.id);
    await runbookIn(t, s.foreign.id);
    return {
      method: 'GET',
      url: '/api/v1/runbooks?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const items = res.json().items as { accountId: string | null; builtin: boolean }[];
        expect(items.filter((r) => r.builtin).length).toBeGreaterThan(0);
        const accounts = new Set(items.filter((r) => !r.builtin).map((r) => r.accountId));
        if (isOrgRole(s.role)) expect([...accounts]).toEqual(expect.arrayContaining([s.own.id, s.foreign.id]));
        else if (isAccountRole(s.role)) expect([...accounts]).toEqual([s.own.id]);
        else expect([...accounts]).toEqual([]);
      },
    };
  },
  createRunbook: async (s, target, t) => {
    const account = targetAccount(s, target);
    const name = `rb-${Math.random().toString(36).slice(2, 10)}`;
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/runbooks`,
      body: { content: runbookYaml(name) },
      verify: async (_res, allowed) => {
        expect((await t.db.store.runbooks.getByName(account.id, name)) !== undefined).toBe(allowed);
      },
    };
  },
  getRunbook: async (s, target, t) => {
    const id = await runbookIn(t, targetAccount(s, target).id);
    return {
      method: 'GET',
      url: `/api/v1/runbooks/${id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json().id).toBe(id);
      },
    };
  },
  'getRunbook#builtin': async () => ({ method: 'GET', url: '/api/v1/runbooks/rb-builtin-patch-fleet' }),
  updateRunbook: async (s, target, t) => {
    const id = await runbookIn(t, targetAccount(s, target).id, `rb-upd-${Math.random().toString(36).slice(2, 10)}`);
    const name = (await t.db.store.runbooks.get(id))!.name;
    return {
      method: 'PUT',
      url: `/api/v1/runbooks/${id}`,
      body: { content: runbookYaml(name, 10) },
      verify: async (_res, allowed) => {
        expect((await t.db.store.runbooks.get(id))?.latestVersion).toBe(allowed ? 2 : 1);
      },
    };
  },
  'updateRunbook#builtin': async () => ({ method: 'PUT', url: '/api/v1/runbooks/rb-builtin-patch-fleet', body: { content: runbookYaml('patch-fleet') } }),
  deleteRunbook: async (s, target, t) => {
    const id = await runbookIn(t, targetAccount(s, target).id);
    return {
      method: 'DELETE',
      url: `/api/v1/runbooks/${id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.runbooks.get(id))?.deletedAt !== null).toBe(allowed);
      },
    };
  },
  listRunbookVersions: async (s, target, t) => {
    const id = await runbookIn(t, targetAccount(s, target).id);
    return { method: 'GET', url: `/api/v1/runbooks/${id}/versions` };
  },
  validateRunbook: async () => ({ method: 'POST', url: '/api/v1/runbooks/validate', body: { content: runbookYaml('checked') } }),
  // ---- issue 6: executions (cases) ----
  startExecution: async (s, target, t) => {
    const account = targetAccount(s, target);
    const node = targetNode(s, target);
    const before = await t.db.store.executions.list({ accounts: [account.id] }, { limit: 500, offset: 0, sort: 'createdAt' });
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/executions`,
      body: { runbook: 'patch-fleet', targets: { nodeIds: [node.nodeId] }, parameters: { healthCheck: 'none' } },
      verify: async (_res, allowed) => {
        const after = await t.db.store.executions.list({ accounts: [account.id] }, { limit: 500, offset: 0, sort: 'createdAt' });
        expect(after.total).toBe(before.total + (allowed ? 1 : 0));
      },
    };
  },
  listExecutions: async (s, _target, t) => {
    const h = await import('../executions/helpers.js');
    const own = await h.executionIn(t, s.own.id, s.ownNode.nodeId);
    const foreign = await h.executionIn(t, s.foreign.id, s.foreignNode.nodeId);
    return {
      method: 'GET',
      url: '/api/v1/executions?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = (res.json().items as { id: string }[]).map((e) => e.id);
        if (isOrgRole(s.role)) expect(seen).toEqual(expect.arrayContaining([own, foreign]));
        else if (isAccountRole(s.role)) {
          expect(seen).toContain(own);
          expect(seen).not.toContain(foreign);
        } else expect(seen).toEqual([]);
      },
    };
  },
  getExecution: async (s, target, t) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, targetAccount(s, target).id, targetNode(s, target).nodeId);
    return {
      method: 'GET',
      url: `/api/v1/executions/${id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json()).toMatchObject({ id, accountId: targetAccount(s, target).id });
      },
    };
  },
  getExecutionTimeline: async (s, target, t) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, targetAccount(s, target).id, targetNode(s, target).nodeId);
    return { method: 'GET', url: `/api/v1/executions/${id}/timeline` };
  },
  pauseExecution: async (s, target, t) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, targetAccount(s, target).id, targetNode(s, target).nodeId);
    return {
      method: 'POST',
      url: `/api/v1/executions/${id}/pause`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.executions.get(id))?.status).toBe(allowed ? 'Paused' : 'Pending');
      },
    };
  },
  resumeExecution: async (s, target, t) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, targetAccount(s, target).id, targetNode(s, target).nodeId, { paused: true });
    return {
      method: 'POST',
      url: `/api/v1/executions/${id}/resume`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.executions.get(id))?.status).toBe(allowed ? 'Pending' : 'Paused');
      },
    };
  },
  cancelExecution: async (s, target, t) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, targetAccount(s, target).id, targetNode(s, target).nodeId);
    return {
      method: 'POST',
      url: `/api/v1/executions/${id}/cancel`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.executions.get(id))?.status).toBe(allowed ? 'Cancelled' : 'Pending');
      },
    };
  },
  decideExecutionApproval: async (s, target, t) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, targetAccount(s, target).id, targetNode(s, target).nodeId, { approve: true });
    return {
      method: 'POST',
      url: `/api/v1/executions/${id}/approvals`,
      body: { decision: 'approve' },
      verify: async (_res, allowed) => {
        const run = (await t.db.store.executions.steps(id))[0]!;
        expect((await t.db.store.executions.approvals(run.id)).length).toBe(allowed ? 1 : 0);
      },
    };
  },
  listPendingApprovals: async (s, _target, t) => {
    const id = await (await import('../executions/helpers.js')).executionIn(t, s.own.id, s.ownNode.nodeId, { approve: true });
    return {
      method: 'GET',
      url: '/api/v1/approvals?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = (res.json().items as { executionId: string }[]).map((a) => a.executionId);
        // The step's default approvers: admins of the account (org-admins count as admins).
        expect(seen.includes(id)).toBe(s.role === 'org-admin' || s.role === 'admin');
      },
    };
  },
  // ---- issue 6: delegations (cases) ----
  listDelegations: async (s, _target, t) => {
    const own = await (await import('../delegations/helpers.js')).delegationIn(t, s.own.id);
    const foreign = await (await import('../delegations/helpers.js')).delegationIn(t, s.foreign.id);
    return {
      method: 'GET',
      url: '/api/v1/delegations?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = ids(res, 'id');
        if (isOrgRole(s.role)) expect(seen).toEqual(expect.arrayContaining([own, foreign]));
        else if (isAccountRole(s.role)) expect(seen).toEqual([own]);
        else expect(seen).toEqual([]);
      },
    };
  },
  createDelegation: async (s, target, t) => {
    const account = targetAccount(s, target);
    const comment = `grant-${Math.random().toString(36).slice(2, 10)}`;
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/delegations`,
      body: { runbooks: ['patch-fleet'], roles: ['operator'], comment },
      verify: async (_res, allowed) => {
        const all = await t.db.store.delegations.list({ accountIds: [account.id], now: new Date().toISOString() }, { limit: 500, offset: 0, sort: 'createdAt' });
        expect(all.items.some((d) => d.comment === comment)).toBe(allowed);
      },
    };
  },
  getDelegation: async (s, target, t) => {
    const id = await (await import('../delegations/helpers.js')).delegationIn(t, targetAccount(s, target).id);
    return {
      method: 'GET',
      url: `/api/v1/delegations/${id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json()).toMatchObject({ id, status: 'active' });
      },
    };
  },
  revokeDelegation: async (s, target, t) => {
    const id = await (await import('../delegations/helpers.js')).delegationIn(t, targetAccount(s, target).id);
    return {
      method: 'POST',
      url: `/api/v1/delegations/${id}/revoke`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.delegations.get(id))?.revokedAt !== null).toBe(allowed);
      },
    };
  },
  getAutomationSettings: async () => ({ method: 'GET', url: '/api/v1/automation/settings' }),
  updateAutomationSettings: async (_s, _target, t) => {
    const host = `h${Math.random().toString(36).slice(2, 10)}.example.com`;
    return {
      method: 'PUT',
      url: '/api/v1/automation/settings',
      body: { checkAllowedHosts: [host] },
      verify: async (_res, allowed) => {
        const org = (await t.db.store.organizations.get())!;
        expect((await t.db.store.delegations.getSettings(org.id)).checkAllowedHosts.includes(host)).toBe(allowed);
      },
    };
  },
  // ---- issue 6: windows (cases) ----
  listWindows: async (s, _target, t) => {
    const { windowIn } = await import('../windows/helpers.js');
    const own = (await windowIn(t, s.own.id)).id;
    const foreign = (await windowIn(t, s.foreign.id)).id;
    return {
      method: 'GET',
      url: '/api/v1/windows?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = ids(res, 'id');
        if (isOrgRole(s.role)) expect(seen).toEqual(expect.arrayContaining([own, foreign]));
        else if (isAccountRole(s.role)) expect(seen).toEqual([own]);
        else expect(seen).toEqual([]);
      },
    };
  },
  createWindow: async (s, target, t) => {
    const { windowBody } = await import('../windows/helpers.js');
    const account = targetAccount(s, target);
    const body = windowBody();
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/windows`,
      body,
      verify: async (_res, allowed) => {
        const all = await t.db.store.windows.list({ accounts: [account.id] }, { limit: 500, offset: 0, sort: 'name' });
        expect(all.items.some((w) => w.name === body['name'])).toBe(allowed);
      },
    };
  },
  getWindow: async (s, target, t) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, targetAccount(s, target).id);
    return {
      method: 'GET',
      url: `/api/v1/windows/${id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json()).toMatchObject({ id, accountId: targetAccount(s, target).id });
      },
    };
  },
  updateWindow: async (s, target, t) => {
    const h = await import('../windows/helpers.js');
    const { id } = await h.windowIn(t, targetAccount(s, target).id);
    return {
      method: 'PUT',
      url: `/api/v1/windows/${id}`,
      body: { ...h.windowBody(), schedule: 'rate(12 hours)' },
      verify: async (_res, allowed) => {
        expect((await t.db.store.windows.get(id))?.schedule).toBe(allowed ? 'rate(12 hours)' : '0 2 * * SUN');
      },
    };
  },
  deleteWindow: async (s, target, t) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, targetAccount(s, target).id);
    return {
      method: 'DELETE',
      url: `/api/v1/windows/${id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.windows.get(id)) === undefined).toBe(allowed);
      },
    };
  },
  addWindowTask: async (s, target, t) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, targetAccount(s, target).id);
    return {
      method: 'POST',
      url: `/api/v1/windows/${id}/tasks`,
      body: { name: 'install', priority: 1, kind: 'patch', operation: 'Install' },
      verify: async (_res, allowed) => {
        expect((await t.db.store.windows.get(id))?.tasks.length).toBe(allowed ? 2 : 1);
      },
    };
  },
  removeWindowTask: async (s, target, t) => {
    const { id, taskId } = await (await import('../windows/helpers.js')).windowIn(t, targetAccount(s, target).id);
    return {
      method: 'DELETE',
      url: `/api/v1/windows/${id}/tasks/${taskId}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.windows.get(id))?.tasks.length).toBe(allowed ? 0 : 1);
      },
    };
  },
  listWindowRuns: async (s, target, t) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, targetAccount(s, target).id);
    return { method: 'GET', url: `/api/v1/windows/${id}/runs` };
  },
  getWindowSchedule: async (s, target, t) => {
    const { id } = await (await import('../windows/helpers.js')).windowIn(t, targetAccount(s, target).id);
    return {
      method: 'GET',
      url: `/api/v1/windows/${id}/schedule?count=3`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json().instances).toHaveLength(3);
      },
    };
  },
  // ---- issue 6: policies (cases) ----
  listPolicies: async (_s, _target, t) => {
    const id = await (await import('../windows/helpers.js')).policyIn(t);
    return {
      method: 'GET',
      url: '/api/v1/policies?limit=500',
      verify: async (res, allowed) => {
        if (allowed) expect(ids(res, 'id')).toContain(id);
      },
    };
  },
  getPolicy: async (_s, _target, t) => {
    const id = await (await import('../windows/helpers.js')).policyIn(t);
    return { method: 'GET', url: `/api/v1/policies/${id}` };
  },
  createPolicy: async (_s, _target, t) => {
    const body = (await import('../windows/helpers.js')).policyBody();
    return {
      method: 'POST',
      url: '/api/v1/policies',
      body,
      verify: async (_res, allowed) => {
        const all = await t.db.store.policies.list({ limit: 500, offset: 0, sort: 'name' });
        expect(all.items.some((p) => p.name === body['name'])).toBe(allowed);
      },
    };
  },
  updatePolicy: async (_s, _target, t) => {
    const h = await import('../windows/helpers.js');
    const id = await h.policyIn(t);
    const before = (await t.db.store.policies.get(id))!;
    return {
      method: 'PUT',
      url: `/api/v1/policies/${id}`,
      body: { ...h.policyBody(before.name), priority: before.priority, enabled: false },
      verify: async (_res, allowed) => {
        expect((await t.db.store.policies.get(id))?.enabled).toBe(!allowed);
      },
    };
  },
  deletePolicy: async (_s, _target, t) => {
    const id = await (await import('../windows/helpers.js')).policyIn(t);
    return {
      method: 'DELETE',
      url: `/api/v1/policies/${id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.policies.get(id)) === undefined).toBe(allowed);
      },
    };
  },
  listPolicyRuns: async (_s, _target, t) => {
    const id = await (await import('../windows/helpers.js')).policyIn(t);
    return { method: 'GET', url: `/api/v1/policies/${id}/runs` };
  },
  // ---- issue 8: dependency patching (cases) ----
  listRepositories: async (s, _target, t) => {
    const h = await import('../repositories/helpers.js');
    const own = await h.repositoryIn(t, s.own.id);
    const foreign = await h.repositoryIn(t, s.foreign.id);
    return {
      method: 'GET',
      url: '/api/v1/repositories?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = ids(res, 'id');
        if (isOrgRole(s.role)) expect(seen).toEqual(expect.arrayContaining([own, foreign]));
        else if (isAccountRole(s.role)) expect(seen).toEqual(expect.arrayContaining([own]));
        else expect(seen).toEqual([]);
        expect(seen.includes(foreign)).toBe(isOrgRole(s.role));
      },
    };
  },
  createRepository: async (s, target, t) => {
    const h = await import('../repositories/helpers.js');
    const account = targetAccount(s, target);
    const body = h.repositoryBody();
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/repositories`,
      body,
      verify: async (_res, allowed) => {
        const all = await t.db.store.depRepositories.list({ accounts: [account.id] }, { limit: 500, offset: 0, sort: 'name' });
        expect(all.items.some((r) => r.name === body['name'])).toBe(allowed);
      },
    };
  },
  'createRepository#env': async (s, target, t) => {
    const h = await import('../repositories/helpers.js');
    const account = targetAccount(s, target);
    const body: Record<string, unknown> = { ...h.repositoryBody(), credentialsRef: 'env:PATCHWARDEN_SECRET_AUTHZ' };
    return {
      method: 'POST',
      url: `/api/v1/accounts/${account.id}/repositories`,
      body,
      verify: async (_res, allowed) => {
        const all = await t.db.store.depRepositories.list({ accounts: [account.id] }, { limit: 500, offset: 0, sort: 'name' });
        expect(all.items.some((r) => r.name === body['name'])).toBe(allowed);
      },
    };
  },
  getRepository: async (s, target, t) => {
    const id = await (await import('../repositories/helpers.js')).repositoryIn(t, targetAccount(s, target).id);
    return {
      method: 'GET',
      url: `/api/v1/repositories/${id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json()).toMatchObject({ id, accountId: targetAccount(s, target).id });
      },
    };
  },
  updateRepository: async (s, target, t) => {
    const h = await import('../repositories/helpers.js');
    const id = await h.repositoryIn(t, targetAccount(s, target).id);
    return {
      method: 'PUT',
      url: `/api/v1/repositories/${id}`,
      body: { ...h.repositoryBody(), severityThreshold: 'critical' },
      verify: async (_res, allowed) => {
        expect((await t.db.store.depRepositories.get(id))?.severityThreshold).toBe(allowed ? 'critical' : 'any');
      },
    };
  },
  deleteRepository: async (s, target, t) => {
    const id = await (await import('../repositories/helpers.js')).repositoryIn(t, targetAccount(s, target).id);
    return {
      method: 'DELETE',
      url: `/api/v1/repositories/${id}`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.depRepositories.get(id)) === undefined).toBe(allowed);
      },
    };
  },
  scanRepository: async (s, target, t) => {
    const id = await (await import('../repositories/helpers.js')).repositoryIn(t, targetAccount(s, target).id);
    return {
      method: 'POST',
      url: `/api/v1/repositories/${id}/scans`,
      verify: async (_res, allowed) => {
        expect((await t.db.store.depRepositories.pendingScanOf(id)) !== undefined).toBe(allowed);
      },
    };
  },
  listRepositoryScans: async (s, target, t) => {
    const h = await import('../repositories/helpers.js');
    const id = await h.repositoryIn(t, targetAccount(s, target).id);
    const scanId = await h.scanIn(t, id);
    return {
      method: 'GET',
      url: `/api/v1/repositories/${id}/scans`,
      verify: async (res, allowed) => {
        if (allowed) expect(ids(res)).toEqual([scanId]);
      },
    };
  },
  getRepositoryScan: async (s, target, t) => {
    const h = await import('../repositories/helpers.js');
    const id = await h.repositoryIn(t, targetAccount(s, target).id);
    const scanId = await h.scanIn(t, id);
    return {
      method: 'GET',
      url: `/api/v1/repositories/${id}/scans/${scanId}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json()).toMatchObject({ id: scanId, repositoryId: id, status: 'PENDING' });
      },
    };
  },
  listDependencyFindings: async (s, _target, t) => {
    const h = await import('../repositories/helpers.js');
    const own = (await h.seededRepository(t, s.own.id)).id;
    const foreign = (await h.seededRepository(t, s.foreign.id)).id;
    return {
      method: 'GET',
      url: '/api/v1/dependencies/findings?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = ids(res, 'repositoryId');
        expect(seen.includes(own)).toBe(isOrgRole(s.role) || isAccountRole(s.role));
        expect(seen.includes(foreign)).toBe(isOrgRole(s.role));
      },
    };
  },
  listDependencyPullRequests: async (s, _target, t) => {
    const h = await import('../repositories/helpers.js');
    const own = (await h.seededRepository(t, s.own.id)).pullRequestId;
    const foreign = (await h.seededRepository(t, s.foreign.id)).pullRequestId;
    return {
      method: 'GET',
      url: '/api/v1/dependencies/pull-requests?limit=500',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const seen = ids(res, 'id');
        expect(seen.includes(own)).toBe(isOrgRole(s.role) || isAccountRole(s.role));
        expect(seen.includes(foreign)).toBe(isOrgRole(s.role));
      },
    };
  },
  getDependencyCompliance: async (s, _target, t) => {
    const h = await import('../repositories/helpers.js');
    const own = (await h.seededRepository(t, s.own.id)).id;
    const foreign = (await h.seededRepository(t, s.foreign.id)).id;
    return {
      method: 'GET',
      url: '/api/v1/dependencies/compliance?groupBy=repository',
      verify: async (res, allowed) => {
        if (!allowed) return;
        const keys = (res.json().groups as { key: string }[]).map((g) => g.key);
        expect(keys.includes(own)).toBe(isOrgRole(s.role) || isAccountRole(s.role));
        expect(keys.includes(foreign)).toBe(isOrgRole(s.role));
      },
    };
  },
  'getDependencyCompliance#accountId': async (s, target, t) => {
    const account = targetAccount(s, target);
    await (await import('../repositories/helpers.js')).seededRepository(t, account.id);
    return {
      method: 'GET',
      url: `/api/v1/dependencies/compliance?accountId=${account.id}`,
      verify: async (res, allowed) => {
        if (allowed) expect(res.json().groups.map((g: { key: string }) => g.key)).toEqual([account.id]);
      },
    };
  },
  listAdvisories: async (_s, _target, t) => {
    await t.db.store.advisories.upsertMany([{ record: osvRecord('GHSA-auth-matr-ix01', { aliases: ['CVE-2024-70001'] }), source: 'test' }]);
    return {
      method: 'GET',
      url: '/api/v1/advisories?cve=CVE-2024-70001',
      verify: async (res, allowed) => {
        if (allowed) expect(ids(res)).toEqual(['GHSA-auth-matr-ix01']);
      },
    };
  },
  getAdvisory: async (_s, _target, t) => {
    await t.db.store.advisories.upsertMany([{ record: osvRecord('GHSA-auth-matr-ix01', { aliases: ['CVE-2024-70001'] }), source: 'test' }]);
    return {
      method: 'GET',
      url: '/api/v1/advisories/CVE-2024-70001',
      verify: async (res, allowed) => {
        if (allowed) expect(res.json().id).toBe('GHSA-auth-matr-ix01');
      },
    };
  },
  'GET /downloads/patchwarden-agent.mjs': async () => ({
    method: 'GET',
    url: '/downloads/patchwarden-agent.mjs',
    verify: async (res, allowed) => {
      if (allowed) expect(res.body).toBe(AGENT_BUNDLE_TEXT);
    },
  }),
  'GET /healthz': async () => ({ method: 'GET', url: '/healthz' }),
  'GET /readyz': async () => ({ method: 'GET', url: '/readyz' }),
  'GET /metrics': async () => ({
    method: 'GET',
    url: '/metrics',
    verify: async (res, allowed) => {
      if (allowed) expect(res.body).toContain('patchwarden_http_requests_total');
    },
  }),
  'GET /api/v1/openapi.json': async () => ({ method: 'GET', url: '/api/v1/openapi.json' }),
  'GET /api/docs': async () => ({ method: 'GET', url: '/api/docs' }),
  'GET /api/docs/init.js': async () => ({ method: 'GET', url: '/api/docs/init.js' }),
  'GET /api/docs/assets/*': async () => ({ method: 'GET', url: '/api/docs/assets/swagger-ui.css' }),
  'GET /': async () => ({ method: 'GET', url: '/' }),
  'GET /*': async () => ({
    method: 'GET',
    url: '/nodes/nd_deep_link',
    headers: { accept: 'text/html' },
    verify: async (res, allowed) => {
      if (allowed) expect(res.headers['content-type']).toMatch(/^text\/html/);
    },
  }),
  'GET /favicon.svg': async () => ({ method: 'GET', url: '/favicon.svg' }),
};

function outcome(status: number): 'allow' | 'redirect' | number {
  if (status >= 200 && status < 300) return 'allow';
  if (status >= 300 && status < 400) return 'redirect';
  return status;
}

for (const dialect of testDialects()) {
  describe(`[${dialect}] authorization matrix`, () => {
    let t: TestApp;
    let fx: Fixtures;

    beforeAll(async () => {
      t = await createTestApp(dialect, { config: { agentBundle: agentBundleFile() } });
      fx = new Fixtures(t);
      await knownPasswordHash();
    });
    afterAll(async () => {
      await t.close();
    });

    const shared = new Map<Role, Scenario>();
    async function scenarioFor(key: string, role: Role): Promise<Scenario> {
      if (!isRead(key)) return scenario(role);
      const cached = shared.get(role) ?? (await scenario(role));
      shared.set(role, cached);
      return cached;
    }

    /** A fresh world, written in one transaction (one commit instead of one per row; the same rows). */
    function scenario(role: Role): Promise<Scenario> {
      return fx.within(async (fx, store) => {
        const own = await fx.account('own');
        const foreign = await fx.account('foreign');
        const ownMember = await fx.user({ prefix: 'ownmember', memberships: [[own.id, 'viewer'], [foreign.id, 'viewer']] });
        const foreignMember = await fx.user({ prefix: 'foreignmember', memberships: [[foreign.id, 'viewer']] });
        const caller = await fx.caller(role, own.id);
        const ownNode = await fx.node(own.id, `${own.name}-host`);
        const foreignNode = await fx.node(foreign.id, `${foreign.name}-host`);
        const ownCommand = await fx.command(own.id, ownNode.nodeId);
        const foreignCommand = await fx.command(foreign.id, foreignNode.nodeId);
        const now = new Date().toISOString();
        for (const account of [own, foreign]) {
          await store.audit.append({
            at: now, actorType: 'system', actorId: null, actorName: 'system', via: null, action: 'test.marker', outcome: 'success',
            targetType: 'account', targetId: account.id, accountId: account.id, ip: null, userAgent: null, requestId: null, details: { marker: account.name },
          });
        }
        return { role, caller, own, foreign, ownMember, foreignMember, ownNode, foreignNode, ownCommand, foreignCommand };
      });
    }

    it(`the table covers every served route (${Object.keys(EXPECTED).length} entries, ${TARGETED} with own/foreign targets; ${CELLS} cells)`, () => {
      const registered = t.router.registered;
      const templates = new Map(registered.map((ep) => [`${ep.method} ${ep.path}`, ep.operationId]));
      const keys = new Set<string>();
      for (const { method, path } of servedRoutes(t.app)) {
        const key = templates.get(`${method} ${path}`) ?? (path.startsWith('/api/docs/assets/') ? 'GET /api/docs/assets/*' : `${method} ${path}`);
        keys.add(key);
      }
      // The parse found every contract route, so it did not silently miss routes.
      for (const ep of registered) expect(keys, `${ep.operationId} not found in app.printRoutes()`).toContain(ep.operationId);
      const tableBases = new Set(Object.keys(EXPECTED).map((k) => k.split('#')[0]));
      const missing = [...keys].filter((k) => !tableBases.has(k));
      expect(missing, 'routes without a row in the expected table: add them').toEqual([]);
      const stale = [...tableBases].filter((k) => !keys.has(k ?? ''));
      expect(stale, 'rows for routes the server does not serve').toEqual([]);
      expect(Object.keys(CASES).sort()).toEqual(Object.keys(EXPECTED).sort());
      process.stdout.write(`authorization matrix: ${keys.size} routes (+${Object.keys(EXPECTED).length - keys.size} variants) × ${ROLES.length} roles, own/foreign/self targets on ${TARGETED} of them = ${CELLS} cells\n`);
    });

    for (const [key, targets] of Object.entries(EXPECTED)) {
      const cells = Object.keys(targets).length * ROLES.length;
      it(`${key} (${cells} cells)`, async () => {
        const problems: string[] = [];
        for (const [target, row] of Object.entries(targets) as [Target, Row][]) {
          for (const [i, role] of ROLES.entries()) {
            const expected = row[i];
            const s = await scenarioFor(key, role);
            const call = await CASES[key]!(s, target, t, fx);
            let res: LightMyRequestResponse;
            if (call.session === true && s.caller !== null) {
              const session = await fx.session(s.caller.id);
              res = await t.app.inject({ method: call.method as 'GET', url: call.url, cookies: { pw_session: session.cookie }, headers: { 'x-csrf-token': session.csrfToken } });
            } else {
              res = await t.as(s.caller?.token ?? null, call.method, call.url, call.body, call.headers);
            }
            const cell = `${key} as ${role} on ${target}`;
            const got = outcome(res.statusCode);
            if (got !== expected) {
              problems.push(`${cell}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
              continue;
            }
            try {
              if (res.statusCode >= 400) expectErrorShape(res, cell);
              if (!isOrgRole(role)) {
                // No answer to a caller without organization role carries the foreign account's data.
                expect(res.body, `${cell} reveals the foreign account`).not.toContain(s.foreign.name);
                expect(res.body, `${cell} reveals a member of the foreign account`).not.toContain(s.foreignMember.username);
              }
              await call.verify?.(res, got === 'allow');
            } catch (err) {
              problems.push(`${cell}: ${(err as Error).message.split('\n')[0] ?? ''}`);
            }
          }
        }
        expect(problems).toEqual([]);
      });
    }

    it('node credentials: the agent routes of their own node only; every user route answers 401', async () => {
      const s = await scenario('viewer');
      const node = s.ownNode;
      const problems: string[] = [];
      let cells = 0;
      const expectStatus = async (label: string, res: LightMyRequestResponse, status: number) => {
        cells += 1;
        if (res.statusCode !== status) problems.push(`${label}: expected ${status}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
        else if (status >= 400) expectErrorShape(res, label);
        expect(res.body, `${label} reveals the foreign account`).not.toContain(s.foreign.name);
      };
      const values: Record<string, string> = {
        accountId: s.own.id, userId: s.ownMember.id, tokenId: s.ownMember.tokenId, nodeId: node.nodeId,
        commandId: s.ownCommand.commandId, activationId: 'act_x', invocationId: s.ownCommand.invocationId,
      };
      for (const ep of t.router.registered.filter((e) => e.auth === 'authenticated')) {
        const url = ep.path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? 'x');
        await expectStatus(`${ep.operationId} with a node credential`, await t.as(node.credential, ep.method, url, ep.method === 'GET' || ep.method === 'DELETE' ? undefined : {}), 401);
      }
      await expectStatus('GET /metrics with a node credential', await t.as(node.credential, 'GET', '/metrics'), 401);
      // Its own agent routes.
      await expectStatus('agentHeartbeat (own node)', await t.as(node.credential, 'POST', '/api/v1/agent/heartbeat', { agentVersion: '0.1.0' }), 200);
      const inventory = {
        platform: PLATFORM, host: { hostname: 'h', addresses: [], kernel: { running: '6.1', installed: ['6.1'] } }, packages: [{ name: 'bash', arch: 'amd64', version: '5.2', sourceName: 'bash', sourceVersion: '5.2' }],
        updates: [], reboot: { required: false, reasons: [], packages: [] }, rebootRequired: false, collectedAt: new Date().toISOString(),
      };
      await expectStatus('putInventory (own node)', await t.as(node.credential, 'PUT', '/api/v1/agent/inventory', inventory), 200);
      await expectStatus('patchInventory (own node)', await t.as(node.credential, 'PATCH', '/api/v1/agent/inventory', { baseRevision: 1, packages: { remove: [{ name: 'bash', arch: 'amd64' }] } }), 200);
      expect((await t.db.store.nodes.get(node.nodeId))?.packageCount).toBe(0);
      expect((await t.db.store.nodes.get(s.foreignNode.nodeId))?.inventoryRevision).toBe(0);
      const polled = await t.as(node.credential, 'GET', '/api/v1/agent/commands');
      await expectStatus('pollCommands (own node)', polled, 200);
      expect((polled.json().invocations as { invocationId: string }[]).map((i) => i.invocationId)).toEqual([s.ownCommand.invocationId]);
      const result = (invocationId: string) => ({ invocationId, idempotencyKey: `key-${invocationId}`, status: 'Success', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() });
      await expectStatus('postInvocationResult (own invocation)', await t.as(node.credential, 'POST', '/api/v1/agent/results', result(s.ownCommand.invocationId)), 200);
      await expectStatus('postInvocationResult (another node\'s invocation)', await t.as(node.credential, 'POST', '/api/v1/agent/results', result(s.foreignCommand.invocationId)), 404);
      expect((await t.db.store.commands.invocation(s.foreignCommand.invocationId))?.status).toBe('Pending');
      // Another node's credential does not see this node's work.
      const other = await fx.node(s.own.id, 'other-node');
      expect((await t.as(other.credential, 'GET', '/api/v1/agent/commands')).json().invocations).toEqual([]);
      process.stdout.write(`authorization matrix: node credential cells: ${cells}\n`);
      expect(problems).toEqual([]);
    });

    it('the documentation serves only the Swagger UI scripts and styles', async () => {
      const assets = servedRoutes(t.app).filter((r) => r.path.startsWith('/api/docs/assets/'));
      expect(assets.length).toBeGreaterThan(0);
      for (const { path } of assets) {
        const res = await t.as(null, 'GET', path);
        const allowed = /^\/api\/docs\/assets\/swagger-ui[\w.-]*\.(js|css)$/.test(path);
        expect(res.statusCode, path).toBe(allowed ? 200 : 404);
      }
      for (const path of ['/api/docs/assets/swagger-ui.css', '/api/docs/assets/swagger-ui-bundle.js']) expect((await t.as(null, 'GET', path)).statusCode).toBe(200);
    });
  });
}
