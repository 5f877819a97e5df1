import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api, pathOf, type Res } from '../api/client';
import { OPERATING_SYSTEMS, osName } from '../components/baseline-parts';
import { AccountSelect, Badge, Card, DataTable, EmptyState, ErrorBox, Field, Page, Pager, Time, type Column } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

type Baseline = Res<'listBaselines'>['items'][number];
type DefaultBaseline = Res<'listDefaultBaselines'>['items'][number];

/** How many accounts' defaults the list looks up (one request each). */
const DEFAULTS_ACCOUNTS = 50;

/** Where each baseline is an account's default: baselineId → "account (OS)" entries. */
function useDefaultsByBaseline(accounts: { id: string; name: string }[]): { byBaseline: Map<string, { accountId: string; accountName: string; os: string; registered: boolean }[]>; partial: boolean } {
  const [byBaseline, setByBaseline] = useState(new Map<string, { accountId: string; accountName: string; os: string; registered: boolean }[]>());
  const shown = useMemo(() => accounts.slice(0, DEFAULTS_ACCOUNTS), [accounts]);
  useEffect(() => {
    let live = true;
    void Promise.all(
      shown.map((a) =>
        api.get<Res<'listDefaultBaselines'>>(pathOf('/api/v1/accounts/{accountId}/default-baselines', { accountId: a.id })).then(
          (r) => ({ account: a, items: r.items }),
          () => ({ account: a, items: [] as DefaultBaseline[] }),
        ),
      ),
    ).then((results) => {
      if (!live) return;
      const map = new Map<string, { accountId: string; accountName: string; os: string; registered: boolean }[]>();
      for (const { account, items } of results) {
        for (const d of items) {
          const list = map.get(d.baselineId) ?? [];
          list.push({ accountId: account.id, accountName: account.name, os: d.operatingSystem, registered: d.registered });
          map.set(d.baselineId, list);
        }
      }
      setByBaseline(map);
    });
    return () => {
      live = false;
    };
  }, [shown]);
  return { byBaseline, partial: accounts.length > DEFAULTS_ACCOUNTS };
}

/** Patch baselines: the predefined ones and those of the user's accounts, with where each is a default. */
export function BaselinesPage() {
  useTitle('Baselines');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const accountId = query.get('accountId') ?? '';
  const os = query.get('operatingSystem') ?? '';
  const predefined = query.get('predefined') ?? '';
  const q = query.get('q') ?? '';
  const sort = query.get('sort') ?? 'name';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = 50;
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch(q), [q]);

  const path = pathOf('/api/v1/baselines', {}, { accountId, operatingSystem: os, predefined, q, sort, limit, offset });
  const { data, error, loading, reload } = useApi<Res<'listBaselines'>>(path);
  const { byBaseline, partial } = useDefaultsByBaseline(session.accounts);
  const accountName = (id: string | null) => (id === null ? 'Predefined' : (session.accounts.find((a) => a.id === id)?.name ?? id));
  const managed = session.accountsWhere('manage');

  const columns: Column<Baseline>[] = [
    {
      key: 'name',
      header: 'Name',
      sort: 'name',
      render: (b) => (
        <div>
          <Link to={`/baselines/${encodeURIComponent(b.id)}`}>{b.name}</Link>
          {b.description === '' ? null : <div className="muted small">{b.description}</div>}
        </div>
      ),
    },
    { key: 'os', header: 'Operating system', sort: 'operatingSystem', render: (b) => osName(b.operatingSystem) },
    { key: 'account', header: 'Account', render: (b) => (b.predefined ? <Badge value="Predefined" tone="info" /> : accountName(b.accountId)) },
    {
      key: 'rules',
      header: 'Approves',
      render: (b) => (
        <span className="muted">
          {b.approvalRules.length} rule{b.approvalRules.length === 1 ? '' : 's'}
          {b.approvedPatches.length > 0 ? `, ${b.approvedPatches.length} approved` : ''}
          {b.rejectedPatches.length > 0 ? `, ${b.rejectedPatches.length} rejected` : ''}
        </span>
      ),
    },
    {
      key: 'defaults',
      header: 'Default in',
      render: (b) => {
        const uses = byBaseline.get(b.id) ?? [];
        const registered = uses.filter((u) => u.registered);
        const fallback = uses.filter((u) => !u.registered);
        if (uses.length === 0) return <span className="muted">—</span>;
        const names = (list: typeof uses) => (list.length <= 4 ? list.map((u) => u.accountName).join(', ') : `${list.slice(0, 4).map((u) => u.accountName).join(', ')} and ${list.length - 4} more`);
        return (
          <span>
            {registered.length === 0 ? null : <span>{names(registered)}</span>}
            {registered.length > 0 && fallback.length > 0 ? <br /> : null}
            {fallback.length === 0 ? null : <span className="muted">fallback in {names(fallback)}</span>}
          </span>
        );
      },
    },
    { key: 'version', header: 'Version', className: 'num', render: (b) => b.version },
    { key: 'updated', header: 'Updated', sort: 'updatedAt', render: (b) => (b.updatedAt === null ? <span className="muted">built in</span> : <Time value={b.updatedAt} />) },
  ];

  const newLink = managed.length === 0 ? undefined : `/baselines/new${accountId !== '' && session.can(accountId, 'manage') ? `?accountId=${encodeURIComponent(accountId)}` : ''}`;

  return (
    <Page
      title="Patch baselines"
      subtitle="Which pending updates are approved for install and expected for compliance."
      testId="baselines-page"
      busy={loading}
      actions={
        newLink === undefined ? undefined : (
          <Link className="button primary" to={newLink}>
            New baseline
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
            setQuery({ q: search.trim(), offset: undefined });
          }}
        >
          <Field label="Account">{(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} allLabel="All accounts" onChange={(v) => setQuery({ accountId: v, offset: undefined })} />}</Field>
          <Field label="Operating system">
            {(id) => (
              <select id={id} value={os} onChange={(e) => setQuery({ operatingSystem: e.target.value, offset: undefined })}>
                <option value="">Any</option>
                {OPERATING_SYSTEMS.map((o) => (
                  <option key={o} value={o}>
                    {osName(o)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Kind">
            {(id) => (
              <select id={id} value={predefined} onChange={(e) => setQuery({ predefined: e.target.value, offset: undefined })}>
                <option value="">Predefined and custom</option>
                <option value="true">Predefined only</option>
                <option value="false">Custom only</option>
              </select>
            )}
          </Field>
          <Field label="Name or description">{(id) => <input id={id} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />}</Field>
          <button type="submit" className="button secondary">
            Search
          </button>
        </form>
        <ErrorBox error={error} onRetry={reload} title="The baselines could not be loaded" />
        {data === undefined ? null : data.total === 0 && q === '' && accountId === '' && os === '' && predefined === '' ? (
          <EmptyState title="No baselines yet">
            <p>Predefined baselines apply until an account registers its own. Create one to approve updates your way.</p>
          </EmptyState>
        ) : (
          <>
            <DataTable
              columns={columns}
              rows={data.items}
              rowKey={(b) => b.id}
              sort={sort}
              onSort={(s) => setQuery({ sort: s, offset: undefined })}
              caption="Patch baselines"
              testId="baselines-table"
              empty="No baseline matches these filters. Clear a filter to see more."
            />
            <Pager total={data.total} limit={limit} offset={offset} onChange={(o) => setQuery({ offset: o })} />
          </>
        )}
        {partial ? <p className="muted small">“Default in” looks at your first {DEFAULTS_ACCOUNTS} accounts; open a baseline to see its use in any account.</p> : null}
      </Card>
    </Page>
  );
}
