import type { Kysely } from 'kysely';
import { AccountsRepository, OrganizationsRepository } from './accounts.repository.js';
import { ActivationsRepository } from './activations.repository.js';
import { AdvisoriesRepository } from './advisories.repository.js';
import { AuditRepository } from './audit.repository.js';
import { BaselinesRepository } from './baselines.repository.js';
import { ApiTokensRepository, LoginAttemptsRepository, SessionsRepository } from './credentials.repository.js';
import type { DatabaseHandle, Dialect } from './database.js';
import { CommandsRepository } from './commands.repository.js';
import { ComplianceRepository } from './compliance.repository.js';
import { LeasesRepository } from './leases.repository.js';
import { NodesRepository } from './nodes.repository.js';
import { ResourceGroupsRepository } from './resource-groups.repository.js';
import { SnapshotsRepository } from './snapshots.repository.js';
import type { Database } from './schema.js';
import { RunbooksRepository } from './runbooks.repository.js';
import { ExecutionsRepository } from './executions.repository.js';
import { DelegationsRepository } from './delegations.repository.js';
import { WindowsRepository } from './windows.repository.js';
import { PoliciesRepository } from './policies.repository.js';
import { DepRepositoriesRepository } from './dep-repositories.repository.js';
import { DepFindingsRepository } from './dep-findings.repository.js';
import { DepPullRequestsRepository } from './dep-pull-requests.repository.js';
import { MembershipsRepository, UsersRepository } from './users.repository.js';

/** The repositories over one connection or one transaction. */
export interface Repositories {
  organizations: OrganizationsRepository;
  accounts: AccountsRepository;
  users: UsersRepository;
  memberships: MembershipsRepository;
  sessions: SessionsRepository;
  tokens: ApiTokensRepository;
  loginAttempts: LoginAttemptsRepository;
  audit: AuditRepository;
  leases: LeasesRepository;
  advisories: AdvisoriesRepository;
  activations: ActivationsRepository;
  nodes: NodesRepository;
  commands: CommandsRepository;
  resourceGroups: ResourceGroupsRepository;
  snapshots: SnapshotsRepository;
  compliance: ComplianceRepository;
  baselines: BaselinesRepository;
  runbooks: RunbooksRepository;
  executions: ExecutionsRepository;
  delegations: DelegationsRepository;
  windows: WindowsRepository;
  policies: PoliciesRepository;
  /** Dependency patching (issue 8): repositories and scans, findings, pull requests. */
  depRepositories: DepRepositoriesRepository;
  depFindings: DepFindingsRepository;
  depPullRequests: DepPullRequestsRepository;
}

export interface Store extends Repositories {
  readonly dialect: Dialect;
  readonly location: string;
  /** Runs `fn` in one database transaction; everything it does through `tx` commits or rolls back together. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

function repositories(db: Kysely<Database>): Repositories {
  return {
    organizations: new OrganizationsRepository(db),
    accounts: new AccountsRepository(db),
    users: new UsersRepository(db),
    memberships: new MembershipsRepository(db),
    sessions: new SessionsRepository(db),
    tokens: new ApiTokensRepository(db),
    loginAttempts: new LoginAttemptsRepository(db),
    audit: new AuditRepository(db),
    leases: new LeasesRepository(db),
    advisories: new AdvisoriesRepository(db),
    activations: new ActivationsRepository(db),
    nodes: new NodesRepository(db),
    commands: new CommandsRepository(db),
    resourceGroups: new ResourceGroupsRepository(db),
    snapshots: new SnapshotsRepository(db),
    compliance: new ComplianceRepository(db),
    baselines: new BaselinesRepository(db),
    runbooks: new RunbooksRepository(db),
    executions: new ExecutionsRepository(db),
    delegations: new DelegationsRepository(db),
    windows: new WindowsRepository(db),
    policies: new PoliciesRepository(db),
    depRepositories: new DepRepositoriesRepository(db),
    depFindings: new DepFindingsRepository(db),
    depPullRequests: new DepPullRequestsRepository(db),
  };
}

export function createStore(handle: DatabaseHandle): Store {
  return {
    ...repositories(handle.db),
    dialect: handle.dialect,
    location: handle.location,
    transaction: (fn) => handle.db.transaction().execute((trx) => fn(repositories(trx))),
    ping: () => handle.ping(),
    close: () => handle.close(),
  };
}
