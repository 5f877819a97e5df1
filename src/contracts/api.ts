import type { AnyEndpoint } from './endpoint.js';
import * as accounts from './accounts.contract.js';
import * as activations from './activations.contract.js';
import * as agent from './agent.contract.js';
import * as baselines from './baselines.contract.js';
import * as commands from './commands.contract.js';
import * as compliance from './compliance.contract.js';
import * as nodes from './nodes.contract.js';
import * as targets from './targets.contract.js';
import * as audit from './audit.contract.js';
import * as auth from './auth.contract.js';
import * as organization from './organization.contract.js';
import * as users from './users.contract.js';
import { runbooksEndpoints } from './runbooks.contract.js';
import { executionsEndpoints } from './executions.contract.js';
import { delegationsEndpoints } from './delegations.contract.js';
import { windowsEndpoints } from './windows.contract.js';
import { policiesEndpoints } from './policies.contract.js';
import { advisoriesEndpoints } from './advisories.contract.js';
import { repositoriesEndpoints } from './repositories.contract.js';

/** Every operation of the HTTP API under /api/v1, in documentation order. */
export const endpoints = {
  login: auth.login,
  logout: auth.logout,
  getSession: auth.getSession,
  getMe: auth.getMe,
  changeMyPassword: auth.changeMyPassword,
  getOrganization: organization.getOrganization,
  updateOrganization: organization.updateOrganization,
  listAccounts: accounts.listAccounts,
  createAccount: accounts.createAccount,
  getAccount: accounts.getAccount,
  updateAccount: accounts.updateAccount,
  deleteAccount: accounts.deleteAccount,
  listMembers: accounts.listMembers,
  putMember: accounts.putMember,
  deleteMember: accounts.deleteMember,
  listUsers: users.listUsers,
  createUser: users.createUser,
  getUser: users.getUser,
  updateUser: users.updateUser,
  setUserPassword: users.setUserPassword,
  deleteUser: users.deleteUser,
  listTokens: auth.listTokens,
  createToken: auth.createToken,
  revokeToken: auth.revokeToken,
  listAudit: audit.listAudit,
  createActivation: activations.createActivation,
  listActivations: activations.listActivations,
  revokeActivation: activations.revokeActivation,
  listNodes: nodes.listNodes,
  getNode: nodes.getNode,
  listNodePackages: nodes.listNodePackages,
  listNodeUpdates: nodes.listNodeUpdates,
  putNodeTags: nodes.putNodeTags,
  patchNodeTags: nodes.patchNodeTags,
  deregisterNode: nodes.deregisterNode,
  sendCommand: commands.sendCommand,
  listCommands: commands.listCommands,
  getCommand: commands.getCommand,
  cancelCommand: commands.cancelCommand,
  listBaselines: baselines.listBaselines,
  createBaseline: baselines.createBaseline,
  getBaseline: baselines.getBaseline,
  updateBaseline: baselines.updateBaseline,
  deleteBaseline: baselines.deleteBaseline,
  listDefaultBaselines: baselines.listDefaultBaselines,
  setDefaultBaseline: baselines.setDefaultBaseline,
  clearDefaultBaseline: baselines.clearDefaultBaseline,
  listPatchGroups: baselines.listPatchGroups,
  registerPatchGroup: baselines.registerPatchGroup,
  deregisterPatchGroup: baselines.deregisterPatchGroup,
  getNodeBaseline: baselines.getNodeBaseline,
  previewBaseline: baselines.previewBaseline,
  listResourceGroups: targets.listResourceGroups,
  createResourceGroup: targets.createResourceGroup,
  getResourceGroup: targets.getResourceGroup,
  updateResourceGroup: targets.updateResourceGroup,
  deleteResourceGroup: targets.deleteResourceGroup,
  listResourceGroupNodes: targets.listResourceGroupNodes,
  createSnapshot: targets.createSnapshot,
  listSnapshots: targets.listSnapshots,
  getSnapshot: targets.getSnapshot,
  getComplianceSummary: compliance.getComplianceSummary,
  listComplianceNodes: compliance.listComplianceNodes,
  getNodeCompliance: compliance.getNodeCompliance,
  getNodeComplianceHistory: compliance.getNodeComplianceHistory,
  listCompliancePatches: compliance.listCompliancePatches,
  getCompliancePatchSummary: compliance.getCompliancePatchSummary,
  getComplianceTrend: compliance.getComplianceTrend,
  listComplianceCves: compliance.listComplianceCves,
  exportCompliance: compliance.exportCompliance,
  getComplianceSettings: compliance.getComplianceSettings,
  putComplianceSettings: compliance.putComplianceSettings,
  enroll: agent.enroll,
  heartbeat: agent.heartbeat,
  putInventory: agent.putInventory,
  patchInventory: agent.patchInventory,
  pollCommands: agent.pollCommands,
  postResult: agent.postResult,
  ...runbooksEndpoints,
  ...executionsEndpoints,
  ...delegationsEndpoints,
  ...windowsEndpoints,
  ...policiesEndpoints,
  ...advisoriesEndpoints,
  ...repositoriesEndpoints,
} as const;

export const allEndpoints: readonly AnyEndpoint[] = Object.values(endpoints);

export * from './common.js';
export * from './errors.js';
export * from './endpoint.js';
export * from './accounts.contract.js';
export * from './activations.contract.js';
export * from './agent.contract.js';
export * from './baselines.contract.js';
export * from './commands.contract.js';
export * from './compliance.contract.js';
export * from './nodes.contract.js';
export * from './targets.contract.js';
export * from './audit.contract.js';
export * from './auth.contract.js';
export * from './organization.contract.js';
export * from './users.contract.js';
export * from './runbooks.contract.js';
export * from './executions.contract.js';
export * from './delegations.contract.js';
export * from './windows.contract.js';
export * from './policies.contract.js';
export * from './repositories.contract.js';
