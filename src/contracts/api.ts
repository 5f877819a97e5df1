import type { AnyEndpoint } from './endpoint.js';
import * as accounts from './accounts.contract.js';
import * as audit from './audit.contract.js';
import * as auth from './auth.contract.js';
import * as organization from './organization.contract.js';
import * as users from './users.contract.js';

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
} as const;

export const allEndpoints: readonly AnyEndpoint[] = Object.values(endpoints);

export * from './common.js';
export * from './errors.js';
export * from './endpoint.js';
export * from './accounts.contract.js';
export * from './audit.contract.js';
export * from './auth.contract.js';
export * from './organization.contract.js';
export * from './users.contract.js';
