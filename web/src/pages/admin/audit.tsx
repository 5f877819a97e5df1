import { useState } from 'react';
import { pathOf, type Res } from '../../api/client';
import { isoToLocal, localToIso } from '../../components/admin-ui';
import { AccountSelect, Badge, Button, Card, type Column, EmptyState, Field, Page, PagedTable, Time } from '../../components/ui';
import { useApi, useQueryState, useTitle } from '../../hooks';
import { useSession } from '../../session';

type Entry = Res<'listAudit'>['items'][number];

const LIMIT = 50;
const OUTCOME_TONE = { success: 'good', denied: 'bad', failure: 'warn' } as const;
const FILTER_KEYS = ['accountId', 'actorId', 'action', 'outcome', 'targetId', 'since', 'until', 'q'] as const;

/** A filter text field that applies on Enter or when it loses focus (not on every key). */
function TextFilter(props: { label: string; value: string; placeholder?: string; hint?: string; onApply: (value: string) => void }) {
  const [text, setText] = useState(props.value);
  const [seen, setSeen] = useState(props.value);
  if (seen !== props.value) {
    setSeen(props.value);
    setText(props.value);
  }
  return (
    <Field label={props.label} hint={props.hint}>
      {(id) => (
        <input
          id={id}
          value={text}
          placeholder={props.placeholder}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => text.trim() !== props.value && props.onApply(text.trim())}
          onKeyDown={(e) => {
            if (e.key === 'Enter') props.onApply(text.trim());
          }}
        />
      )}
    </Field>
  );
}

/** The audit log: who did what, when, from where; filtered, paged, newest first, details on demand. */
export function AuditPage() {
  useTitle('Audit log');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const filters = Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) ?? ''])) as Record<(typeof FILTER_KEYS)[number], string>;
  const sort = query.get('sort') ?? '-at';
  const offset = Number(query.get('offset') ?? 0);
  const allowed = session.readsOrganization || session.accountsWhere('manage').length > 0;
  const entries = useApi<Res<'listAudit'>>(allowed ? pathOf('/api/v1/audit', {}, { ...filters, sort, limit: LIMIT, offset }) : null);
  const users = useApi<Res<'listUsers'>>(session.readsOrganization ? pathOf('/api/v1/users', {}, { limit: 500, sort: 'username' }) : null);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const accountName = (id: string | null) => (id === null ? null : (session.accounts.find((a) => a.id === id)?.name ?? id));

  if (!allowed) {
    return (
      <Page title="Audit log">
        <EmptyState title="The audit log is read by administrators.">
          <p>Org-admins and org-auditors read all of it, account admins the entries of their accounts.</p>
        </EmptyState>
      </Page>
    );
  }

  const set = (changes: Record<string, string | undefined>) => setQuery({ ...changes, offset: undefined });
  const toggle = (id: number) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const columns: Column<Entry>[] = [
    { key: 'at', header: 'When', sort: 'at', className: 'admin-nowrap', render: (e) => <Time value={e.at} /> },
    {
      key: 'actor',
      header: 'Who',
      className: 'admin-nowrap',
      render: (e) => (
        <>
          {e.actorId === null || e.actorType !== 'user' ? (
            e.actorName
          ) : (
            <button type="button" className="link-button" title="Show only this actor" onClick={() => set({ actorId: e.actorId ?? undefined })}>
              {e.actorName}
            </button>
          )}
          <span className="muted">{e.actorType === 'user' ? (e.via === null ? '' : ` via ${e.via}`) : ` (${e.actorType})`}</span>
        </>
      ),
    },
    {
      key: 'action',
      header: 'Action',
      render: (e) => (
        <button type="button" className="link-button" title="Show only this action" onClick={() => set({ action: e.action })}>
          <code>{e.action}</code>
        </button>
      ),
    },
    { key: 'outcome', header: 'Outcome', render: (e) => <Badge value={e.outcome} tone={OUTCOME_TONE[e.outcome]} /> },
    {
      key: 'object',
      header: 'Object',
      render: (e) =>
        e.targetId === null ? (
          <span className="muted">{e.targetType ?? '—'}</span>
        ) : (
          <>
            <span className="muted">{e.targetType} </span>
            <button type="button" className="link-button mono" title="Show only this object" onClick={() => set({ targetId: e.targetId ?? undefined })}>
              {e.targetId}
            </button>
          </>
        ),
    },
    { key: 'account', header: 'Account', render: (e) => accountName(e.accountId) ?? <span className="muted">—</span> },
    { key: 'from', header: 'From', render: (e) => e.ip ?? <span className="muted">—</span> },
    {
      key: 'details',
      header: 'Details',
      className: 'audit-details',
      render: (e) => (
        <>
          <Button kind="secondary" aria-expanded={open.has(e.id)} aria-label={`Details of entry ${e.id}`} onClick={() => toggle(e.id)}>
            {open.has(e.id) ? 'Hide' : 'Show'}
          </Button>
          {open.has(e.id) ? (
            <div className="audit-detail" data-testid={`audit-detail-${e.id}`}>
              <dl className="facts">
                <dt>Entry</dt>
                <dd>#{e.id}</dd>
                <dt>Request id</dt>
                <dd>{e.requestId ?? '—'}</dd>
                <dt>User agent</dt>
                <dd>{e.userAgent ?? '—'}</dd>
              </dl>
              <pre>{JSON.stringify(e.details, null, 2)}</pre>
            </div>
          ) : null}
        </>
      ),
    },
  ];

  const anyFilter = FILTER_KEYS.some((k) => filters[k] !== '');

  return (
    <Page title="Audit log" subtitle="Every change, every refused attempt and every sign-in, append-only. Newest first." testId="audit-page" busy={entries.loading}>
      <Card>
        <div className="filters">
          <Field label="Account">
            {(id) => <AccountSelect id={id} accounts={session.readsOrganization ? session.accounts : session.accountsWhere('manage')} value={filters.accountId} allLabel="All accounts" onChange={(v) => set({ accountId: v })} />}
          </Field>
          {users.data === undefined ? (
            <TextFilter label="Actor id" value={filters.actorId} placeholder="usr_…" onApply={(v) => set({ actorId: v })} />
          ) : (
            <Field label="Actor">
              {(id) => (
                <select id={id} value={filters.actorId} onChange={(e) => set({ actorId: e.target.value })}>
                  <option value="">Anyone</option>
                  {filters.actorId !== '' && !users.data!.items.some((u) => u.id === filters.actorId) ? <option value={filters.actorId}>{filters.actorId}</option> : null}
                  {users.data!.items.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.username}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <TextFilter label="Action" value={filters.action} placeholder="account.create or user.*" onApply={(v) => set({ action: v })} />
          <Field label="Outcome">
            {(id) => (
              <select id={id} value={filters.outcome} onChange={(e) => set({ outcome: e.target.value })}>
                <option value="">Any</option>
                <option value="success">success</option>
                <option value="denied">denied</option>
                <option value="failure">failure</option>
              </select>
            )}
          </Field>
          <TextFilter label="Object id" value={filters.targetId} placeholder="acct_…, usr_…" onApply={(v) => set({ targetId: v })} />
          <Field label="From">
            {(id) => <input id={id} type="datetime-local" value={isoToLocal(filters.since || null)} onChange={(e) => set({ since: localToIso(e.target.value) })} />}
          </Field>
          <Field label="Until">
            {(id) => <input id={id} type="datetime-local" value={isoToLocal(filters.until || null)} onChange={(e) => set({ until: localToIso(e.target.value) })} />}
          </Field>
          <TextFilter label="Search" value={filters.q} placeholder="any text" onApply={(v) => set({ q: v })} />
          {anyFilter ? (
            <Button kind="secondary" onClick={() => set(Object.fromEntries(FILTER_KEYS.map((k) => [k, undefined])))}>
              Clear filters
            </Button>
          ) : null}
        </div>
        <PagedTable
          state={entries}
          errorTitle="The audit log could not be loaded"
          caption="Audit log entries"
          testId="audit-table"
          columns={columns}
          rowKey={(e) => String(e.id)}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty={anyFilter ? 'No entry matches these filters.' : 'The audit log is empty.'}
          limit={LIMIT}
          offset={offset}
          onPage={(o) => setQuery({ offset: o })}
        />
      </Card>
    </Page>
  );
}
