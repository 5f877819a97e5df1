/** Row types of the runbooks tables (migration 0007-runbooks). */

/** A runbook of an account (built-ins are not stored). `latest_version` is its newest version. */
export interface RunbooksTable {
  id: string;
  account_id: string;
  name: string;
  description: string;
  latest_version: number;
  /** Steps of the latest version (for lists). */
  step_count: number;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  /** Set when deleted: the row and its versions stay for the history of executions. */
  deleted_at: string | null;
  deleted_by: string | null;
}

/** One version of a runbook: the YAML as given and the parsed `Runbook` (JSON). */
export interface RunbookVersionsTable {
  runbook_id: string;
  version: number;
  content: string;
  parsed: string;
  created_at: string;
  created_by: string | null;
}

export interface RunbooksTables {
  runbooks: RunbooksTable;
  runbook_versions: RunbookVersionsTable;
}
