import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { pathOf, type Res } from '../api/client';
import { AccountSelect, Badge, Button, Card, DataTable, ErrorBox, Field, Loading, NodeLink, Page, Pager, SearchField, Time, type Column } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

type NodeSummary = Res<'listNodes'>['items'][number];

const PAGE = 50;
const SORTS = ['hostname', 'registeredAt', 'lastSeenAt', 'id'];
const COMPLIANCE = ['COMPLIANT', 'NON_COMPLIANT', 'UNKNOWN'] as const;
const PING = ['Online', 'ConnectionLost', 'Inactive'] as const;
const PING_WORDS: Record<string, string> = { Online: 'Online', ConnectionLost: 'Connection lost', Inactive: 'Inactive (deregistered)' };

/**
 * Every node the user can see: one server-side page per request (fast at 10,000 nodes), filters,
 * sort and page in the URL so a filtered list can be linked to.
 */
export function NodesPage() {
  useTitle('Nodes');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const [, setParams] = useSearchParams();
  const accountId = query.get('accountId') ?? '';
  const osId = query.get('osId') ?? '';
  const tags = query.getAll('tag');
  const complianceStatus = query.get('complianceStatus') ?? '';
  const pingStatus = query.get('pingStatus') ?? '';
  const q = query.get('q') ?? '';
  const sortParam = query.get('sort') ?? 'hostname';
  const sort = SORTS.includes(sortParam.replace(/^-/, '')) ? sortParam : 'hostname';
  const offset = Math.max(0, Number(query.get('offset') ?? '0') || 0);

  const path = pathOf('/api/v1/nodes', {}, { accountId, osId, tag: tags, complianceStatus, pingStatus, q, sort, limit: PAGE, offset });
  const list = useApi<Res<'listNodes'>>(path);
  const [selected, setSelected] = useState<string[]>([]);

  const accountName = (id: string) => session.accounts.find((a) => a.id === id)?.name ?? id;
  const setTags = (next: string[]) =>
    setParams(
      (prev) => {
        const p = new URLSearchParams(prev);
        p.delete('tag');
        p.delete('offset');
        for (const t of next) p.append('tag', t);
        return p;
      },
      { replace: true },
    );
  const filtered = accountId !== '' || osId !== '' || tags.length > 0 || complianceStatus !== '' || pingStatus !== '' || q !== '';
  const clearAll = () =>
    setParams(
      (prev) => {
        const p = new URLSearchParams();
        const s = prev.get('sort');
        if (s !== null) p.set('sort', s);
        return p;
      },
      { replace: true },
    );

  const rows = list.data?.items ?? [];
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const operable = (n: NodeSummary) => session.can(n.accountId, 'operate') && n.deregisteredAt === null;
  const canOperate = session.accountsWhere('operate').length > 0;

  const columns: Column<NodeSummary>[] = [
    ...(canOperate
      ? [
          {
            key: 'select',
            header: 'Select',
            render: (n: NodeSummary) =>
              operable(n) ? <input type="checkbox" aria-label={`Select ${n.hostname}`} checked={selected.includes(n.id)} onChange={() => toggle(n.id)} /> : null,
          },
        ]
      : []),
    {
      key: 'hostname',
      header: 'Hostname',
      sort: 'hostname',
      className: 'ov-nowrap',
      render: (n) => (
        <>
          <NodeLink id={n.id} name={n.hostname} />
          {n.tags['patchwarden:local'] === 'true' ? <span className="muted small"> (this server)</span> : null}
        </>
      ),
    },
    { key: 'account', header: 'Account', className: 'ov-nowrap', render: (n) => accountName(n.accountId) },
    {
      key: 'os',
      header: 'OS',
      render: (n) => (
        <span title={`${n.osId} ${n.osVersion} ${n.codename} ${n.arch}`}>
          {n.osId} {n.osVersion}
          {n.codename === '' ? null : <span className="muted small"> {n.codename}</span>}
        </span>
      ),
    },
    {
      key: 'compliance',
      header: 'Compliance',
      render: (n) =>
        n.compliance === null ? (
          <Badge value="not evaluated" tone="muted" />
        ) : (
          <span className="nodes-compliance">
            <Badge value={n.compliance.status} />
            {n.compliance.status === 'NON_COMPLIANT' && n.compliance.severity !== null ? <span className="muted small">{n.compliance.severity}</span> : null}
          </span>
        ),
    },
    { key: 'missing', header: 'Missing', className: 'num', render: (n) => (n.compliance === null ? <span className="muted">—</span> : n.compliance.missing) },
    {
      key: 'overdue',
      header: 'Overdue',
      className: 'num',
      render: (n) => (n.compliance === null ? <span className="muted">—</span> : n.compliance.overdue > 0 ? <strong className="ov-overdue">{n.compliance.overdue}</strong> : 0),
    },
    {
      key: 'updates',
      header: 'Updates (security)',
      className: 'num',
      render: (n) => (
        <>
          {n.updateCount}
          <span className={n.securityUpdateCount > 0 ? 'nodes-security' : 'muted'}> ({n.securityUpdateCount})</span>
        </>
      ),
    },
    { key: 'reboot', header: 'Reboot', render: (n) => (n.rebootRequired ? <Badge value="required" tone="warn" /> : <span className="muted">no</span>) },
    { key: 'ping', header: 'Ping', render: (n) => <Badge value={n.pingStatus} /> },
    { key: 'lastSeen', header: 'Last seen', sort: 'lastSeenAt', render: (n) => <Time value={n.lastSeenAt} /> },
  ];

  return (
    <Page
      title="Nodes"
      subtitle="Every server of the accounts you can see, with its compliance and pending updates."
      testId="nodes-page"
      busy={list.loading}
      actions={
        canOperate ? (
          <Link className="button secondary" to="/operations/new">
            Run scan or install
          </Link>
        ) : undefined
      }
    >
      <div className="filters nodes-filters" role="search" aria-label="Filter nodes">
        <SearchField value={q} placeholder="Hostname or node id" onChange={(v) => setQuery({ q: v, offset: undefined })} />
        <Field label="Account">
          {(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} onChange={(v) => setQuery({ accountId: v, offset: undefined })} allLabel="All accounts" />}
        </Field>
        <Field label="Compliance">
          {(id) => (
            <select id={id} value={complianceStatus} onChange={(e) => setQuery({ complianceStatus: e.target.value, offset: undefined })}>
              <option value="">Any compliance</option>
              {COMPLIANCE.map((c) => (
                <option key={c} value={c}>
                  {c === 'UNKNOWN' ? 'Unknown or not evaluated' : c.replace('_', '-').toLowerCase().replace(/^./, (x) => x.toUpperCase())}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Ping status">
          {(id) => (
            <select id={id} value={pingStatus} onChange={(e) => setQuery({ pingStatus: e.target.value, offset: undefined })}>
              <option value="">Any (registered)</option>
              {PING.map((p) => (
                <option key={p} value={p}>
                  {PING_WORDS[p]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <OsField value={osId} onChange={(v) => setQuery({ osId: v, offset: undefined })} />
        <TagFilter tags={tags} onChange={setTags} />
        {filtered ? (
          <Button kind="secondary" onClick={clearAll} className="nodes-clear">
            Clear filters
          </Button>
        ) : null}
      </div>

      {selected.length > 0 ? (
        <div className="notice info nodes-selection" role="status">
          {selected.length === 1 ? '1 node selected.' : `${selected.length} nodes selected.`}{' '}
          <Link className="button primary" to={`/operations/new?${new URLSearchParams({ nodeIds: selected.join(',') }).toString()}`}>
            Scan or install selected
          </Link>{' '}
          <Button kind="secondary" onClick={() => setSelected([])}>
            Clear selection
          </Button>
        </div>
      ) : null}

      <ErrorBox error={list.error} onRetry={list.reload} title="The nodes could not be loaded" />
      {list.data === undefined ? (
        list.error === undefined ? <Loading label="Loading nodes…" /> : null
      ) : (
        <Card>
          <p className="muted small nodes-count" data-testid="nodes-count" aria-live="polite">
            {list.data.total === 1 ? '1 node' : `${list.data.total.toLocaleString('en-US')} nodes`}
            {filtered ? ' match these filters' : ''}
          </p>
          <DataTable
            caption="Nodes"
            testId="nodes-table"
            columns={columns}
            rows={rows}
            rowKey={(n) => n.id}
            sort={sort}
            onSort={(s) => setQuery({ sort: s === 'hostname' ? undefined : s, offset: undefined })}
            empty={
              filtered ? (
                <>
                  No node matches these filters.{' '}
                  <button type="button" className="link-button" onClick={clearAll}>
                    Clear the filters
                  </button>{' '}
                  to see every node.
                </>
              ) : (
                <>
                  No node is enrolled yet. <Link to="/admin/activations">Create an activation</Link> and run the enroll command on your servers.
                </>
              )
            }
          />
          <Pager total={list.data.total} limit={PAGE} offset={offset} onChange={(o) => setQuery({ offset: o === 0 ? undefined : o })} />
        </Card>
      )}
    </Page>
  );
}


/** The OS id (`debian`, `ubuntu`, `rhel`…), applied on Enter or when the field is left. */
function OsField(props: { value: string; onChange: (value: string) => void }) {
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  const apply = () => {
    if (text.trim() !== props.value) props.onChange(text.trim());
  };
  return (
    <Field label="OS">
      {(id) => (
        <>
          <input
            id={id}
            list={`${id}-list`}
            className="nodes-os"
            placeholder="e.g. debian"
            value={text}
            onChange={(e) => setText(e.target.value)}
            onBlur={apply}
            onKeyDown={(e) => {
              if (e.key === 'Enter') apply();
            }}
          />
          <datalist id={`${id}-list`}>
            {['debian', 'ubuntu', 'rhel', 'rocky', 'almalinux', 'centos', 'fedora', 'amzn', 'ol', 'sles', 'alpine'].map((o) => (
              <option key={o} value={o} />
            ))}
          </datalist>
        </>
      )}
    </Field>
  );
}

/** Tag filters (`key=value`, every one must match), shown as removable chips. */
function TagFilter(props: { tags: string[]; onChange: (tags: string[]) => void }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const add = () => {
    const t = text.trim();
    if (t === '') return;
    if (!/^[^=]+=.*$/.test(t)) {
      setProblem('Write the tag as key=value, e.g. env=prod.');
      return;
    }
    setProblem(undefined);
    setText('');
    if (!props.tags.includes(t)) props.onChange([...props.tags, t]);
  };
  return (
    <div className="nodes-tags">
      <Field label="Tag" error={problem}>
        {(id) => (
          <div className="nodes-tag-input">
            <input
              id={id}
              placeholder="key=value"
              value={text}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  add();
                }
              }}
            />
            <Button kind="secondary" onClick={add} aria-label="Add tag filter">
              Add
            </Button>
          </div>
        )}
      </Field>
      {props.tags.length === 0 ? null : (
        <ul className="nodes-chips" aria-label="Tag filters">
          {props.tags.map((t) => (
            <li key={t}>
              {t}
              <button type="button" aria-label={`Remove tag filter ${t}`} onClick={() => props.onChange(props.tags.filter((x) => x !== t))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
