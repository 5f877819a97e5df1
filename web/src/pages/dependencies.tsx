import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { pathOf, type Res } from '../api/client';
import { DEPS_SEVERITIES, findingColumns, pullRequestColumns } from '../components/deps-parts';
import { AccountSelect, Button, Card, Field, Page, PagedTable } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

const PAGE = 50;
const FINDING_SORTS = ['severity', 'package', 'firstSeenAt', 'dueAt'];
const PR_STATES = ['open', 'merged', 'closed', 'local'] as const;
const PR_STATE_WORDS: Record<string, string> = { open: 'Open', merged: 'Merged', closed: 'Closed', local: 'Local branch (no forge)' };

/**
 * Vulnerable dependencies across every repository the user can see, and the pull requests opened
 * for them: two tabs of one page, every filter in the URL (`/dependencies?overdue=true`).
 */
export function DependenciesPage() {
  useTitle('Vulnerable dependencies');
  const [query, setQuery] = useQueryState();
  const tab = query.get('tab') === 'pull-requests' ? 'pull-requests' : 'findings';
  const switchTo = (next: 'findings' | 'pull-requests') =>
    setQuery({ tab: next === 'findings' ? undefined : next, offset: undefined, sort: undefined, severity: undefined, package: undefined, cve: undefined, overdue: undefined, all: undefined, state: undefined });

  return (
    <Page
      title="Vulnerable dependencies"
      subtitle="Open findings of the watched repositories (from each one's last successful scan), with their SLA, and the pull requests that fix them."
      testId="dependencies-page"
      actions={
        <Link className="button secondary" to="/repositories">
          Repositories
        </Link>
      }
    >
      <div className="bl-tabs" role="tablist" aria-label="Report">
        <button type="button" role="tab" aria-selected={tab === 'findings'} className={`bl-tab ${tab === 'findings' ? 'active' : ''}`} onClick={() => switchTo('findings')}>
          Findings
        </button>
        <button type="button" role="tab" aria-selected={tab === 'pull-requests'} className={`bl-tab ${tab === 'pull-requests' ? 'active' : ''}`} onClick={() => switchTo('pull-requests')}>
          Pull requests
        </button>
      </div>
      <div role="tabpanel" aria-label={tab === 'findings' ? 'Findings' : 'Pull requests'}>{tab === 'findings' ? <FindingsTab /> : <PullRequestsTab />}</div>
    </Page>
  );
}

/** Account and repository filters, shared by both tabs (the repository list follows the account). */
function ScopeFilters(props: { accountId: string; repositoryId: string; onChange: (changes: { accountId?: string | undefined; repositoryId?: string | undefined }) => void }) {
  const session = useSession();
  const repositories = useApi<Res<'listRepositories'>>(pathOf('/api/v1/repositories', {}, { accountId: props.accountId, sort: 'name', limit: 500 }));
  const known = repositories.data?.items ?? [];
  return (
    <>
      <Field label="Account">
        {(id) => <AccountSelect id={id} accounts={session.accounts} value={props.accountId} allLabel="All accounts" onChange={(v) => props.onChange({ accountId: v, repositoryId: undefined })} />}
      </Field>
      <Field label="Repository">
        {(id) => (
          <select id={id} value={props.repositoryId} onChange={(e) => props.onChange({ repositoryId: e.target.value })}>
            <option value="">All repositories</option>
            {props.repositoryId !== '' && !known.some((r) => r.id === props.repositoryId) ? <option value={props.repositoryId}>{props.repositoryId}</option> : null}
            {known.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        )}
      </Field>
    </>
  );
}

/** A text filter applied on Enter or when the field is left (package name, CVE id). */
function TextFilter(props: { label: string; placeholder: string; value: string; onChange: (value: string) => void }) {
  const [text, setText] = useState(props.value);
  const { value } = props;
  useEffect(() => setText(value), [value]);
  const apply = () => {
    if (text.trim() !== value) props.onChange(text.trim());
  };
  return (
    <Field label={props.label}>
      {(id) => (
        <input
          id={id}
          type="search"
          placeholder={props.placeholder}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onBlur={apply}
          onKeyDown={(e) => {
            if (e.key === 'Enter') apply();
          }}
        />
      )}
    </Field>
  );
}

function FindingsTab() {
  const [query, setQuery] = useQueryState();
  const accountId = query.get('accountId') ?? '';
  const repositoryId = query.get('repositoryId') ?? '';
  const severity = query.get('severity') ?? '';
  const pkg = query.get('package') ?? '';
  const cve = query.get('cve') ?? '';
  const overdue = query.get('overdue') === 'true';
  const all = query.get('all') === 'true';
  const sortParam = query.get('sort') ?? '-severity';
  const sort = FINDING_SORTS.includes(sortParam.replace(/^-/, '')) ? sortParam : '-severity';
  const offset = Math.max(0, Number(query.get('offset') ?? '0') || 0);
  const list = useApi<Res<'listDependencyFindings'>>(
    pathOf('/api/v1/dependencies/findings', {}, { accountId, repositoryId, severity, package: pkg, cve, overdue: overdue ? 'true' : undefined, all: all ? 'true' : undefined, sort, limit: PAGE, offset }),
  );
  const filtered = accountId !== '' || repositoryId !== '' || severity !== '' || pkg !== '' || cve !== '' || overdue || all;
  const set = (changes: Record<string, string | undefined>) => setQuery({ ...changes, offset: undefined });

  return (
    <Card>
      <div className="filters" role="search" aria-label="Filter findings">
        <ScopeFilters accountId={accountId} repositoryId={repositoryId} onChange={set} />
        <Field label="Severity">
          {(id) => (
            <select id={id} value={severity} onChange={(e) => set({ severity: e.target.value })}>
              <option value="">Any severity</option>
              {DEPS_SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
        <TextFilter label="Package" placeholder="e.g. lodash" value={pkg} onChange={(v) => set({ package: v })} />
        <TextFilter label="CVE" placeholder="CVE-2021-23337" value={cve} onChange={(v) => set({ cve: v })} />
        <label className="checkbox filter-checkbox">
          <input type="checkbox" checked={overdue} onChange={(e) => set({ overdue: e.target.checked ? 'true' : undefined })} /> Overdue only
        </label>
        <label className="checkbox filter-checkbox">
          <input type="checkbox" checked={all} onChange={(e) => set({ all: e.target.checked ? 'true' : undefined })} /> Include below threshold
        </label>
        {filtered ? (
          <Button kind="secondary" className="nodes-clear" onClick={() => set({ accountId: undefined, repositoryId: undefined, severity: undefined, package: undefined, cve: undefined, overdue: undefined, all: undefined })}>
            Clear filters
          </Button>
        ) : null}
      </div>
      {list.data === undefined ? null : (
        <p className="muted small nodes-count" data-testid="findings-count" aria-live="polite">
          {list.data.total === 1 ? '1 finding' : `${list.data.total.toLocaleString('en-US')} findings`}
          {filtered ? ' match these filters' : ''}
        </p>
      )}
      <PagedTable
        state={list}
        errorTitle="The findings could not be loaded"
        loadingLabel="Loading findings…"
        caption="Vulnerable dependencies"
        testId="findings-table"
        columns={findingColumns(true)}
        rowKey={(f) => f.id}
        sort={sort}
        onSort={(s) => setQuery({ sort: s === '-severity' ? undefined : s, offset: undefined })}
        empty={filtered ? 'No finding matches these filters.' : 'No vulnerable dependency in the repositories you can see (or none has been scanned yet).'}
        limit={PAGE}
        offset={offset}
        onPage={(o) => setQuery({ offset: o === 0 ? undefined : o })}
      />
    </Card>
  );
}

function PullRequestsTab() {
  const [query, setQuery] = useQueryState();
  const accountId = query.get('accountId') ?? '';
  const repositoryId = query.get('repositoryId') ?? '';
  const state = query.get('state') ?? '';
  const sortParam = query.get('sort') ?? '-updatedAt';
  const sort = ['updatedAt', 'createdAt'].includes(sortParam.replace(/^-/, '')) ? sortParam : '-updatedAt';
  const offset = Math.max(0, Number(query.get('offset') ?? '0') || 0);
  const list = useApi<Res<'listDependencyPullRequests'>>(pathOf('/api/v1/dependencies/pull-requests', {}, { accountId, repositoryId, state, sort, limit: PAGE, offset }));
  const set = (changes: Record<string, string | undefined>) => setQuery({ ...changes, offset: undefined });
  const filtered = accountId !== '' || repositoryId !== '' || state !== '';

  return (
    <Card>
      <div className="filters" role="search" aria-label="Filter pull requests">
        <ScopeFilters accountId={accountId} repositoryId={repositoryId} onChange={set} />
        <Field label="State">
          {(id) => (
            <select id={id} value={state} onChange={(e) => set({ state: e.target.value })}>
              <option value="">Any state</option>
              {PR_STATES.map((s) => (
                <option key={s} value={s}>
                  {PR_STATE_WORDS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <PagedTable
        state={list}
        errorTitle="The pull requests could not be loaded"
        loadingLabel="Loading pull requests…"
        caption="Pull requests"
        testId="prs-table"
        columns={pullRequestColumns(true)}
        rowKey={(p) => p.id}
        sort={sort}
        onSort={(s) => setQuery({ sort: s === '-updatedAt' ? undefined : s, offset: undefined })}
        empty={filtered ? 'No pull request matches these filters.' : 'No pull request yet: they are opened after a scan of a repository with “Open pull requests” set.'}
        limit={PAGE}
        offset={offset}
        onPage={(o) => setQuery({ offset: o === 0 ? undefined : o })}
      />
    </Card>
  );
}
