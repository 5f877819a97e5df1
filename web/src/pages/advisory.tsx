import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, pathOf } from '../api/client';
import type { AdvisoryDetail, AdvisorySummary } from '../../../src/contracts/advisories.contract';
import { Badge, Card, DataTable, EmptyState, ErrorBox, Field, Loading, Page, Pager, Time, type Column } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { SeverityBadge } from './patches';

interface AdvisoryPage {
  items: AdvisorySummary[];
  total: number;
  limit: number;
  offset: number;
}

function Severity(props: { severity: AdvisorySummary['severity'] }) {
  return (
    <span>
      <SeverityBadge value={props.severity.rating} />
      {props.severity.score === null ? null : <span className="muted"> {props.severity.score.toFixed(1)}</span>}
    </span>
  );
}

function Chips(props: { values: string[]; to?: (v: string) => string; max?: number }) {
  const max = props.max ?? 6;
  if (props.values.length === 0) return <span className="muted">—</span>;
  return (
    <span className="bl-chips">
      {props.values.slice(0, max).map((v) =>
        props.to === undefined ? (
          <span key={v} className="bl-chip plain">
            {v}
          </span>
        ) : (
          <Link key={v} className="bl-chip" to={props.to(v)}>
            {v}
          </Link>
        ),
      )}
      {props.values.length > max ? <span className="muted"> +{props.values.length - max} more</span> : null}
    </span>
  );
}

/** Search the imported advisories: ecosystem, package, CVE, text. `/advisories?cve=CVE-…` lists the records naming a CVE. */
export function AdvisoriesPage() {
  useTitle('Advisories');
  const [query, setQuery] = useQueryState();
  const ecosystem = query.get('ecosystem') ?? '';
  const pkg = query.get('package') ?? '';
  const cve = query.get('cve') ?? '';
  const q = query.get('q') ?? '';
  const sort = query.get('sort') ?? '-modified';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = 50;
  const { data, error, loading, reload } = useApi<AdvisoryPage>(pathOf('/api/v1/advisories', {}, { ecosystem, package: pkg, cve, q, sort, limit, offset }));
  const [form, setForm] = useState({ ecosystem, package: pkg, cve, q });
  useEffect(() => setForm({ ecosystem, package: pkg, cve, q }), [ecosystem, pkg, cve, q]);
  const filtered = ecosystem !== '' || pkg !== '' || cve !== '' || q !== '';

  const columns: Column<AdvisorySummary>[] = [
    {
      key: 'id',
      header: 'Advisory',
      sort: 'id',
      render: (a) => (
        <span>
          <Link to={`/advisories/${encodeURIComponent(a.id)}`}>{a.id}</Link>
          {a.withdrawn === null ? null : (
            <>
              {' '}
              <Badge value="withdrawn" tone="muted" />
            </>
          )}
        </span>
      ),
    },
    { key: 'summary', header: 'Summary', render: (a) => a.summary ?? <span className="muted">no summary</span> },
    { key: 'severity', header: 'Severity', sort: 'severity', render: (a) => <Severity severity={a.severity} /> },
    { key: 'cves', header: 'CVEs', render: (a) => <Chips values={a.cves} to={(c) => `/advisories?cve=${encodeURIComponent(c)}`} max={3} /> },
    { key: 'ecosystems', header: 'Ecosystems', render: (a) => <Chips values={a.ecosystems} max={3} /> },
    { key: 'published', header: 'Published', sort: 'published', render: (a) => <Time value={a.published} /> },
    { key: 'modified', header: 'Modified', sort: 'modified', render: (a) => <Time value={a.modified} /> },
  ];

  return (
    <Page
      title={cve === '' ? 'Advisories' : `Advisories naming ${cve}`}
      subtitle="Imported security advisories (OSV and distribution feeds) that compliance matches against pending updates."
      testId="advisories-page"
      busy={loading}
      actions={
        cve === '' ? undefined : (
          <Link className="button secondary" to={`/patches?tab=cves&cve=${encodeURIComponent(cve)}`}>
            Nodes exposed to {cve}
          </Link>
        )
      }
    >
      <Card>
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery({ ecosystem: form.ecosystem.trim(), package: form.package.trim(), cve: form.cve.trim(), q: form.q.trim(), offset: undefined });
          }}
        >
          <Field label="Text in id or summary">{(id) => <input id={id} type="search" value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} />}</Field>
          <Field label="CVE">{(id) => <input id={id} value={form.cve} placeholder="CVE-2024-6119" onChange={(e) => setForm({ ...form, cve: e.target.value })} />}</Field>
          <Field label="Package">{(id) => <input id={id} value={form.package} placeholder="openssl" onChange={(e) => setForm({ ...form, package: e.target.value })} />}</Field>
          <Field label="Ecosystem">{(id) => <input id={id} value={form.ecosystem} placeholder="Debian:12" onChange={(e) => setForm({ ...form, ecosystem: e.target.value })} />}</Field>
          <button type="submit" className="button secondary">
            Search
          </button>
          {filtered ? (
            <button type="button" className="button secondary" onClick={() => setQuery({ ecosystem: undefined, package: undefined, cve: undefined, q: undefined, offset: undefined })}>
              Clear
            </button>
          ) : null}
        </form>
        <ErrorBox error={error} onRetry={reload} title="The advisories could not be loaded" />
        {data === undefined ? null : data.total === 0 && !filtered ? (
          <EmptyState title="No advisories imported yet">
            <p>
              Import OSV or Debian security tracker data with <code>patchwarden advisories import</code>; compliance then adds CVEs, severities and release dates to pending updates.
            </p>
          </EmptyState>
        ) : (
          <>
            <DataTable
              columns={columns}
              rows={data.items}
              rowKey={(a) => a.id}
              sort={sort}
              onSort={(s) => setQuery({ sort: s, offset: undefined })}
              caption="Advisories"
              testId="advisories-table"
              empty={cve === '' ? 'No advisory matches these filters.' : `No imported advisory names ${cve}.`}
            />
            <Pager total={data.total} limit={limit} offset={offset} onChange={(o) => setQuery({ offset: o })} />
          </>
        )}
      </Card>
    </Page>
  );
}

/** Only http(s) links are offered as links; anything else is shown as text. */
function safeUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** One advisory: summary, severity, aliases, affected packages with fixed versions, references, details (as text). */
export function AdvisoryPage() {
  const { advisoryId = '' } = useParams();
  const { data: a, error, loading, reload } = useApi<AdvisoryDetail>(pathOf('/api/v1/advisories/{advisoryId}', { advisoryId }));
  useTitle(advisoryId);
  if (a === undefined) {
    const ambiguous = error instanceof ApiError && error.status === 404;
    return (
      <Page title={advisoryId} busy={loading}>
        {error === undefined ? <Loading label="Loading the advisory…" /> : <ErrorBox error={error} {...(ambiguous ? {} : { onRetry: reload })} title="The advisory could not be shown" />}
        <p>
          <Link to={`/advisories?cve=${encodeURIComponent(advisoryId)}`}>List the advisories that name {advisoryId}</Link> · <Link to="/advisories">All advisories</Link>
        </p>
      </Page>
    );
  }
  type Affected = AdvisoryDetail['affected'][number];
  const affectedColumns: Column<Affected>[] = [
    { key: 'ecosystem', header: 'Ecosystem', render: (x) => x.ecosystem },
    { key: 'package', header: 'Package', render: (x) => <code>{x.package}</code> },
    { key: 'fixed', header: 'Fixed in', render: (x) => (x.fixed.length === 0 ? <Badge value="no fix yet" tone="warn" /> : <span className="bl-version">{x.fixed.join(', ')}</span>) },
    { key: 'ranges', header: 'Affected ranges', render: (x) => (x.ranges.length === 0 ? <span className="muted">—</span> : <span className="bl-version">{x.ranges.join('; ')}</span>) },
    {
      key: 'versions',
      header: 'Listed versions',
      render: (x) => (x.versions.length === 0 ? <span className="muted">—</span> : <span className="bl-version">{x.versions.join(', ')}</span>),
    },
  ];
  return (
    <Page
      title={a.id}
      subtitle={a.summary ?? undefined}
      testId="advisory-page"
      busy={loading}
      actions={
        <Link className="button secondary" to="/advisories">
          All advisories
        </Link>
      }
    >
      {a.withdrawn === null ? null : (
        <div className="notice warning" role="status">
          Withdrawn on <Time value={a.withdrawn} />: this advisory no longer applies.
        </div>
      )}
      <div className="grid">
        <Card title="Facts">
          <dl className="facts">
            <dt>Severity</dt>
            <dd>
              <Severity severity={a.severity} />
            </dd>
            <dt>CVEs</dt>
            <dd>
              {a.cves.length === 0 ? (
                <span className="muted">—</span>
              ) : (
                <ul className="bl-list">
                  {a.cves.map((c) => (
                    <li key={c}>
                      <Link to={`/advisories?cve=${encodeURIComponent(c)}`}>{c}</Link> · <Link to={`/patches?tab=cves&cve=${encodeURIComponent(c)}`}>exposed nodes</Link>
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>Other aliases</dt>
            <dd>
              <Chips values={a.aliases} to={(x) => `/advisories/${encodeURIComponent(x)}`} max={20} />
            </dd>
            <dt>Ecosystems</dt>
            <dd>
              <Chips values={a.ecosystems} max={20} />
            </dd>
            <dt>Published</dt>
            <dd>
              <Time value={a.published} />
            </dd>
            <dt>Modified</dt>
            <dd>
              <Time value={a.modified} />
            </dd>
            <dt>Imported</dt>
            <dd>
              <Time value={a.importedAt} /> <span className="muted">from {a.source}</span>
            </dd>
          </dl>
        </Card>
        <Card title="References">
          {a.references.length === 0 ? (
            <p className="muted">The record lists no references.</p>
          ) : (
            <ul className="references">
              {a.references.map((r, i) => {
                const href = safeUrl(r.url);
                return (
                  <li key={`${r.url}-${i}`}>
                    <span className="muted small">{r.type}</span>{' '}
                    {href === null ? (
                      <span>{r.url}</span>
                    ) : (
                      <a href={href} target="_blank" rel="noreferrer noopener">
                        {r.url}
                      </a>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </Card>
      </div>
      <Card title="Affected packages">
        <DataTable columns={affectedColumns} rows={a.affected} rowKey={(x) => `${x.ecosystem}/${x.package}/${x.fixed.join()}/${x.ranges.join()}`} caption="Affected packages" testId="affected-packages" empty="The record lists no affected packages." />
      </Card>
      <Card title="Details">{a.details === null || a.details.trim() === '' ? <p className="muted">No details in the record.</p> : <pre className="advisory-details">{a.details}</pre>}</Card>
    </Page>
  );
}
