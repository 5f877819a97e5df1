import { AppError } from '../../domain/errors.js';
import { isUniqueViolation, newId } from '../../store/index.js';
import { generatePassword, hashPassword } from '../auth/secrets.js';
import { auditEntry, systemContext, type ServiceDeps } from './context.js';

export interface BootstrapResult {
  created: boolean;
  /** The generated admin password, when one was generated (shown once, then forgotten). */
  generatedPassword?: string;
  adminUsername?: string;
}

export const DEFAULT_ACCOUNT_NAME = 'default';
export const ADMIN_USERNAME = 'admin';

/**
 * First start: creates the organization, its default (management) account and the `admin` user
 * with the org-admin role, in one transaction. Does nothing when the organization exists. Safe when
 * several replicas start at once: one wins, the others see its organization.
 */
export async function bootstrap(deps: ServiceDeps, adminPassword: string | undefined): Promise<BootstrapResult> {
  const { store } = deps;
  if ((await store.organizations.get()) !== undefined) return { created: false };
  const password = adminPassword ?? generatePassword();
  const passwordHash = await hashPassword(password);
  const now = deps.clock();
  const ctx = systemContext('bootstrap');
  try {
    await store.transaction(async (tx) => {
      const orgId = 'org_main';
      const accountId = newId('acct');
      await tx.organizations.insert({ id: orgId, name: 'My organization', managementAccountId: accountId, now: now.toISOString() });
      await tx.accounts.insert({ id: accountId, organizationId: orgId, name: DEFAULT_ACCOUNT_NAME, description: 'Created on first start; the management account', now: now.toISOString() });
      const admin = await tx.users.insert({
        username: ADMIN_USERNAME,
        displayName: 'Administrator',
        email: null,
        passwordHash,
        orgRole: 'org-admin',
        mustChangePassword: adminPassword === undefined,
        now: now.toISOString(),
      });
      await tx.memberships.set(accountId, admin.id, 'admin', now.toISOString());
      const system = { ...ctx };
      await tx.audit.append({ ...auditEntry(system, now, { action: 'organization.create', targetType: 'organization', targetId: orgId }), actorType: 'system', actorName: 'system' });
      await tx.audit.append({ ...auditEntry(system, now, { action: 'account.create', targetType: 'account', targetId: accountId, accountId, details: { name: DEFAULT_ACCOUNT_NAME } }), actorType: 'system', actorName: 'system' });
      await tx.audit.append({ ...auditEntry(system, now, { action: 'user.create', targetType: 'user', targetId: admin.id, details: { username: ADMIN_USERNAME, orgRole: 'org-admin', passwordFrom: adminPassword === undefined ? 'generated' : 'PATCHWARDEN_ADMIN_PASSWORD' } }), actorType: 'system', actorName: 'system' });
    });
  } catch (err) {
    // Another replica created the organization at the same moment.
    if (isUniqueViolation(err) && (await store.organizations.get()) !== undefined) return { created: false };
    throw new AppError('unavailable', `First start failed while creating the organization: ${(err as Error).message}`, { cause: err });
  }
  return adminPassword === undefined
    ? { created: true, generatedPassword: password, adminUsername: ADMIN_USERNAME }
    : { created: true, adminUsername: ADMIN_USERNAME };
}
