import { describe, expect, it } from 'vitest';
import { accountAccess, accountsWithRole, canManageOrganization, canReadOrganization, readableAccounts, type AccessSubject, type AccountAction } from './access.js';

const subject = (orgRole: AccessSubject['orgRole'], memberships: [string, 'viewer' | 'operator' | 'admin'][] = []): AccessSubject => ({
  orgRole,
  memberships: new Map(memberships),
});

describe('accountAccess', () => {
  // [who, action, own account decision, foreign account decision]
  const table: [string, AccessSubject, AccountAction, string, string][] = [
    ['org-admin', subject('org-admin'), 'read', 'allow', 'allow'],
    ['org-admin', subject('org-admin'), 'operate', 'allow', 'allow'],
    ['org-admin', subject('org-admin'), 'manage', 'allow', 'allow'],
    ['org-auditor', subject('org-auditor'), 'read', 'allow', 'allow'],
    ['org-auditor', subject('org-auditor'), 'operate', 'forbidden', 'forbidden'],
    ['org-auditor', subject('org-auditor'), 'manage', 'forbidden', 'forbidden'],
    ['viewer', subject(null, [['a', 'viewer']]), 'read', 'allow', 'hidden'],
    ['viewer', subject(null, [['a', 'viewer']]), 'operate', 'forbidden', 'hidden'],
    ['viewer', subject(null, [['a', 'viewer']]), 'manage', 'forbidden', 'hidden'],
    ['operator', subject(null, [['a', 'operator']]), 'read', 'allow', 'hidden'],
    ['operator', subject(null, [['a', 'operator']]), 'operate', 'allow', 'hidden'],
    ['operator', subject(null, [['a', 'operator']]), 'manage', 'forbidden', 'hidden'],
    ['admin', subject(null, [['a', 'admin']]), 'read', 'allow', 'hidden'],
    ['admin', subject(null, [['a', 'admin']]), 'operate', 'allow', 'hidden'],
    ['admin', subject(null, [['a', 'admin']]), 'manage', 'allow', 'hidden'],
    ['auditor + viewer', subject('org-auditor', [['a', 'operator']]), 'operate', 'allow', 'forbidden'],
    ['no role', subject(null), 'read', 'hidden', 'hidden'],
  ];
  it.each(table)('%s may %s: own %s, foreign %s', (_who, s, action, own, foreign) => {
    expect(accountAccess(s, 'a', action)).toBe(own);
    expect(accountAccess(s, 'b', action)).toBe(foreign);
  });
});

describe('organization rules', () => {
  it('lets org-admin manage and both org roles read', () => {
    expect(canManageOrganization(subject('org-admin'))).toBe(true);
    expect(canManageOrganization(subject('org-auditor'))).toBe(false);
    expect(canReadOrganization(subject('org-auditor'))).toBe(true);
    expect(canReadOrganization(subject(null, [['a', 'admin']]))).toBe(false);
  });

  it('lists readable and administered accounts', () => {
    expect(readableAccounts(subject('org-auditor'))).toBe('all');
    const s = subject(null, [['a', 'viewer'], ['b', 'admin'], ['c', 'operator']]);
    expect(readableAccounts(s)).toEqual(['a', 'b', 'c']);
    expect(accountsWithRole(s, 'operator').sort()).toEqual(['b', 'c']);
    expect(accountsWithRole(s, 'admin')).toEqual(['b']);
  });
});
