import { useCallback, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, pathOf, type Res } from '../api/client';
import { ConfirmButton, useAction } from '../components/admin-ui';
import {
  COMPLIANCE_WORDS,
  Commit,
  FORGE_WORDS,
  GROUPING_WORDS,
  LastScan,
  NextScan,
  RepositoryForm,
  RepositoryLink,
  SCAN_ENDED,
  ScanNowButton,
  ScanStatus,
  SeverityCounts,
  THRESHOLD_WORDS,
  findingColumns,
  pullRequestColumns,
  scanWords,
  type Repository,
  type RepositoryScan,
} from '../components/deps-parts';
import { AccountSelect, Badge, Button, Card, ErrorBox, Field, Loading, Notice, Page, PagedTable, SearchField, Time, type Column } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

const PAGE = 50;
const SORTS = ['name', 'createdAt', 'complianceStatus'];
const STATUSES = ['COMPLIANT', 'NON_COMPLIANT', 'UNKNOWN'] as const;

/**
 * The source repositories watched for vulnerable dependencies: their compliance, findings by
 * severity, SLA breaches, open pull requests and scans. Filters, sort and page in the URL.
 */
export function RepositoriesPage() {
  useTitle('Repositories');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const accountId = query.get('accountId') ?? '';
  const complianceStatus = query.get('complianceStatus') ?? '';
  const q = query.get('q') ?? '';
  const sortParam = query.get('sort') ?? 'name';
  const sort = SORTS.includes(sortParam.replace(/^-/, '')) ? sortParam : 'name';
  const offset = Math.max(0, Number(query.get('offset') ?? '0') || 0);
  const list = useApi<Res<'listRepositories'>>(pathOf('/api/v1/repositories', {}, { accountId, complianceStatus, q, sort, limit: PAGE, offset }));
  const admins = session.accountsWhere('manage');
  const [registering, setRegistering] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const accountName = (id: string) => session.accounts.find((a) => a.id === id)?.name ?? id;
  const filtered = accountId !== '' || complianceStatus !== '' || q !== '';
  const reload = list.reload;

  const columns: Column<Repository>[] = [
    {
      key: 'name',
      header: 'Repository',
      sort: 'name',
      render: (r) => (
        <>
          <RepositoryLink id={r.id} name={r.name} />
          <div className="muted small deps-url">
            {r.gitUrl}
            {r.branch === null ? '' : ` · ${r.branch}`}
          </div>
        </>
      ),
    },
    { key: 'account', header: 'Account', className: 'ov-nowrap', render: (r) => accountName(r.accountId) },
    {
      key: 'compliance',
      header: 'Compliance',
      sort: 'complianceStatus',
      render: (r) => (
        <>
          <Badge value={r.complianceStatus} />
          {r.enabled ? null : <div className="muted small">disabled</div>}
        </>
      ),
    },
    { key: 'findings', header: 'Findings', render: (r) => <SeverityCounts counts={r.findings} /> },
    { key: 'overdue', header: 'Overdue', className: 'num', render: (r) => (r.overdue > 0 ? <strong className="ov-overdue">{r.overdue}</strong> : 0) },
    { key: 'prs', header: 'Open PRs', className: 'num', render: (r) => r.openPullRequestCount },
    { key: 'lastScan', header: 'Last scan', render: (r) => <LastScan scan={r.lastScan} /> },
    { key: 'nextScan', header: 'Next scan', className: 'ov-nowrap', render: (r) => <NextScan repository={r} /> },
  ];
  if (session.accountsWhere('operate').length > 0) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      render: (r) => (session.can(r.accountId, 'operate') ? <ScanNowButton repository={r} onEnded={reload} compact /> : null),
    });
  }

  return (
    <Page
      title="Repositories"
      subtitle="Source repositories watched for vulnerable open-source dependencies, and how compliant each is under the SLA."
      testId="repositories-page"
      busy={list.loading}
      actions={
        admins.length > 0 && !registering ? (
            <Button
              onClick={() => {
                setDone(null);
                setRegistering(true);
              }}
            >
              Register repository
            </Button>
          ) : undefined
      }
    >
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      {registering ? (
        <RepositoryForm
          accounts={accountId !== '' && admins.some((a) => a.id === accountId) ? [...admins.filter((a) => a.id === accountId), ...admins.filter((a) => a.id !== accountId)] : admins}
          onCancel={() => setRegistering(false)}
          onSaved={(r) => {
            setRegistering(false);
            setDone(`The repository ${r.name} was registered. Scan it now to see its findings.`);
            reload();
          }}
        />
      ) : null}
      <Card>
        <div className="filters" role="search" aria-label="Filter repositories">
          <SearchField value={q} placeholder="Name or git URL" onChange={(v) => setQuery({ q: v, offset: undefined })} />
          <Field label="Account">
            {(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} allLabel="All accounts" onChange={(v) => setQuery({ accountId: v, offset: undefined })} />}
          </Field>
          <Field label="Compliance">
            {(id) => (
              <select id={id} value={complianceStatus} onChange={(e) => setQuery({ complianceStatus: e.target.value, offset: undefined })}>
                <option value="">Any compliance</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {COMPLIANCE_WORDS[s]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {filtered ? (
            <Button kind="secondary" className="nodes-clear" onClick={() => setQuery({ q: undefined, accountId: undefined, complianceStatus: undefined, offset: undefined })}>
              Clear filters
            </Button>
          ) : null}
        </div>
        <PagedTable
          state={list}
          errorTitle="The repositories could not be loaded"
          loadingLabel="Loading repositories…"
          caption="Repositories"
          testId="repositories-table"
          columns={columns}
          rowKey={(r) => r.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s === 'name' ? undefined : s, offset: undefined })}
          empty={
            filtered
              ? 'No repository matches these filters.'
              : admins.length > 0
                ? 'No repository is watched yet. “Register repository” adds one: its lockfiles are scanned for vulnerable dependencies.'
                : 'No repository is watched in your accounts. An account admin can register one.'
          }
          limit={PAGE}
          offset={offset}
          onPage={(o) => setQuery({ offset: o === 0 ? undefined : o })}
        />
      </Card>
    </Page>
  );
}


/** One repository: its status and settings, its findings, its pull requests and its scans. */
export function RepositoryPage() {
  const { repositoryId = '' } = useParams();
  return <RepositoryDetail key={repositoryId} repositoryId={repositoryId} />;
}

function RepositoryDetail(props: { repositoryId: string }) {
  const session = useSession();
  const navigate = useNavigate();
  const [query, setQuery] = useQueryState();
  const [live, setLive] = useState(false);
  const loaded = useApi<Repository>(pathOf('/api/v1/repositories/{repositoryId}', { repositoryId: props.repositoryId }), live ? { refreshMs: 3000 } : {});
  const all = query.get('all') === 'true';
  const foffset = Math.max(0, Number(query.get('foffset') ?? '0') || 0);
  const fsort = query.get('fsort') ?? '-severity';
  const poffset = Math.max(0, Number(query.get('poffset') ?? '0') || 0);
  const soffset = Math.max(0, Number(query.get('soffset') ?? '0') || 0);
  const findings = useApi<Res<'listDependencyFindings'>>(pathOf('/api/v1/dependencies/findings', {}, { repositoryId: props.repositoryId, all: all ? 'true' : undefined, sort: fsort, limit: 25, offset: foffset }));
  const prs = useApi<Res<'listDependencyPullRequests'>>(pathOf('/api/v1/dependencies/pull-requests', {}, { repositoryId: props.repositoryId, limit: 25, offset: poffset }));
  const scans = useApi<Res<'listRepositoryScans'>>(pathOf('/api/v1/repositories/{repositoryId}/scans', { repositoryId: props.repositoryId }, { limit: 10, offset: soffset }), live ? { refreshMs: 3000 } : {});
  const [editing, setEditing] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const change = useAction();
  const r = loaded.data;
  useTitle(r?.name ?? 'Repository');

  // A scan queued elsewhere (schedule, another user) is followed until it ends.
  const running = r?.lastScan !== null && r?.lastScan !== undefined && !SCAN_ENDED.includes(r.lastScan.status);
  if (running !== live) setLive(running);
  const reloadRepository = loaded.reload;
  const reloadFindings = findings.reload;
  const reloadPrs = prs.reload;
  const reloadScans = scans.reload;
  const reloadAll = useCallback(() => {
    reloadRepository();
    reloadFindings();
    reloadPrs();
    reloadScans();
  }, [reloadRepository, reloadFindings, reloadPrs, reloadScans]);
  // The last scan ended while the page was open (queued here, by the schedule or by someone
  // else): its findings, pull requests and scan history changed too. undefined: not loaded yet.
  const [seenEnded, setSeenEnded] = useState<string | null | undefined>(undefined);
  const endedScan = r?.lastScan !== null && r?.lastScan !== undefined && SCAN_ENDED.includes(r.lastScan.status) ? r.lastScan.id : null;
  if (r !== undefined && endedScan !== seenEnded) {
    if (seenEnded !== undefined && endedScan !== null) {
      reloadFindings();
      reloadPrs();
      reloadScans();
    }
    setSeenEnded(endedScan);
  }

  if (r === undefined) {
    return (
      <Page title="Repository" busy={loaded.loading}>
        <ErrorBox error={loaded.error} onRetry={loaded.reload} title="The repository could not be loaded" />
        {loaded.error === undefined ? <Loading /> : null}
        <p>
          <Link to="/repositories">All repositories</Link>
        </p>
      </Page>
    );
  }
  const manage = session.can(r.accountId, 'manage');
  const operate = session.can(r.accountId, 'operate');
  const accountName = session.accounts.find((a) => a.id === r.accountId)?.name ?? r.accountId;

  const scanColumns: Column<RepositoryScan>[] = [
    { key: 'created', header: 'Queued', className: 'ov-nowrap', render: (s) => <Time value={s.createdAt} /> },
    { key: 'trigger', header: 'Trigger', render: (s) => (s.trigger === 'manual' ? `by ${s.requestedBy ?? 'a user'}` : 'schedule') },
    { key: 'status', header: 'Status', render: (s) => <ScanStatus value={s.status} /> },
    { key: 'commit', header: 'Commit', render: (s) => <Commit sha={s.commit} /> },
    {
      key: 'result',
      header: 'Result',
      render: (s) => (
        <>
          <span className={s.status === 'FAILED' ? 'deps-error' : ''}>{scanWords(s)}</span>
          {s.errors.length === 0 ? null : (
            <ul className="admin-list small deps-error">
              {s.errors.map((e) => (
                <li key={`${e.lockfile}:${e.line ?? ''}`}>
                  <code>
                    {e.lockfile}
                    {e.line === null ? '' : `:${e.line}`}
                  </code>{' '}
                  {e.message}
                </li>
              ))}
            </ul>
          )}
        </>
      ),
    },
    {
      key: 'prs',
      header: 'Pull requests',
      render: (s) =>
        s.pullRequests === null ? (
          <span className="muted">—</span>
        ) : (
          `${s.pullRequests.opened} opened, ${s.pullRequests.updated} updated, ${s.pullRequests.closed} closed${s.pullRequests.failed > 0 ? `, ${s.pullRequests.failed} failed` : ''}`
        ),
    },
    { key: 'ended', header: 'Ended', className: 'ov-nowrap', render: (s) => <Time value={s.endedAt} /> },
  ];

  return (
    <Page
      title={r.name}
      subtitle={
        <>
          Repository of {accountName}. <Link to="/repositories">All repositories</Link>
        </>
      }
      testId="repository-page"
      busy={loaded.loading}
      actions={
        <>
          {operate ? <ScanNowButton repository={r} onEnded={reloadAll} /> : null}
          {manage ? (
            <>
              <Button kind="secondary" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
                {editing ? 'Close editor' : 'Edit repository'}
              </Button>
              <ConfirmButton
                label="Delete repository"
                question="Stop watching it? Its scans, findings and pull request records are deleted (pull requests on the forge stay)."
                disabled={change.busy}
                onConfirm={async () => {
                  if (await change.ok(() => api.delete(pathOf('/api/v1/repositories/{repositoryId}', { repositoryId: r.id })))) void navigate('/repositories');
                }}
              />
            </>
          ) : null}
        </>
      }
    >
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      <ErrorBox error={change.error} title="The change was not made" />
      {editing ? (
        <RepositoryForm
          key={r.updatedAt}
          repository={r}
          accounts={session.accounts.filter((a) => a.id === r.accountId)}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            setDone('The repository was saved.');
            reloadAll();
          }}
        />
      ) : null}
      <div className="grid admin-grid">
        <Card title="Compliance" testId="repository-status">
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <Badge value={r.complianceStatus} />
            </dd>
            <dt>Findings</dt>
            <dd>
              <SeverityCounts counts={r.findings} />
              {r.severityThreshold === 'any' ? null : <span className="muted small"> (at or above {r.severityThreshold})</span>}
            </dd>
            <dt>Overdue (SLA)</dt>
            <dd>{r.overdue > 0 ? <strong className="ov-overdue">{r.overdue}</strong> : 'none'}</dd>
            <dt>Open pull requests</dt>
            <dd>{r.openPullRequestCount}</dd>
            <dt>Last scan</dt>
            <dd>
              <LastScan scan={r.lastScan} />
            </dd>
            <dt>Next scan</dt>
            <dd>
              <NextScan repository={r} />
            </dd>
          </dl>
        </Card>
        <Card title="Settings" testId="repository-settings">
          <dl className="facts">
            <dt>Git URL</dt>
            <dd className="mono deps-url">{r.gitUrl}</dd>
            <dt>Branch</dt>
            <dd>{r.branch === null ? <span className="muted">the remote's default branch</span> : <code>{r.branch}</code>}</dd>
            <dt>Forge</dt>
            <dd>
              {FORGE_WORDS[r.forge.kind] ?? r.forge.kind}
              {r.forge.repository === null ? null : (
                <>
                  {' '}
                  <code>{r.forge.repository}</code>
                </>
              )}
              {r.forge.apiUrl === null ? null : <div className="muted small mono">{r.forge.apiUrl}</div>}
            </dd>
            <dt>Credentials</dt>
            <dd>{r.credentialsRef === null ? <span className="muted">none (public repository)</span> : <code>{r.credentialsRef}</code>}</dd>
            <dt>Schedule</dt>
            <dd>
              {r.schedule === null ? (
                <span className="muted">on demand only</span>
              ) : (
                <>
                  <code>{r.schedule}</code> in {r.timezone}
                </>
              )}
            </dd>
            <dt>Pull requests</dt>
            <dd>
              {r.openPullRequests ? 'opened after each scan' : 'not opened'}; {(GROUPING_WORDS[r.grouping] ?? r.grouping).toLowerCase()}
            </dd>
            <dt>Severity threshold</dt>
            <dd>{THRESHOLD_WORDS[r.severityThreshold] ?? r.severityThreshold}</dd>
            <dt>State</dt>
            <dd>{r.enabled ? <Badge value="enabled" tone="good" /> : <Badge value="disabled" tone="muted" />}</dd>
            <dt>Registered</dt>
            <dd>
              <Time value={r.createdAt} />
              {r.createdBy === null ? null : ` by ${r.createdBy}`}
            </dd>
          </dl>
        </Card>
      </div>
      <Card
        title="Vulnerable dependencies"
        testId="repository-findings"
        actions={
          <label className="checkbox small">
            <input type="checkbox" checked={all} onChange={(e) => setQuery({ all: e.target.checked ? 'true' : undefined, foffset: undefined })} /> Include findings below the threshold
          </label>
        }
      >
        <PagedTable
          state={findings}
          errorTitle="The findings could not be loaded"
          loadingLabel="Loading findings…"
          caption="Vulnerable dependencies"
          testId="findings-table"
          columns={findingColumns(false)}
          rowKey={(f) => f.id}
          sort={fsort}
          onSort={(s) => setQuery({ fsort: s === '-severity' ? undefined : s, foffset: undefined })}
          empty={r.lastScan === null ? 'Not scanned yet: its findings appear after the first scan.' : 'No vulnerable dependency in its last successful scan.'}
          limit={25}
          offset={foffset}
          onPage={(o) => setQuery({ foffset: o === 0 ? undefined : o })}
        />
      </Card>
      <Card title="Pull requests" testId="repository-prs">
        <PagedTable
          state={prs}
          errorTitle="The pull requests could not be loaded"
          caption="Pull requests"
          testId="prs-table"
          columns={pullRequestColumns(false)}
          rowKey={(p) => p.id}
          empty={r.openPullRequests ? 'No pull request yet: they are opened after a scan finds something fixable.' : 'Pull requests are not opened for this repository (see its settings).'}
          limit={25}
          offset={poffset}
          onPage={(o) => setQuery({ poffset: o === 0 ? undefined : o })}
        />
      </Card>
      <Card title="Scans" testId="repository-scans">
        <PagedTable
          state={scans}
          errorTitle="The scans could not be loaded"
          caption="Scans"
          testId="scans-table"
          columns={scanColumns}
          rowKey={(s) => s.id}
          empty={operate ? 'No scan yet. “Scan now” clones it and checks its lockfiles.' : 'No scan yet.'}
          limit={10}
          offset={soffset}
          onPage={(o) => setQuery({ soffset: o === 0 ? undefined : o })}
        />
      </Card>
    </Page>
  );
}
