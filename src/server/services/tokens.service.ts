import { canManageOrganization, canReadOrganization } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { ApiToken } from '../../contracts/api.js';
import { toApiToken, type Page, type PageRequest } from '../../store/index.js';
import { AuthService } from './auth.service.js';
import { auditEntry, forbid, principalOf, type RequestContext, type ServiceDeps } from './context.js';

export interface TokenListQuery extends PageRequest {
  all?: boolean | undefined;
  userId?: string | undefined;
  state?: 'active' | 'expired' | 'revoked' | undefined;
  q?: string | undefined;
}

export const DEFAULT_TOKEN_DAYS = 90;

/** API tokens for the CLI and scripts: shown once, stored hashed, with expiry and revocation. */
export class TokensService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(ctx: RequestContext, query: TokenListQuery): Promise<Page<ApiToken>> {
    const principal = principalOf(ctx);
    const everyone = query.all === true || (query.userId !== undefined && query.userId !== principal.userId);
    if (everyone && !canReadOrganization(principal)) forbid("Listing other users' tokens needs the org-admin or org-auditor role.");
    return this.deps.store.tokens.list(
      { userId: everyone ? query.userId : principal.userId, state: query.state, q: query.q, now: this.deps.clock().toISOString() },
      query,
    );
  }

  async create(ctx: RequestContext, input: { name: string; expiresInDays?: number | undefined }): Promise<ApiToken & { token: string }> {
    const principal = principalOf(ctx);
    const now = this.deps.clock();
    const fresh = AuthService.newToken();
    const record = {
      id: fresh.id,
      userId: principal.userId,
      name: input.name,
      secretHash: fresh.secretHash,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (input.expiresInDays ?? DEFAULT_TOKEN_DAYS) * 86_400_000).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.tokens.insert(record);
      await tx.audit.append(
        auditEntry(ctx, now, { action: 'token.create', targetType: 'token', targetId: record.id, details: { name: record.name, expiresAt: record.expiresAt } }),
      );
    });
    return { ...toApiToken(record, principal.username), token: fresh.token };
  }

  async revoke(ctx: RequestContext, tokenId: string): Promise<void> {
    const principal = principalOf(ctx);
    const record = await this.deps.store.tokens.get(tokenId);
    if (record === undefined || (record.userId !== principal.userId && !canReadOrganization(principal))) {
      throw new AppError('not_found', `Token "${tokenId}" does not exist or is not yours; list yours with \`patchwarden tokens list\`.`, { denied: record !== undefined });
    }
    if (record.userId !== principal.userId && !canManageOrganization(principal)) forbid("Revoking another user's token needs the org-admin role.");
    if (record.revokedAt !== null) throw new AppError('conflict', `Token "${tokenId}" was revoked already at ${record.revokedAt}.`);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      await tx.tokens.revoke(tokenId, now.toISOString());
      await tx.audit.append(
        auditEntry(ctx, now, { action: 'token.revoke', targetType: 'token', targetId: tokenId, details: { name: record.name, ownerId: record.userId } }),
      );
    });
  }
}
