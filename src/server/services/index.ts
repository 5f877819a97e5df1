import { AccountsService } from './accounts.service.js';
import { AdvisoriesService } from './advisories.service.js';
import { ActivationsService } from './activations.service.js';
import { AgentService } from './agent.service.js';
import { BaselinesService } from './baselines.service.js';
import { CommandsService } from './commands.service.js';
import { ComplianceService } from './compliance.service.js';
import { InvocationNotifier } from './invocation-notifier.js';
import { NodesService } from './nodes.service.js';
import { ResourceGroupsService } from './resource-groups.service.js';
import { SnapshotsService } from './snapshots.service.js';
import { AuditService } from './audit.service.js';
import { AuthService } from './auth.service.js';
import type { ServiceDeps } from './context.js';
import { TokensService } from './tokens.service.js';
import { UsersService } from './users.service.js';
import { RunbooksService } from './runbooks.service.js';
import { ExecutionsService } from './executions.service.js';
import { DelegationsService } from './delegations.service.js';
import { WindowsService } from './windows.service.js';
import { PoliciesService } from './policies.service.js';
import { RepositoriesService } from './repositories.service.js';

export interface Services {
  auth: AuthService;
  accounts: AccountsService;
  users: UsersService;
  tokens: TokensService;
  audit: AuditService;
  activations: ActivationsService;
  nodes: NodesService;
  commands: CommandsService;
  agent: AgentService;
  compliance: ComplianceService;
  resourceGroups: ResourceGroupsService;
  snapshots: SnapshotsService;
  baselines: BaselinesService;
  runbooks: RunbooksService;
  executions: ExecutionsService;
  delegations: DelegationsService;
  windows: WindowsService;
  policies: PoliciesService;
  advisories: AdvisoriesService;
  /** Dependency patching (issue 8): watched repositories, scans, findings, pull requests. */
  repositories: RepositoriesService;
  /** Wakes long-polls of this process; closed when the server stops. */
  notifier: InvocationNotifier;
}

export function createServices(deps: ServiceDeps): Services {
  const notifier = new InvocationNotifier();
  const compliance = new ComplianceService(deps);
  return {
    activations: new ActivationsService(deps),
    nodes: new NodesService(deps, notifier),
    commands: new CommandsService(deps, notifier),
    agent: new AgentService(deps, notifier, compliance),
    compliance,
    resourceGroups: new ResourceGroupsService(deps),
    snapshots: new SnapshotsService(deps),
    baselines: new BaselinesService(deps),
    notifier,
    auth: new AuthService(deps),
    accounts: new AccountsService(deps),
    users: new UsersService(deps),
    tokens: new TokensService(deps),
    audit: new AuditService(deps),
    runbooks: new RunbooksService(deps),
    executions: new ExecutionsService(deps),
    delegations: new DelegationsService(deps),
    windows: new WindowsService(deps),
    policies: new PoliciesService(deps),
    advisories: new AdvisoriesService(deps),
    repositories: new RepositoriesService(deps),
  };
}
