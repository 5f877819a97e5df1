import { useState } from 'react';
import { api, pathOf, type Res } from '../../api/client';
import { ACCOUNT_ROLES, ConfirmButton, problemAt, ROLE_WORDS, useAction, type AccountRoleName } from '../../components/admin-ui';
import { Badge, Button, Card, type Column, ErrorBox, Field, Notice, Page, PagedTable, Time } from '../../components/ui';
import { useApi, useQueryState, useTitle } from '../../hooks';
import { useSession } from '../../session';

type Account = Res<'listAccounts'>['items'][number];
type Member = Res<'listMembers'>['items'][number];
type User = Res<'listUsers'>['items'][number];

const LIMIT = 25;

/** Accounts: the list, create/rename/delete (org-admin), and each account's members with their roles. */
export function AccountsPage() {
  useTitle('Accounts');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const q = query.get('q') ?? '';
  const sort = query.get('sort') ?? 'name';
  const offset = Number(query.get('offset') ?? 0);
  const selected = query.get('account');
  const list = useApi<Res<'listAccounts'>>(pathOf('/api/v1/accounts', {}, { q, sort, limit: LIMIT, offset }));
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const remove = useAction();

  const afterChange = (message: string) => {
    setDone(message);
    list.reload();
    void session.refresh();
  };

  const columns: Column<Account>[] = [
    {
      key: 'name',
      header: 'Name',
      sort: 'name',
      render: (a) => (
        <button type="button" className="link-button" aria-pressed={selected === a.id} onClick={() => setQuery({ account: selected === a.id ? undefined : a.id })}>
          {a.name}
        </button>
      ),
    },
    { key: 'description', header: 'Description', render: (a) => a.description || <span className="muted">—</span> },
    { key: 'kind', header: 'Kind', render: (a) => (a.isManagement ? <Badge value="management" tone="info" /> : <span className="muted">member account</span>) },
    { key: 'createdAt', header: 'Created', sort: 'createdAt', render: (a) => <Time value={a.createdAt} /> },
    {
      key: 'actions',
      header: 'Actions',
      render: (a) => (
        <div className="row-actions">
          <Button kind="secondary" onClick={() => setQuery({ account: a.id })} aria-label={`Members of ${a.name}`}>
            Members
          </Button>
          {session.can(a.id, 'manage') ? (
            <Button kind="secondary" onClick={() => setEditing(editing === a.id ? null : a.id)} aria-label={`Rename ${a.name}`}>
              Rename
            </Button>
          ) : null}
          {session.isOrgAdmin && !a.isManagement ? (
            <ConfirmButton
              label="Delete"
              ariaLabel={`Delete ${a.name}`}
              question={`Delete the account ${a.name} and everything in it?`}
              disabled={remove.busy}
              onConfirm={async () => {
                if (!(await remove.ok(() => api.delete(pathOf('/api/v1/accounts/{accountId}', { accountId: a.id }))))) return;
                if (selected === a.id) setQuery({ account: undefined });
                afterChange(`The account ${a.name} was deleted.`);
              }}
            />
          ) : null}
        </div>
      ),
    },
  ];

  const editingAccount = list.data?.items.find((a) => a.id === editing);
  const selectedAccount = selected === null ? undefined : (list.data?.items.find((a) => a.id === selected) ?? session.accounts.find((a) => a.id === selected));

  return (
    <Page
      title="Accounts"
      subtitle="Tenant boundaries: every node, baseline and command belongs to one account. Roles are granted per account."
      testId="accounts-page"
      busy={list.loading}
      actions={
        session.isOrgAdmin ? (
          <Button onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
            New account
          </Button>
        ) : undefined
      }
    >
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      <ErrorBox error={remove.error} title="The account could not be deleted" />
      {creating ? (
        <CreateAccount
          onCancel={() => setCreating(false)}
          onCreated={(a) => {
            setCreating(false);
            afterChange(`The account ${a.name} was created.`);
            setQuery({ account: a.id });
          }}
        />
      ) : null}
      {editingAccount === undefined ? null : (
        <RenameAccount
          key={editingAccount.id}
          account={editingAccount}
          onCancel={() => setEditing(null)}
          onSaved={(a) => {
            setEditing(null);
            afterChange(`The account ${a.name} was saved.`);
          }}
        />
      )}
      <Card>
        <div className="filters">
          <Field label="Search accounts">
            {(id) => <input id={id} type="search" value={q} placeholder="name or description" onChange={(e) => setQuery({ q: e.target.value, offset: undefined })} />}
          </Field>
        </div>
        <PagedTable
          state={list}
          errorTitle="The accounts could not be loaded"
          caption="Accounts"
          testId="accounts-table"
          columns={columns}
          rowKey={(a) => a.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty={q === '' ? 'You belong to no account yet. An org-admin can add you to one.' : `No account matches "${q}".`}
          limit={LIMIT}
          offset={offset}
          onPage={(o) => setQuery({ offset: o })}
        />
      </Card>
      {selectedAccount === undefined ? null : <Members key={selectedAccount.id} account={selectedAccount} />}
    </Page>
  );
}

function CreateAccount(props: { onCreated: (a: Account) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const save = useAction();
  return (
    <Card title="New account">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save
            .run(() => api.post<Res<'createAccount'>>('/api/v1/accounts', { name: name.trim(), ...(description.trim() === '' ? {} : { description: description.trim() }) }))
            .then((a) => {
              if (a !== undefined) props.onCreated(a);
            });
        }}
      >
        <ErrorBox error={save.error} title="The account was not created" />
        <div className="form-row">
          <Field label="Account name" hint="Lowercase letters, digits and “-”, e.g. prod-eu." error={problemAt(save.error, 'name')}>
            {(id) => <input id={id} value={name} required onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label="Description" error={problemAt(save.error, 'description')}>
            {(id) => <input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
        </div>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy}>
            {save.busy ? 'Creating…' : 'Create account'}
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

function RenameAccount(props: { account: Account; onSaved: (a: Account) => void; onCancel: () => void }) {
  const [name, setName] = useState(props.account.name);
  const [description, setDescription] = useState(props.account.description);
  const save = useAction();
  return (
    <Card title={`Rename ${props.account.name}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save
            .run(() => api.patch<Res<'updateAccount'>>(pathOf('/api/v1/accounts/{accountId}', { accountId: props.account.id }), { name: name.trim(), description: description.trim() }))
            .then((a) => {
              if (a !== undefined) props.onSaved(a);
            });
        }}
      >
        <ErrorBox error={save.error} title="The account was not saved" />
        <div className="form-row">
          <Field label="New name" error={problemAt(save.error, 'name')}>
            {(id) => <input id={id} value={name} required onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="New description" error={problemAt(save.error, 'description')}>
            {(id) => <input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
        </div>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy}>
            Save
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** The members of one account with their roles; admins of the account and org-admins change them. */
function Members(props: { account: { id: string; name: string } }) {
  const session = useSession();
  const manage = session.can(props.account.id, 'manage');
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState('username');
  const members = useApi<Res<'listMembers'>>(pathOf('/api/v1/accounts/{accountId}/members', { accountId: props.account.id }, { limit: LIMIT, offset, sort }));
  const change = useAction();
  const [done, setDone] = useState<string | null>(null);

  const setRole = async (userId: string, username: string, role: AccountRoleName) => {
    const r = await change.run(() => api.put(pathOf('/api/v1/accounts/{accountId}/members/{userId}', { accountId: props.account.id, userId }), { role }));
    if (r !== undefined) {
      setDone(`${username} is now ${role} in ${props.account.name}.`);
      members.reload();
    }
  };

  const columns: Column<Member>[] = [
    { key: 'username', header: 'User', sort: 'username', render: (m) => <>{m.username} <span className="muted">{m.displayName === m.username ? '' : m.displayName}</span></> },
    {
      key: 'role',
      header: 'Role',
      sort: 'role',
      render: (m) =>
        manage ? (
          <select aria-label={`Role of ${m.username}`} value={m.role} disabled={change.busy} onChange={(e) => void setRole(m.userId, m.username, e.target.value as AccountRoleName)}>
            {ACCOUNT_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        ) : (
          <Badge value={m.role} tone="info" />
        ),
    },
    { key: 'createdAt', header: 'Member since', sort: 'createdAt', render: (m) => <Time value={m.createdAt} /> },
  ];
  if (manage) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      render: (m) => (
        <ConfirmButton
          label="Remove"
          ariaLabel={`Remove ${m.username} from ${props.account.name}`}
          question={`Remove ${m.username} from ${props.account.name}?`}
          disabled={change.busy}
          onConfirm={async () => {
            if (!(await change.ok(() => api.delete(pathOf('/api/v1/accounts/{accountId}/members/{userId}', { accountId: props.account.id, userId: m.userId }))))) return;
            setDone(`${m.username} was removed from ${props.account.name}.`);
            members.reload();
          }}
        />
      ),
    });
  }

  return (
    <Card title={`Members of ${props.account.name}`} testId="members">
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      <ErrorBox error={change.error} title="The membership was not changed" />
      {manage ? <AddMember account={props.account} onAdded={(m) => void setRole(m.id, m.username, m.role)} busy={change.busy} /> : null}
      <PagedTable
        state={members}
        errorTitle="The members could not be loaded"
        caption={`Members of ${props.account.name}`}
        testId="members-table"
        columns={columns}
        rowKey={(m) => m.userId}
        sort={sort}
        onSort={(s) => {
        setSort(s);
        setOffset(0);
        }}
        empty={manage ? 'Nobody has a role here yet: add a member above.' : 'Nobody has a role in this account.'}
        limit={LIMIT}
        offset={offset}
        onPage={setOffset}
      />
    </Card>
  );
}

/** Finds a user by name and grants them a role in the account. */
function AddMember(props: { account: { id: string; name: string }; onAdded: (m: { id: string; username: string; role: AccountRoleName }) => void; busy: boolean }) {
  const [search, setSearch] = useState('');
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<AccountRoleName>('viewer');
  const users = useApi<Res<'listUsers'>>(pathOf('/api/v1/users', {}, { q: search.trim(), limit: 20, sort: 'username' }));
  const options: User[] = users.data?.items ?? [];
  const chosen = options.find((u) => u.id === userId) ?? options[0];
  return (
    <form
      className="filters"
      aria-label={`Add a member to ${props.account.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (chosen !== undefined) props.onAdded({ id: chosen.id, username: chosen.username, role });
      }}
    >
      <Field label="Find user">
        {(id) => <input id={id} type="search" value={search} placeholder="username, name or email" onChange={(e) => setSearch(e.target.value)} />}
      </Field>
      <Field label="User">
        {(id) => (
          <select id={id} value={chosen?.id ?? ''} onChange={(e) => setUserId(e.target.value)} disabled={options.length === 0}>
            {options.length === 0 ? <option value="">{users.loading ? 'Loading…' : 'No user matches'}</option> : null}
            {options.map((u) => (
              <option key={u.id} value={u.id}>
                {u.username}
                {u.displayName === u.username ? '' : ` (${u.displayName})`}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Role">
        {(id) => (
          <select id={id} value={role} onChange={(e) => setRole(e.target.value as AccountRoleName)}>
            {ACCOUNT_ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_WORDS[r]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Button type="submit" disabled={props.busy || chosen === undefined}>
        Add or change member
      </Button>
      {users.error === undefined ? null : <span className="muted">The user list is not available to you ({users.error instanceof Error ? users.error.message : 'error'}).</span>}
    </form>
  );
}
