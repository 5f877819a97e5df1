/** Row types of the executions tables (migration 0008-executions). */

export interface ExecutionsTable {
  id: string;
  account_id: string;
  runbook_id: string;
  runbook_name: string;
  runbook_version: number;
  runbook: string;
  parameters: string;
  targets: string;
  waves: string;
  max_concurrency: string;
  max_errors: string;
  account_max_errors: number;
  plan: string;
  status: string;
  reason: string | null;
  step_index: number;
  wave: number | null;
  iteration: number;
  visits: string;
  failed_checks: number;
  transitions: number;
  wake_at: string | null;
  lease_holder: string | null;
  lease_expires_at: string | null;
  source_kind: string;
  source_id: string | null;
  comment: string;
  created_by: string;
  starter_role: string;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export interface ExecutionAccountsTable {
  execution_id: string;
  account_id: string;
  position: number;
  status: string;
  reason: string | null;
  targets: string;
  node_ids: string;
  max_concurrency: string;
  max_errors: string;
  delegation_id: string | null;
  snapshot_id: string | null;
}

export interface ExecutionStepsTable {
  id: string;
  execution_id: string;
  step_name: string;
  step_index: number;
  kind: string;
  wave_key: number;
  account_key: string;
  iteration: number;
  attempt: number;
  status: string;
  command_id: string | null;
  node_ids: string;
  outputs: string;
  output: string;
  next_at: string | null;
  deadline_at: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface ExecutionEventsTable {
  id: string;
  execution_id: string;
  seq: number;
  at: string;
  type: string;
  step_name: string | null;
  wave: number | null;
  account_id: string | null;
  message: string;
  details: string;
}

export interface ExecutionApprovalsTable {
  id: string;
  execution_id: string;
  step_run_id: string;
  user_id: string;
  username: string;
  decision: string;
  comment: string;
  at: string;
}

export interface ExecutionsTables {
  executions: ExecutionsTable;
  execution_accounts: ExecutionAccountsTable;
  execution_steps: ExecutionStepsTable;
  execution_events: ExecutionEventsTable;
  execution_approvals: ExecutionApprovalsTable;
}
