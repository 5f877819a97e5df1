import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { pathOf, type Res } from '../api/client';
import { AccountSelect, Badge, Button, Card, DataTable, EmptyState, ErrorBox, Field, NodeLink, Page, Pager, Time, type Column } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

type PatchSummary = Res<'getCompliancePatchSummary'>['items'][number];
type CveExposure = Res<'listComplianceCves'>['items'][number];
type PatchRow = Res<'listCompliancePatches'>['items'][number];

const STATES = ['MISSING', 'FAILED', 'INSTALLED_PENDING_REBOOT', 'INSTALLED_REJECTED', 'AVAILABLE_SECURITY_UPDATE', 'INSTALLED', 'NOT_APPLICABLE'] as const;
const SEVERITY_TONE: Record<string, 'bad' | 'warn' | 'info' | 'muted'> = { critical: 'bad', high: 'bad', medium: 'warn', low: 'info' };

export function SeverityBadge(props: { value: string | null | undefined }) {
  const v = props.value ?? '';
  if (v === '' || v === 'unknown' || v === 'none') return <span className="muted">{v === '' ? '—' : v}</span>;
  return <Badge value={v} tone={SEVERITY_TONE[v.toLowerCase()] ?? 'muted'} />;
}

/** CVE ids as links to the advisories that name them. */
function CveLinks(props: { cves: string[]; max?: number }) {
  const max = props.max ?? 4;
  if (props.cves.length === 0) return <span className="muted">—</span>;
  return (
    <span className="bl-chips">
      {props.cves.slice(0, max).map((c) => (
        <Link key={c} className="bl-chip" to={`/advisories?cve=${encodeURIComponent(c)}`}>
          {c}
        </Link>
      ))}
      {props.cves.length > max ? <span className="muted"> +{props.cves.length - max} more</span> : null}
    </span>
  );
}

function AdvisoryLinks(props: { ids: string[]; max?: number }) {
  const max = props.max ?? 4;
  if (props.ids.length === 0) return <span className="muted">—</span>;
  return (
    <span className="bl-chips">
      {props.ids.slice(0, max).map((id) => (
        <Link key={id} className="bl-chip" to={`/advisories/${encodeURIComponent(id)}`}>
          {id}
        </Link>
      ))}
      {props.ids.length > max ? <span className="muted"> +{props.ids.length - max} more</span> : null}
    </span>
  );
}

/** Patches and CVEs by fleet impact, and which nodes miss a patch / are exposed to a CVE. */
export function PatchesPage() {
  useTitle('Patches & CVEs');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const tab = query.get('tab') === 'cves' ? 'cves' : 'packages';
  const accountId = query.get('accountId') ?? '';
  const pkg = query.get('package');
  const cve = query.get('cve');
  const policyId = query.get('policyId') ?? '';
  const selected = pkg !== null ? { kind: 'package' as const, value: pkg } : cve !== null && tab === 'cves' ? { kind: 'cve' as const, value: cve } : null;

  return (
    <Page title="Patches & CVEs" subtitle="What the fleet is missing, by how many nodes it reaches. Choose a package or a CVE to see the nodes." testId="patches-page">
      <div className="bl-tabs" role="tablist" aria-label="Report">
        <button type="button" role="tab" aria-selected={tab === 'packages'} className={`bl-tab ${tab === 'packages' ? 'active' : ''}`} onClick={() => setQuery({ tab: undefined, offset: undefined, sort: undefined, package: undefined, cve: undefined, q: undefined, policyId: undefined, noffset: undefined })}>
          Packages
        </button>
        <button type="button" role="tab" aria-selected={tab === 'cves'} className={`bl-tab ${tab === 'cves' ? 'active' : ''}`} onClick={() => setQuery({ tab: 'cves', offset: undefined, sort: undefined, package: undefined, cve: undefined, name: undefined, state: undefined, noffset: undefined })}>
          CVEs
        </button>
      </div>
      <div role="tabpanel" aria-label={tab === 'cves' ? 'CVEs' : 'Packages'}>
        {tab === 'packages' ? <PackagesTab accounts={session.accounts} accountId={accountId} /> : <CvesTab accounts={session.accounts} accountId={accountId} policyId={policyId} />}
      </div>
      {selected === null ? null : <AffectedNodes kind={selected.kind} value={selected.value} accountId={accountId} />}
    </Page>
  );
}

function SearchField(props: { label: string; param: string; placeholder?: string }) {
  const [query, setQuery] = useQueryState();
  const current = query.get(props.param) ?? '';
  const [value, setValue] = useState(current);
  useEffect(() => setValue(current), [current]);
  return (
    <Field label={props.label}>
      {(id) => (
        <input
          id={id}
          type="search"
          value={value}
          placeholder={props.placeholder}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') setQuery({ [props.param]: value.trim(), offset: undefined });
          }}
          onBlur={() => {
            if (value.trim() !== current) setQuery({ [props.param]: value.trim(), offset: undefined });
          }}
        />
      )}
    </Field>
  );
}

function PackagesTab(props: { accounts: { id: string; name: string }[]; accountId: string }) {
  const [query, setQuery] = useQueryState();
  const name = query.get('name') ?? '';
  const cveFilter = query.get('cveFilter') ?? '';
  const state = query.get('state') ?? '';
  const overdue = query.get('overdue') ?? '';
  const sort = query.get('sort') ?? '-missing';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = 25;
  const { data, error, loading, reload } = useApi<Res<'getCompliancePatchSummary'>>(
    pathOf('/api/v1/compliance/patches/summary', {}, { accountId: props.accountId, name, cve: cveFilter, state, overdue, sort, limit, offset }),
  );
  const chosen = query.get('package');
  const columns: Column<PatchSummary>[] = [
    {
      key: 'name',
      header: 'Package',
      sort: 'name',
      render: (p) => (
        <button type="button" className={`bl-link ${chosen === p.name ? 'selected' : ''}`} aria-pressed={chosen === p.name} onClick={() => setQuery({ package: p.name, noffset: undefined })}>
          {p.name}
        </button>
      ),
    },
    { key: 'missing', header: 'Missing', sort: 'missing', className: 'num', render: (p) => <strong>{p.byState.MISSING.toLocaleString()}</strong> },
    { key: 'failed', header: 'Failed', className: 'num', render: (p) => p.byState.FAILED.toLocaleString() },
    { key: 'reboot', header: 'Pending reboot', className: 'num', render: (p) => p.byState.INSTALLED_PENDING_REBOOT.toLocaleString() },
    { key: 'notApproved', header: 'Security, not approved', className: 'num', render: (p) => p.byState.AVAILABLE_SECURITY_UPDATE.toLocaleString() },
    { key: 'installed', header: 'Installed', className: 'num', render: (p) => p.byState.INSTALLED.toLocaleString() },
    { key: 'nodes', header: 'Nodes', sort: 'nodes', className: 'num', render: (p) => p.nodes.toLocaleString() },
    { key: 'severity', header: 'Severity', sort: 'severity', render: (p) => <SeverityBadge value={p.highestSeverity} /> },
    { key: 'level', header: 'Level', render: (p) => <Badge value={p.highestComplianceLevel} /> },
    { key: 'cves', header: 'CVEs', render: (p) => <CveLinks cves={p.cves} max={3} /> },
    { key: 'overdue', header: 'Overdue', sort: 'overdue', className: 'num', render: (p) => (p.overdue > 0 ? <Badge value={String(p.overdue)} tone="bad" /> : '0') },
    { key: 'due', header: 'Next due', className: 'nowrap', render: (p) => <Time value={p.nextDueAt} /> },
  ];
  return (
    <Card testId="packages-tab">
      <div className="filters">
        <Field label="Account">{(id) => <AccountSelect id={id} accounts={props.accounts} value={props.accountId} allLabel="All accounts" onChange={(v) => setQuery({ accountId: v, offset: undefined, noffset: undefined })} />}</Field>
        <SearchField label="Package name" param="name" placeholder="openssl" />
        <SearchField label="CVE or advisory" param="cveFilter" placeholder="CVE-2024-…" />
        <Field label="State">
          {(id) => (
            <select id={id} value={state} onChange={(e) => setQuery({ state: e.target.value, offset: undefined, noffset: undefined })}>
              <option value="">Any</option>
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {s.replace(/_/g, ' ').toLowerCase()}
                </option>
              ))}
            </select>
          )}
        </Field>
        <label className="checkbox filter-checkbox">
          <input type="checkbox" checked={overdue === 'true'} onChange={(e) => setQuery({ overdue: e.target.checked ? 'true' : undefined, offset: undefined, noffset: undefined })} />
          Overdue only
        </label>
      </div>
      <ErrorBox error={error} onRetry={reload} title="The patch summary could not be loaded" />
      {data === undefined ? (loading ? <p className="muted">Loading…</p> : null) : data.total === 0 && name === '' && cveFilter === '' && state === '' && overdue === '' ? (
        <EmptyState title="No pending patches reported">
          <p>
            Nodes report their pending updates with their inventory. Once nodes are <Link to="/admin/activations">enrolled</Link> and scanned, their missing patches show here.
          </p>
        </EmptyState>
      ) : (
        <>
          <DataTable columns={columns} rows={data.items} rowKey={(p) => p.name} sort={sort} onSort={(s) => setQuery({ sort: s, offset: undefined })} caption="Packages by fleet impact" testId="packages-table" empty="No package matches these filters." />
          <Pager total={data.total} limit={limit} offset={offset} onChange={(o) => setQuery({ offset: o })} />
        </>
      )}
    </Card>
  );
}

function CvesTab(props: { accounts: { id: string; name: string }[]; accountId: string; policyId: string }) {
  const [query, setQuery] = useQueryState();
  const q = query.get('q') ?? '';
  const sort = query.get('sort') ?? '-nodes';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = 25;
  const { data, error, loading, reload } = useApi<Res<'listComplianceCves'>>(pathOf('/api/v1/compliance/cves', {}, { accountId: props.accountId, policyId: props.policyId, q, sort, limit, offset }));
  const policy = useApi<Res<'getPolicy'>>(props.policyId === '' ? null : pathOf('/api/v1/policies/{policyId}', { policyId: props.policyId }));
  const chosen = query.get('cve');
  const columns: Column<CveExposure>[] = [
    {
      key: 'cve',
      header: 'CVE',
      sort: 'cve',
      render: (c) => (
        <span className="cve-cell">
          <button type="button" className={`bl-link ${chosen === c.cve ? 'selected' : ''}`} aria-pressed={chosen === c.cve} onClick={() => setQuery({ cve: c.cve, noffset: undefined })}>
            {c.cve}
          </button>{' '}
          <Link to={`/advisories?cve=${encodeURIComponent(c.cve)}`} className="small" aria-label={`Advisories naming ${c.cve}`}>
            advisories
          </Link>
        </span>
      ),
    },
    { key: 'nodes', header: 'Exposed nodes', sort: 'nodes', className: 'num', render: (c) => <strong>{c.nodes.toLocaleString()}</strong> },
    { key: 'missing', header: 'Missing', className: 'num', render: (c) => c.missing.toLocaleString() },
    { key: 'failed', header: 'Failed', className: 'num', render: (c) => c.failed.toLocaleString() },
    { key: 'reboot', header: 'Pending reboot', className: 'num', render: (c) => c.pendingReboot.toLocaleString() },
    { key: 'accounts', header: 'Accounts', className: 'num', render: (c) => c.accounts },
    { key: 'severity', header: 'Severity', sort: 'severity', render: (c) => <SeverityBadge value={c.severity} /> },
    { key: 'packages', header: 'Fixed by updating', render: (c) => c.packages.join(', ') },
    { key: 'advisories', header: 'Advisories', render: (c) => <AdvisoryLinks ids={c.advisoryIds} max={3} /> },
    { key: 'overdue', header: 'Overdue nodes', sort: 'overdue', className: 'num', render: (c) => (c.overdueNodes > 0 ? <Badge value={String(c.overdueNodes)} tone="bad" /> : '0') },
  ];
  return (
    <Card testId="cves-tab">
      <div className="filters">
        <Field label="Account">{(id) => <AccountSelect id={id} accounts={props.accounts} value={props.accountId} allLabel="All accounts" onChange={(v) => setQuery({ accountId: v, offset: undefined, noffset: undefined })} />}</Field>
        <SearchField label="CVE" param="q" placeholder="CVE-2024-" />
        {props.policyId === '' ? null : (
          <div className="active-filter">
            Nodes governed by policy <Link to={`/policies/${encodeURIComponent(props.policyId)}`}>{policy.data?.name ?? props.policyId}</Link>{' '}
            <Button kind="secondary" onClick={() => setQuery({ policyId: undefined, offset: undefined })}>
              Clear
            </Button>
          </div>
        )}
      </div>
      <ErrorBox error={error} onRetry={reload} title="The CVE exposure could not be loaded" />
      {data === undefined ? (loading ? <p className="muted">Loading…</p> : null) : (
        <>
          <DataTable
            columns={columns}
            rows={data.items}
            rowKey={(c) => c.cve}
            sort={sort}
            onSort={(s) => setQuery({ sort: s, offset: undefined })}
            caption="CVEs by fleet exposure"
            testId="cves-table"
            empty={q === '' ? 'No node is exposed to a known CVE: every patch fixing one is installed, or no advisories are imported yet.' : 'No exposed CVE matches this search.'}
          />
          <Pager total={data.total} limit={limit} offset={offset} onChange={(o) => setQuery({ offset: o })} />
        </>
      )}
    </Card>
  );
}

/** Which nodes miss this patch / are exposed to this CVE: one row per node and patch. */
function AffectedNodes(props: { kind: 'package' | 'cve'; value: string; accountId: string }) {
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const state = query.get('state') ?? '';
  const sort = query.get('nsort') ?? 'hostname';
  const offset = Number(query.get('noffset') ?? 0) || 0;
  const limit = 25;
  const filters = { accountId: props.accountId, ...(props.kind === 'package' ? { name: props.value } : { cve: props.value }), state };
  const { data, error, loading, reload } = useApi<Res<'listCompliancePatches'>>(pathOf('/api/v1/compliance/patches', {}, { ...filters, sort, limit, offset }));
  const exportHref = pathOf('/api/v1/compliance/export', {}, { report: 'patches', format: 'csv', ...filters });
  const accountName = (id: string) => session.accounts.find((a) => a.id === id)?.name ?? id;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [props.kind, props.value]);
  const columns: Column<PatchRow>[] = [
    { key: 'hostname', header: 'Node', sort: 'hostname', render: (r) => <NodeLink id={r.nodeId} name={r.hostname} /> },
    { key: 'account', header: 'Account', render: (r) => accountName(r.accountId) },
    ...(props.kind === 'cve' ? [{ key: 'name', header: 'Package', sort: 'name', render: (r: PatchRow) => r.name } satisfies Column<PatchRow>] : []),
    { key: 'state', header: 'State', sort: 'state', render: (r) => <Badge value={r.state} /> },
    { key: 'versions', header: 'Installed → candidate', render: (r) => <span className="bl-version">{`${r.installedVersion ?? 'not installed'} → ${r.candidateVersion ?? r.approvedVersion ?? '—'}`}</span> },
    { key: 'severity', header: 'Severity', sort: 'severity', render: (r) => <SeverityBadge value={r.severity} /> },
    { key: 'cves', header: 'CVEs', render: (r) => <CveLinks cves={r.cves} max={3} /> },
    { key: 'advisories', header: 'Advisories', render: (r) => <AdvisoryLinks ids={r.advisoryIds} max={2} /> },
    {
      key: 'due',
      header: 'Due',
      sort: 'dueAt',
      className: 'nowrap',
      render: (r) => (
        <span>
          <Time value={r.dueAt} /> {r.overdue ? <Badge value="overdue" tone="bad" /> : null}
        </span>
      ),
    },
  ];
  const title: ReactNode =
    props.kind === 'package' ? (
      <>
        Nodes with <code>{props.value}</code> {state === '' ? '' : `(${state.replace(/_/g, ' ').toLowerCase()})`}
      </>
    ) : (
      <>
        Nodes exposed to{' '}
        <Link to={`/advisories?cve=${encodeURIComponent(props.value)}`}>
          <code>{props.value}</code>
        </Link>
      </>
    );
  return (
    <div ref={ref}>
    <Card
      title={title}
      testId="affected-nodes"
      actions={
        <div className="page-actions">
          <a className="button secondary" href={exportHref} download>
            Export CSV
          </a>
          <Button kind="secondary" onClick={() => setQuery({ package: undefined, cve: undefined, noffset: undefined, nsort: undefined })} aria-label="Close the node list">
            Close
          </Button>
        </div>
      }
    >
      {props.kind === 'cve' ? (
        <div className="filters">
          <Field label="State of the fixing patch">
            {(id) => (
              <select id={id} value={state} onChange={(e) => setQuery({ state: e.target.value, noffset: undefined })}>
                <option value="">Any</option>
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {s.replace(/_/g, ' ').toLowerCase()}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      ) : null}
      <ErrorBox error={error} onRetry={reload} title="The nodes could not be loaded" />
      {data === undefined ? (loading ? <p className="muted">Loading…</p> : null) : (
        <>
          <DataTable
            columns={columns}
            rows={data.items}
            rowKey={(r) => `${r.nodeId}:${r.name}:${r.arch}`}
            sort={sort}
            onSort={(s) => setQuery({ nsort: s, noffset: undefined })}
            caption="Affected nodes"
            testId="affected-nodes-table"
            empty="No node matches: the patch is installed everywhere, or the filters exclude every node."
          />
          <Pager total={data.total} limit={limit} offset={offset} onChange={(o) => setQuery({ noffset: o })} />
        </>
      )}
    </Card>
    </div>
  );
}
