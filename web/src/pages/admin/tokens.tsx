import { useState } from 'react';
import { api, pathOf, type Res } from '../../api/client';
import { ConfirmButton, intOrUndefined, problemAt, useAction } from '../../components/admin-ui';
import { Badge, Button, Card, type Column, CopyBlock, ErrorBox, Field, Notice, Page, PagedTable, Time } from '../../components/ui';
import { useApi, useQueryState, useTitle } from '../../hooks';
import { useSession } from '../../session';

type Token = Res<'listTokens'>['items'][number];
type Created = Res<'createToken'>;

const LIMIT = 25;

function tokenState(t: Token): 'revoked' | 'expired' | 'active' {
  if (t.revokedAt !== null) return 'revoked';
  if (Date.parse(t.expiresAt) <= Date.now()) return 'expired';
  return 'active';
}

/** API tokens: your own (org roles: everyone's), create one (the secret is shown once), revoke. */
export function TokensPage() {
  useTitle('API tokens');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const all = session.readsOrganization && query.get('all') === 'true';
  const state = query.get('state') ?? '';
  const q = query.get('q') ?? '';
  const sort = query.get('sort') ?? '-createdAt';
  const offset = Number(query.get('offset') ?? 0);
  const list = useApi<Res<'listTokens'>>(pathOf('/api/v1/tokens', {}, { all: all ? 'true' : undefined, state, q, sort, limit: LIMIT, offset }));
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const revoke = useAction();

  const columns: Column<Token>[] = [
    { key: 'name', header: 'Name', sort: 'name', render: (t) => t.name },
    ...(all ? [{ key: 'user', header: 'User', render: (t: Token) => t.username }] : []),
    { key: 'prefix', header: 'Token starts with', render: (t) => <code data-testid="token-prefix">{t.prefix}…</code> },
    { key: 'state', header: 'State', render: (t) => <Badge value={tokenState(t)} tone={tokenState(t) === 'active' ? 'good' : 'muted'} /> },
    { key: 'createdAt', header: 'Created', sort: 'createdAt', render: (t) => <Time value={t.createdAt} /> },
    { key: 'expiresAt', header: 'Expires', sort: 'expiresAt', render: (t) => <Time value={t.expiresAt} /> },
    { key: 'lastUsedAt', header: 'Last used', sort: 'lastUsedAt', render: (t) => (t.lastUsedAt === null ? <span className="muted">never</span> : <Time value={t.lastUsedAt} />) },
    {
      key: 'actions',
      header: 'Actions',
      render: (t) =>
        tokenState(t) === 'revoked' || !(t.userId === session.user.id || session.isOrgAdmin) ? null : (
          <ConfirmButton
            label="Revoke"
            ariaLabel={`Revoke ${t.name}`}
            question={`Revoke ${t.name}? Scripts using it stop working at once.`}
            disabled={revoke.busy}
            onConfirm={async () => {
              if (await revoke.ok(() => api.delete(pathOf('/api/v1/tokens/{tokenId}', { tokenId: t.id })))) {
                setDone(`The token ${t.name} was revoked.`);
                list.reload();
              }
            }}
          />
        ),
    },
  ];

  return (
    <Page
      title="API tokens"
      subtitle="Tokens let the CLI and scripts act as you, with your roles: Authorization: Bearer <token>."
      testId="tokens-page"
      busy={list.loading}
      actions={
        <Button
          onClick={() => {
            setCreating((c) => !c);
            setCreated(null);
          }}
          aria-expanded={creating}
        >
          New token
        </Button>
      }
    >
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      <ErrorBox error={revoke.error} title="The token was not revoked" />
      {created === null ? null : (
        <Card title={`Token ${created.name} created`} testId="token-secret">
          <Notice kind="warning">
            Copy the token now: it is shown <strong>only once</strong>. The server keeps only a hash; if you lose it, revoke it and create another.
          </Notice>
          <CopyBlock label="API token" text={created.token} />
          <p className="muted">
            Use it with the CLI: <code>export PATCHWARDEN_TOKEN=…</code>, or as <code>Authorization: Bearer …</code>. It expires <Time value={created.expiresAt} />.
          </p>
          <Button kind="secondary" onClick={() => setCreated(null)}>
            I have copied it
          </Button>
        </Card>
      )}
      {creating ? (
        <CreateToken
          onCancel={() => setCreating(false)}
          onCreated={(t) => {
            setCreating(false);
            setCreated(t);
            setDone(null);
            list.reload();
          }}
        />
      ) : null}
      <Card>
        <div className="filters">
          <Field label="Search tokens">
            {(id) => <input id={id} type="search" value={q} placeholder="name" onChange={(e) => setQuery({ q: e.target.value, offset: undefined })} />}
          </Field>
          <Field label="State">
            {(id) => (
              <select id={id} value={state} onChange={(e) => setQuery({ state: e.target.value, offset: undefined })}>
                <option value="">Any</option>
                <option value="active">Active</option>
                <option value="expired">Expired</option>
                <option value="revoked">Revoked</option>
              </select>
            )}
          </Field>
          {session.readsOrganization ? (
            <label className="checkbox filter-checkbox">
              <input type="checkbox" checked={all} onChange={(e) => setQuery({ all: e.target.checked ? 'true' : undefined, offset: undefined })} /> Every user's tokens
            </label>
          ) : null}
        </div>
        <PagedTable
          state={list}
          errorTitle="The tokens could not be loaded"
          caption="API tokens"
          testId="tokens-table"
          columns={columns}
          rowKey={(t) => t.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty={q === '' && state === '' ? 'No tokens yet. Create one for the CLI or a script with “New token”.' : 'No token matches these filters.'}
          limit={LIMIT}
          offset={offset}
          onPage={(o) => setQuery({ offset: o })}
        />
      </Card>
    </Page>
  );
}

function CreateToken(props: { onCreated: (t: Created) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const save = useAction();
  return (
    <Card title="New API token">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const expiresInDays = intOrUndefined(days);
          void save.run(() => api.post<Created>('/api/v1/tokens', { name: name.trim(), ...(expiresInDays === undefined ? {} : { expiresInDays }) })).then((t) => {
            if (t !== undefined) props.onCreated(t);
          });
        }}
      >
        <ErrorBox error={save.error} title="The token was not created" />
        <div className="form-row">
          <Field label="Token name" hint="What it is for, e.g. ci-pipeline." error={problemAt(save.error, 'name')}>
            {(id) => <input id={id} value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Expires after (days)" hint="1 to 3650 days; 90 if empty." error={problemAt(save.error, 'expiresInDays')}>
            {(id) => <input id={id} type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />}
          </Field>
        </div>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy}>
            {save.busy ? 'Creating…' : 'Create token'}
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
