/**
 * Pieces the dependency-patching pages share (repositories, a repository, findings and pull
 * requests): severity and scan status in words, the findings and pull-request columns, the
 * "Scan now" button that follows its scan until it ends, and the repository form.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { api, pathOf, type Body, type Res } from '../api/client';
import { useApi } from '../hooks';
import { useSession } from '../session';
import { problemAt, useAction } from './admin-ui';
import { AccountSelect, Badge, Button, Card, ErrorBox, Field, Time, type Column } from './ui';

export type Repository = Res<'getRepository'>;
export type RepositoryScan = Res<'getRepositoryScan'>;
export type Finding = Res<'listDependencyFindings'>['items'][number];
export type PullRequest = Res<'listDependencyPullRequests'>['items'][number];
export type RepositoryBody = Body<'createRepository'>;
type Counts = Repository['findings'];
type Tone = 'good' | 'bad' | 'warn' | 'info' | 'muted';

export const DEPS_SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
const SEVERITY_TONE: Record<string, Tone> = { critical: 'bad', high: 'bad', medium: 'warn', low: 'info', unknown: 'muted' };
const SCAN_TONE: Record<string, Tone> = { PENDING: 'muted', IN_PROGRESS: 'info', SUCCESS: 'good', PARTIAL: 'warn', FAILED: 'bad' };
const PR_TONE: Record<string, Tone> = { open: 'info', merged: 'good', closed: 'muted', local: 'warn' };
/** A scan in one of these has ended. */
export const SCAN_ENDED: readonly string[] = ['SUCCESS', 'PARTIAL', 'FAILED'];

export const COMPLIANCE_WORDS: Record<string, string> = { COMPLIANT: 'Compliant', NON_COMPLIANT: 'Non-compliant', UNKNOWN: 'Unknown (not scanned yet)' };
export const FORGE_WORDS: Record<string, string> = { none: 'None (branches and patch files only)', github: 'GitHub', gitlab: 'GitLab', gitea: 'Gitea' };
export const GROUPING_WORDS: Record<string, string> = { package: 'One pull request per vulnerable package', ecosystem: 'One per ecosystem (npm, PyPI)', all: 'One for everything' };
export const THRESHOLD_WORDS: Record<string, string> = { any: 'Any severity', low: 'Low and above', medium: 'Medium and above', high: 'High and above', critical: 'Critical only' };

const n = (value: number) => value.toLocaleString('en-US');

export function DepsSeverity(props: { value: string }) {
  return <Badge value={props.value} tone={SEVERITY_TONE[props.value] ?? 'muted'} />;
}

export function ScanStatus(props: { value: string }) {
  return <Badge value={props.value} tone={SCAN_TONE[props.value] ?? 'muted'} />;
}

export function PullRequestState(props: { value: string }) {
  return <Badge value={props.value === 'local' ? 'local branch' : props.value} tone={PR_TONE[props.value] ?? 'muted'} />;
}

/** Findings by severity, one coloured count per severity that has any. */
export function SeverityCounts(props: { counts: Counts }) {
  const present = DEPS_SEVERITIES.filter((s) => props.counts[s] > 0);
  if (present.length === 0) return <span className="muted">none</span>;
  return (
    <span className="deps-counts">
      {present.map((s) => (
        <span key={s} className={`badge ${SEVERITY_TONE[s] ?? 'muted'}`}>
          {n(props.counts[s])} {s}
        </span>
      ))}
    </span>
  );
}

/** A commit sha, short, with the full one as a tooltip. */
export function Commit(props: { sha: string | null }) {
  if (props.sha === null || props.sha === '') return <span className="muted">—</span>;
  return (
    <code className="mono" title={props.sha}>
      {props.sha.slice(0, 10)}
    </code>
  );
}

/** A link to a page outside Patchwarden (a forge's pull request), opened without referrer. */
export function ExternalLink(props: { href: string; children: ReactNode; label?: string }) {
  if (!/^https?:\/\//i.test(props.href)) return <span className="mono">{props.children}</span>;
  return (
    <a href={props.href} target="_blank" rel="noreferrer noopener" aria-label={props.label}>
      {props.children}
    </a>
  );
}

export function RepositoryLink(props: { id: string; name: string }) {
  return <Link to={`/repositories/${encodeURIComponent(props.id)}`}>{props.name}</Link>;
}

/** The last scan in one line: status, when, which commit, why it failed. */
export function LastScan(props: { scan: Repository['lastScan'] }) {
  const s = props.scan;
  if (s === null) return <span className="muted">never scanned</span>;
  return (
    <span className="deps-last-scan">
      <ScanStatus value={s.status} /> <Time value={s.endedAt ?? s.startedAt} /> <Commit sha={s.commit} />
      {s.error === null ? null : <span className="deps-error small">{s.error}</span>}
    </span>
  );
}

/** When the next scheduled scan starts, or why there is none. */
export function NextScan(props: { repository: Repository }) {
  const r = props.repository;
  if (!r.enabled) return <span className="muted">disabled</span>;
  if (r.schedule === null) return <span className="muted">on demand only</span>;
  if (r.nextScanAt === null) return <span className="muted">none</span>;
  return <Time value={r.nextScanAt} />;
}

/** A day (findings are due by the day), with the exact instant as a tooltip. */
export function Day(props: { value: string | null }) {
  if (props.value === null) return <span className="muted">—</span>;
  return (
    <time dateTime={props.value} title={props.value}>
      {new Date(props.value).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })}
    </time>
  );
}

/** The columns of a findings table; `withRepository` adds the repository (lists across repositories). */
export function findingColumns(withRepository: boolean): Column<Finding>[] {
  const columns: Column<Finding>[] = [
    {
      key: 'package',
      header: 'Package',
      sort: 'package',
      render: (f) => (
        <>
          <span className="package-name">{f.package}</span>
          <div className="muted small">
            {f.ecosystem} · {f.direct ? 'direct' : 'transitive'} · {f.dev ? <strong className="deps-dev">dev</strong> : 'runtime'}
          </div>
        </>
      ),
    },
    {
      key: 'version',
      header: 'Version → fixed in',
      className: 'bl-version ov-nowrap',
      render: (f) => (
        <>
          {f.version} <span className="muted">→</span> {f.fixedIn ?? <span className="muted">no fix yet</span>}
        </>
      ),
    },
    {
      key: 'severity',
      header: 'Severity',
      sort: 'severity',
      render: (f) => (
        <>
          <DepsSeverity value={f.severity} />
          {f.belowThreshold ? <div className="muted small">below threshold</div> : null}
        </>
      ),
    },
    { key: 'advisories', header: 'Advisories (CVEs)', render: (f) => <FindingAdvisories finding={f} /> },
    {
      key: 'where',
      header: 'Lockfile:line and path',
      className: 'deps-where',
      render: (f) => (
        <>
          <code className="mono">
            {f.lockfile}
            {f.line === null ? '' : `:${f.line}`}
          </code>
          {f.path.length === 0 ? null : <div className="muted small deps-path">{f.path.join(' → ')}</div>}
        </>
      ),
    },
    {
      key: 'due',
      header: 'Due (first seen)',
      sort: 'dueAt',
      className: 'ov-nowrap',
      render: (f) => (
        <>
          {f.dueAt === null ? <span className="muted">no SLA</span> : <Day value={f.dueAt} />}
          {f.overdue ? <strong className="ov-overdue small"> overdue</strong> : null}
          <div className="muted small">
            seen <Day value={f.firstSeenAt} />
          </div>
        </>
      ),
    },
    {
      key: 'pr',
      header: 'PR',
      render: (f) =>
        f.pullRequestUrl === null ? (
          <span className="muted">—</span>
        ) : (
          <ExternalLink href={f.pullRequestUrl} label={`Pull request fixing ${f.package}`}>
            open
          </ExternalLink>
        ),
    },
  ];
  if (withRepository) columns.splice(0, 0, { key: 'repository', header: 'Repository', className: 'ov-nowrap', render: (f) => <RepositoryLink id={f.repositoryId} name={f.repositoryName} /> });
  return columns;
}

/** Each advisory (a link to it) with its CVE ids, then CVEs no advisory names as an alias. */
function FindingAdvisories(props: { finding: Finding }) {
  const f = props.finding;
  const named = new Set(f.advisories.flatMap((a) => a.aliases));
  const cveLink = (c: string) => (
    <Link key={c} className="bl-chip plain" to={`/advisories?cve=${encodeURIComponent(c)}`}>
      {c}
    </Link>
  );
  return (
    <ul className="bl-list deps-advisories">
      {f.advisories.map((a) => (
        <li key={a.id}>
          <Link className="bl-chip" to={`/advisories/${encodeURIComponent(a.id)}`} title={a.summary ?? a.id}>
            {a.id}
          </Link>{' '}
          {f.cves.filter((c) => a.aliases.includes(c)).map(cveLink)}
        </li>
      ))}
      {f.cves.some((c) => !named.has(c)) ? <li>{f.cves.filter((c) => !named.has(c)).map(cveLink)}</li> : null}
    </ul>
  );
}

/** The columns of a pull-request table. */
export function pullRequestColumns(withRepository: boolean): Column<PullRequest>[] {
  const columns: Column<PullRequest>[] = [
    { key: 'state', header: 'State', render: (p) => <PullRequestState value={p.state} /> },
    {
      key: 'title',
      header: 'Title',
      render: (p) => (
        <>
          {p.title}
          {p.packages.length === 0 ? null : (
            <div className="muted small">
              {p.packages.map((x) => `${x.name} ${x.from.join(', ')} → ${x.to ?? 'not fixable'}`).join('; ')}
            </div>
          )}
        </>
      ),
    },
    { key: 'severity', header: 'Severity', render: (p) => <DepsSeverity value={p.severity} /> },
    { key: 'branch', header: 'Branch', render: (p) => <code className="mono">{p.branch}</code> },
    {
      key: 'link',
      header: 'On the forge',
      className: 'ov-nowrap',
      render: (p) =>
        p.url === null ? (
          <span className="muted">{p.state === 'local' ? 'branch only' : '—'}</span>
        ) : (
          <ExternalLink href={p.url} label={`Pull request ${p.number === null ? p.title : `#${p.number}`} on the forge`}>
            {p.number === null ? 'open' : `#${p.number}`}
          </ExternalLink>
        ),
    },
    { key: 'updated', header: 'Updated', sort: 'updatedAt', className: 'ov-nowrap', render: (p) => <Time value={p.updatedAt} /> },
  ];
  if (withRepository) columns.splice(0, 0, { key: 'repository', header: 'Repository', className: 'ov-nowrap', render: (p) => <RepositoryLink id={p.repositoryId} name={p.repositoryName} /> });
  return columns;
}

/** A scan's outcome in words: "3 findings in 2 lockfiles (140 packages)", or why it failed. */
export function scanWords(s: RepositoryScan): string {
  if (s.status === 'PENDING') return 'queued';
  if (s.status === 'IN_PROGRESS') return 'running';
  if (s.status === 'FAILED') return s.error ?? 'failed';
  const words = `${n(s.findings)} finding${s.findings === 1 ? '' : 's'} in ${n(s.lockfiles)} lockfile${s.lockfiles === 1 ? '' : 's'} (${n(s.packages)} packages)`;
  return s.status === 'PARTIAL' ? `${words}; ${n(s.errors.length)} lockfile${s.errors.length === 1 ? '' : 's'} could not be read` : words;
}

/**
 * "Scan now" (operators and admins of the repository's account): queues a scan, then shows it and
 * asks for it every second until it has ended; `onEnded` runs once then (reload what it changed).
 */
export function ScanNowButton(props: { repository: { id: string; name: string }; onEnded?: () => void; compact?: boolean }) {
  const start = useAction();
  const [queued, setQueued] = useState<RepositoryScan | null>(null);
  const { repository, onEnded } = props;
  const path = queued === null ? null : pathOf('/api/v1/repositories/{repositoryId}/scans/{scanId}', { repositoryId: repository.id, scanId: queued.id });
  const [ended, setEnded] = useState(false);
  const polled = useApi<RepositoryScan>(path, ended ? {} : { refreshMs: 1000 });
  // The answer of the poll, once it is about the scan queued last (not one queued before it).
  const scan = polled.data !== undefined && polled.data.id === queued?.id ? polled.data : queued;
  const nowEnded = scan !== null && SCAN_ENDED.includes(scan.status);
  useEffect(() => {
    if (!nowEnded || ended) return;
    setEnded(true);
    onEnded?.();
  }, [nowEnded, ended, onEnded]);

  return (
    <div className={props.compact === true ? 'deps-scan compact' : 'deps-scan'}>
      <Button
        kind={props.compact === true ? 'secondary' : 'primary'}
        className={props.compact === true ? 'admin-small' : ''}
        disabled={start.busy || (scan !== null && !nowEnded)}
        aria-label={props.compact === true ? `Scan ${repository.name} now` : undefined}
        onClick={() => {
          setEnded(false);
          void start.run(() => api.post<RepositoryScan>(pathOf('/api/v1/repositories/{repositoryId}/scans', { repositoryId: repository.id }))).then((s) => {
            if (s !== undefined) setQueued(s);
          });
        }}
      >
        {start.busy ? 'Queuing…' : scan !== null && !nowEnded ? 'Scanning…' : 'Scan now'}
      </Button>
      {scan === null ? null : (
        <div className="deps-scan-state small" role="status" data-testid="scan-progress" data-status={scan.status}>
          Scan <ScanStatus value={scan.status} /> {scanWords(scan)}
          {scan.commit === null ? null : (
            <>
              {' '}
              at <Commit sha={scan.commit} />
            </>
          )}
        </div>
      )}
      <ErrorBox error={start.error} title="The scan could not be queued" />
      {polled.error === undefined || nowEnded ? null : <ErrorBox error={polled.error} onRetry={polled.reload} title="The scan's progress could not be loaded" />}
    </div>
  );
}

/** The repository's settings as the API takes them back (PUT replaces every field). */
export function repositoryBody(r: Repository): RepositoryBody {
  return {
    name: r.name,
    gitUrl: r.gitUrl,
    branch: r.branch,
    forge: { kind: r.forge.kind, apiUrl: r.forge.apiUrl, repository: r.forge.repository },
    credentialsRef: r.credentialsRef,
    schedule: r.schedule,
    timezone: r.timezone,
    grouping: r.grouping,
    severityThreshold: r.severityThreshold,
    openPullRequests: r.openPullRequests,
    enabled: r.enabled,
  };
}

const orNull = (text: string): string | null => (text.trim() === '' ? null : text.trim());

/**
 * Register (or edit) a repository: every field of CreateRepositoryRequest, with the server's
 * validation in words at each field. The credentials reference names where the server reads the
 * token; the token itself is never typed here.
 */
export function RepositoryForm(props: { repository?: Repository; accounts: { id: string; name: string }[]; onSaved: (r: Repository) => void; onCancel: () => void }) {
  const session = useSession();
  const r = props.repository;
  const [accountId, setAccountId] = useState(r?.accountId ?? props.accounts[0]?.id ?? '');
  const [name, setName] = useState(r?.name ?? '');
  const [gitUrl, setGitUrl] = useState(r?.gitUrl ?? '');
  const [branch, setBranch] = useState(r?.branch ?? '');
  const [forgeKind, setForgeKind] = useState<Repository['forge']['kind']>(r?.forge.kind ?? 'none');
  const [apiUrl, setApiUrl] = useState(r?.forge.apiUrl ?? '');
  const [forgeRepository, setForgeRepository] = useState(r?.forge.repository ?? '');
  const [credentialsRef, setCredentialsRef] = useState(r?.credentialsRef ?? '');
  const [schedule, setSchedule] = useState(r?.schedule ?? '');
  const [timezone, setTimezone] = useState(r?.timezone ?? 'UTC');
  const [grouping, setGrouping] = useState<NonNullable<RepositoryBody['grouping']>>(r?.grouping ?? 'package');
  const [threshold, setThreshold] = useState<NonNullable<RepositoryBody['severityThreshold']>>(r?.severityThreshold ?? 'any');
  const [openPullRequests, setOpenPullRequests] = useState(r?.openPullRequests ?? false);
  const [enabled, setEnabled] = useState(r?.enabled ?? true);
  const save = useAction();
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);
  const at = (...paths: string[]) => problemAt(save.error, ...paths);

  const submit = () => {
    const body: RepositoryBody = {
      name: name.trim(),
      gitUrl: gitUrl.trim(),
      branch: orNull(branch),
      forge: forgeKind === 'none' ? { kind: 'none' } : { kind: forgeKind, apiUrl: orNull(apiUrl), repository: orNull(forgeRepository) },
      credentialsRef: orNull(credentialsRef),
      schedule: orNull(schedule),
      timezone: timezone.trim() === '' ? 'UTC' : timezone.trim(),
      grouping,
      severityThreshold: threshold,
      openPullRequests,
      enabled,
    };
    void save
      .run(() =>
        r === undefined
          ? api.post<Repository>(pathOf('/api/v1/accounts/{accountId}/repositories', { accountId }), body)
          : api.put<Repository>(pathOf('/api/v1/repositories/{repositoryId}', { repositoryId: r.id }), body),
      )
      .then((saved) => {
        if (saved !== undefined) props.onSaved(saved);
      });
  };

  return (
    <Card title={r === undefined ? 'Register a repository' : `Edit ${r.name}`} testId="repository-form">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <ErrorBox error={save.error} title={r === undefined ? 'The repository was not registered' : 'The repository was not saved'} />
        <div className="form-row">
          {r === undefined ? <Field label="Account">{(id) => <AccountSelect id={id} accounts={props.accounts} value={accountId} onChange={setAccountId} />}</Field> : null}
          <Field label="Name" hint="Letters, digits, spaces, “_”, “.”, “-” and “/”, e.g. acme/shop." error={at('name')}>
            {(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Git URL" hint="https://, http://, ssh://, git:// or git@host:owner/repo.git — without a password or token in it." error={at('gitUrl')}>
            {(id) => <input id={id} className="mono" value={gitUrl} placeholder="https://github.com/acme/shop.git" onChange={(e) => setGitUrl(e.target.value)} />}
          </Field>
          <Field label="Branch" hint="Scanned, and the base of pull requests. Empty: the remote's default branch." error={at('branch')}>
            {(id) => <input id={id} className="mono" value={branch} placeholder="main" onChange={(e) => setBranch(e.target.value)} />}
          </Field>
        </div>
        <fieldset className="admin-fieldset">
          <legend>Forge (where pull requests are opened)</legend>
          <div className="form-row">
            <Field label="Forge" error={at('forge.kind')}>
              {(id) => (
                <select id={id} value={forgeKind} onChange={(e) => setForgeKind(e.target.value as typeof forgeKind)}>
                  {Object.entries(FORGE_WORDS).map(([k, words]) => (
                    <option key={k} value={k}>
                      {words}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {forgeKind === 'none' ? null : (
              <>
                <Field
                  label="Forge API URL"
                  hint={forgeKind === 'gitea' ? 'Required for Gitea: https://gitea.example.com/api/v1' : `Empty: ${forgeKind === 'github' ? 'https://api.github.com' : 'https://gitlab.com/api/v4'}; set it for a self-hosted server.`}
                  error={at('forge.apiUrl')}
                >
                  {(id) => <input id={id} className="mono" value={apiUrl} onChange={(e) => setApiUrl(e.target.value)} />}
                </Field>
                <Field label="Repository on the forge" hint={forgeKind === 'gitlab' ? 'The project path: group/sub/project.' : 'owner/name'} error={at('forge.repository')}>
                  {(id) => <input id={id} className="mono" value={forgeRepository} placeholder="acme/shop" onChange={(e) => setForgeRepository(e.target.value)} />}
                </Field>
              </>
            )}
          </div>
          <Field
            label="Credentials reference"
            hint={
              <>
                Where the server reads the token for cloning and pull requests — never the token itself, which is not stored or shown. <code>file:NAME</code>: the file{' '}
                <code>NAME</code> in this account's folder of the server's secrets directory (<code>secrets/{accountId === '' ? '<account id>' : accountId}/NAME</code>); or{' '}
                <code>env:PATCHWARDEN_SECRET_…</code>: an environment variable of the server{session.isOrgAdmin ? '' : ' (only organization admins may name one)'}. Empty: no credentials (public repository).
              </>
            }
            error={at('credentialsRef')}
          >
            {(id) => <input id={id} className="mono" value={credentialsRef} placeholder="file:github-token" autoComplete="off" onChange={(e) => setCredentialsRef(e.target.value)} />}
          </Field>
          <label className="checkbox">
            <input type="checkbox" checked={openPullRequests} onChange={(e) => setOpenPullRequests(e.target.checked)} /> Open pull requests after each scan (and update or close them)
          </label>
          {at('openPullRequests') === undefined ? null : (
            <div className="field-error" role="alert">
              {at('openPullRequests')}
            </div>
          )}
        </fieldset>
        <div className="form-row">
          <Field
            label="Schedule"
            hint={
              <>
                Empty: on demand only. 5-field cron <code>0 3 * * *</code>, SSM <code>cron(0 3 ? * * *)</code> or <code>rate(12 hours)</code>.
              </>
            }
            error={at('schedule')}
          >
            {(id) => <input id={id} className="mono" value={schedule} onChange={(e) => setSchedule(e.target.value)} />}
          </Field>
          <Field label="Time zone" hint="IANA name; the cron is read in this zone." error={at('timezone')}>
            {(id) => (
              <>
                <input id={id} value={timezone} list={`${id}-zones`} onChange={(e) => setTimezone(e.target.value)} />
                <datalist id={`${id}-zones`}>
                  {zones.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field label="Grouping" error={at('grouping')}>
            {(id) => (
              <select id={id} value={grouping} onChange={(e) => setGrouping(e.target.value as typeof grouping)}>
                {Object.entries(GROUPING_WORDS).map(([k, words]) => (
                  <option key={k} value={k}>
                    {words}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Severity threshold" hint="Findings below it are listed but do not count against compliance and get no pull request." error={at('severityThreshold')}>
            {(id) => (
              <select id={id} value={threshold} onChange={(e) => setThreshold(e.target.value as typeof threshold)}>
                {Object.entries(THRESHOLD_WORDS).map(([k, words]) => (
                  <option key={k} value={k}>
                    {words}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled (scanned on schedule)
        </label>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy || accountId === ''}>
            {save.busy ? 'Saving…' : r === undefined ? 'Register repository' : 'Save repository'}
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
