/** Row types of the windows and patch policy tables (migration 0010-windows). */

/** A maintenance window of an account: a schedule, a duration and cutoff, targets and tasks. */
export interface MaintenanceWindowsTable {
  id: string;
  account_id: string;
  name: string;
  description: string;
  /** As given: `0 2 * * SUN`, `cron(0 2 ? * SUN *)` or `rate(12 hours)`. */
  schedule: string;
  timezone: string;
  duration_hours: number;
  cutoff_hours: number;
  start_date: string | null;
  end_date: string | null;
  /** 0/1 */
  enabled: number;
  jitter_seconds: number;
  /** JSON `{ targets: Targets, accounts?: string[] }`. */
  targets: string;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

/** A task of a window: a runbook execution or a patch command, started in priority order. */
export interface WindowTasksTable {
  id: string;
  window_id: string;
  name: string;
  priority: number;
  kind: 'runbook' | 'patch';
  runbook: string | null;
  /** JSON object of runbook parameters. */
  parameters: string;
  operation: string | null;
  reboot_option: string | null;
  max_concurrency: string | null;
  max_errors: string | null;
  position: number;
}

/**
 * One run of a window instance or of a policy schedule. `owner_kind` `window` (owner_id = window
 * id), `policy-scan` / `policy-install` (owner_id = policy id). Unique per (owner, kind, start):
 * an instance runs once however many replicas tick.
 */
export interface WindowRunsTable {
  id: string;
  owner_id: string;
  owner_kind: 'window' | 'policy-scan' | 'policy-install';
  /** The window's account; null for policy runs (they span accounts). */
  account_id: string | null;
  scheduled_start: string;
  cutoff_at: string;
  end_at: string;
  status: string;
  reason: string | null;
  created_at: string;
  ended_at: string | null;
}

/** A task of a run, frozen at the run's creation, with what it started. */
export interface WindowRunTasksTable {
  id: string;
  run_id: string;
  task_id: string;
  account_id: string;
  name: string;
  priority: number;
  kind: 'runbook' | 'patch';
  /** JSON: the task as it was when the run was created (WindowTaskSpec). */
  spec: string;
  status: string;
  reason: string | null;
  /** The earliest start (the run's start + jitter). */
  not_before: string;
  started_at: string | null;
  ended_at: string | null;
  /** `execution` or `command`, and its id. */
  ref_kind: string | null;
  ref_id: string | null;
}

/** The organization's patch policies. */
export interface PatchPoliciesTable {
  id: string;
  name: string;
  description: string;
  enabled: number;
  priority: number;
  /** JSON `{ DEBIAN: 'pb_…', … }`. */
  baselines: string;
  scan_schedule: string | null;
  scan_timezone: string;
  install_schedule: string | null;
  install_timezone: string;
  install_duration_hours: number;
  install_cutoff_hours: number;
  reboot_option: string;
  /** JSON `{ accounts: 'all' | string[], tags?: TargetTagFilter[] }`. */
  targets: string;
  /** JSON `{ critical?, high?, medium?, low? }` days, or `{}`. */
  sla_days: string;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

export interface WindowsTables {
  maintenance_windows: MaintenanceWindowsTable;
  window_tasks: WindowTasksTable;
  window_runs: WindowRunsTable;
  window_run_tasks: WindowRunTasksTable;
  patch_policies: PatchPoliciesTable;
}
