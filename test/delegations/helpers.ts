import { newId } from '../../src/store/index.js';
import type { TestApp } from '../helpers/app.js';

/** Stores an active delegation granted by `accountId` to the management account; returns its id. */
export async function delegationIn(t: TestApp, accountId: string, over: { runbooks?: string[]; roles?: ('org-admin' | 'admin' | 'operator')[] } = {}): Promise<string> {
  const org = await t.db.store.organizations.get();
  if (org === undefined) throw new Error('no organization');
  const id = newId('dlg');
  await t.db.store.delegations.insert({
    id,
    accountId,
    granteeAccountId: org.managementAccountId,
    runbooks: over.runbooks ?? ['*'],
    roles: over.roles ?? ['operator', 'admin', 'org-admin'],
    comment: '',
    expiresAt: null,
    createdAt: new Date().toISOString(),
    createdBy: 'test',
    revokedAt: null,
    revokedBy: null,
  });
  return id;
}

/** Path parameters for the robustness test: an existing delegation of the account. */
export async function robustParams(t: TestApp, accountId: string): Promise<{ delegationId: string }> {
  return { delegationId: await delegationIn(t, accountId) };
}
