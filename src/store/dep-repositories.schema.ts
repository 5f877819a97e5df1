/** Row types of the dependency-patching tables (migration 0013-dependencies). */

/** A source repository watched for vulnerable dependencies. */
export interface DepRepositoriesTable {
  id: string;
  account_id: string;
  name: string;
  git_url: string;
  branch: string | null;
  /** `none` | `github` | `gitlab` | `gitea` */
  forge_kind: string;
  forge_api_url: string | null;
  forge_repository: string | null;
  /** `file:NAME` or `env:PATCHWARDEN_SECRET_…`: where the token is read, never the token. */
  credentials_ref: string | null;
  schedule: string | null;
  timezone: string;
  grouping: string;
  severity_threshold: string;
  /** The threshold as a severity rank (any 0, low 1 … critical 4): findings of a lower rank do not count. */
  threshold_rank: number;
  /** 0/1 */
  open_pull_requests: number;
  /** 0/1 */
  enabled: number;
  /** UNKNOWN until a successful scan stored findings; then from the findings at or above the threshold. */
  compliance_status: string;
  last_scan_id: string | null;
  last_success_scan_id: string | null;
  next_scan_at: string | null;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

/** One scan of a repository (manual or scheduled). */
export interface DepScansTable {
  id: string;
  repository_id: string;
  account_id: string;
  trigger: 'schedule' | 'manual';
  /** PENDING, IN_PROGRESS, SUCCESS, PARTIAL, FAILED */
  status: string;
  requested_by: string | null;
  /** The schedule instance a scheduled scan is for (unique per repository). */
  scheduled_for: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  commit_sha: string | null;
  lockfiles: number;
  packages: number;
  findings: number;
  /** JSON `[{ lockfile, line, message }]`. */
  errors: string;
  error: string | null;
  /** JSON `{ opened, updated, closed, failed }` once the pull request step ran. */
  pull_requests: string | null;
  /** The server working on it, and until when its claim holds. */
  holder: string | null;
  lease_expires_at: string | null;
}

/** A current finding: a vulnerable package version in a lockfile, as the last successful scan saw it. */
export interface DepFindingsTable {
  id: string;
  repository_id: string;
  account_id: string;
  ecosystem: string;
  package: string;
  version: string;
  lockfile: string;
  line: number | null;
  direct: number;
  dev: number;
  /** JSON array of `name@version`. */
  path: string;
  severity: string;
  /** critical 4, high 3, medium 2, low 1, unknown 0. */
  severity_rank: number;
  /** JSON array of `{ id, aliases, summary, severity, score, fixedIn }`. */
  advisories: string;
  /** JSON array of CVE ids. */
  cves: string;
  fixed_in: string | null;
  first_seen_at: string;
  last_seen_at: string;
  scan_id: string;
}

/** A pull request Patchwarden opened (or a branch it prepared) for vulnerable dependencies. */
export interface DepPullRequestsTable {
  id: string;
  repository_id: string;
  account_id: string;
  branch: string;
  number: number | null;
  url: string | null;
  /** open, closed, merged, local */
  state: string;
  title: string;
  /** JSON array of `{ ecosystem, name, from, to, method }`. */
  packages: string;
  /** JSON array of advisory ids. */
  advisories: string;
  severity: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface DependencyTables {
  dep_repositories: DepRepositoriesTable;
  dep_scans: DepScansTable;
  dep_findings: DepFindingsTable;
  dep_pull_requests: DepPullRequestsTable;
}
