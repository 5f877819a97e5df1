import { AccountsService } from './accounts.service.js';
import { AuditService } from './audit.service.js';
import { AuthService } from './auth.service.js';
import type { ServiceDeps } from './context.js';
import { TokensService } from './tokens.service.js';
import { UsersService } from './users.service.js';

export interface Services {
  auth: AuthService;
  accounts: AccountsService;
  users: UsersService;
  tokens: TokensService;
  audit: AuditService;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    auth: new AuthService(deps),
    accounts: new AccountsService(deps),
    users: new UsersService(deps),
    tokens: new TokensService(deps),
    audit: new AuditService(deps),
  };
}
