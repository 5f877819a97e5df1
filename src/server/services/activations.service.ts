import { canReadOrganization } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { Activation, CreateActivationRequest, CreatedActivation } from '../../contracts/api.js';
import { newId, type Page, type PageRequest } from '../../store/index.js';
import { newActivationCode } from '../auth/node-credentials.js';
import { auditEntry, principalOf, requireAccountAccess, type RequestContext, type ServiceDeps } from './context.js';
import { toActivation } from './node-views.js';

const DEFAULT_HOURS = 24;
const MAX_HOURS = 30 * 24;

/** Activations: what agents enroll with (account admins and org-admin manage them). */
export class ActivationsService {
  constructor(private readonly deps: ServiceDeps) {}

  private async mustHaveAccount(accountId: string): Promise<void> {
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
  }

  async create(ctx: RequestContext, accountId: string, input: CreateActivationRequest): Promise<CreatedActivation> {
    const principal = requireAccountAccess(ctx, accountId, 'manage');
    await this.mustHaveAccount(accountId);
    const now = this.deps.clock();
    let expiresAt: string;
    if (input.expiresAt !== undefined) {
      const at = Date.parse(input.expiresAt);
      if (at <= now.getTime()) throw new AppError('validation', 'expiresAt is in the past; give a future instant or expiresInHours.');
      if (at > now.getTime() + MAX_HOURS * 3_600_000) throw new AppError('validation', 'An activation lasts at most 30 days; choose an earlier expiresAt.');
      expiresAt = new Date(at).toISOString();
    } else {
      expiresAt = new Date(now.getTime() + (input.expiresInHours ?? DEFAULT_HOURS) * 3_600_000).toISOString();
    }
    const { code, codeHash } = newActivationCode();
    const record = {
      id: newId('act'),
      accountId,
      description: input.description ?? '',
      codeHash,
      expiresAt,
      registrationLimit: input.registrationLimit ?? 1,
      registrationsUsed: 0,
      defaultTags: input.defaultTags ?? {},
      createdAt: now.toISOString(),
      createdBy: principal.username,
      revokedAt: null,
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.activations.insert(record);
      await tx.audit.append(
        auditEntry(ctx, now, {
          action: 'activation.create',
          targetType: 'activation',
          targetId: record.id,
          accountId,
          details: { expiresAt, registrationLimit: record.registrationLimit, defaultTags: record.defaultTags },
        }),
      );
    });
    return { ...toActivation(record, now), activationCode: code };
  }

  async list(ctx: RequestContext, accountId: string, page: PageRequest): Promise<Page<Activation>> {
    if (!canReadOrganization(principalOf(ctx))) requireAccountAccess(ctx, accountId, 'manage');
    await this.mustHaveAccount(accountId);
    const now = this.deps.clock();
    const result = await this.deps.store.activations.list(accountId, page);
    return { ...result, items: result.items.map((a) => toActivation(a, now)) };
  }

  async revoke(ctx: RequestContext, accountId: string, activationId: string): Promise<void> {
    requireAccountAccess(ctx, accountId, 'manage');
    const activation = await this.deps.store.activations.get(activationId);
    if (activation === undefined || activation.accountId !== accountId) {
      throw new AppError('not_found', `Activation "${activationId}" does not exist in account "${accountId}"; list them with \`patchwarden activations list\`.`);
    }
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      await tx.activations.revoke(activationId, now.toISOString());
      await tx.audit.append(auditEntry(ctx, now, { action: 'activation.revoke', targetType: 'activation', targetId: activationId, accountId }));
    });
  }
}
