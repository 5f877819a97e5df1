import { useState } from 'react';
import { api, pathOf, type Res } from '../../api/client';
import { ACCOUNT_ROLES, ConfirmButton, ORG_ROLES, problemAt, ROLE_WORDS, useAction, type AccountRoleName } from '../../components/admin-ui';
import { AccountSelect, Badge, Button, Card, type Column, EmptyState, ErrorBox, Field, Loading, Notice, Page, PagedTable, Time } from '../../components/ui';
import { useApi, useQueryState, useTitle } from '../../hooks';
import { useSession } from '../../session';

type User = Res<'listUsers'>['items'][number];
type OrgRoleName = (typeof ORG_ROLES)[number];

const LIMIT = 25;

function roleSummary(u: User) {
  if (u.memberships.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="admin-list">
      {u.memberships.map((m) => (
        <li key={m.accountId}>
          {m.accountName}: <strong>{m.role}</strong>
        </li>
      ))}
    </ul>
  );
}

/** Users: org-admins and org-auditors read them; org-admins create, change, disable, reset and delete. */
export function UsersPage() {
  useTitle('Users');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const q = query.get('q') ?? '';
  const orgRole = query.get('orgRole') ?? '';
  const accountId = query.get('accountId') ?? '';
  const disabled = query.get('disabled') ?? '';
  const sort = query.get('sort') ?? 'username';
  const offset = Number(query.get('offset') ?? 0);
  const selected = query.get('user');
  const allowed = session.readsOrganization || session.accountsWhere('manage').length > 0;
  const list = useApi<Res<'listUsers'>>(allowed ? pathOf('/api/v1/users', {}, { q, orgRole, accountId, disabled, sort, limit: LIMIT, offset }) : null);
  const [creating, setCreating] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  if (!allowed) {
    return (
      <Page title="Users">
        <EmptyState title="Users are managed by the organization's administrators.">
          <p>An org-admin or org-auditor sees every user here. Ask one if you need a user created or changed.</p>
        </EmptyState>
      </Page>
    );
  }

  const columns: Column<User>[] = [
    {
      key: 'username',
      header: 'Username',
      sort: 'username',
      render: (u) => (
        <button type="button" className="link-button" onClick={() => setQuery({ user: u.id })}>
          {u.username}
        </button>
      ),
    },
    { key: 'displayName', header: 'Name', render: (u) => u.displayName },
    { key: 'email', header: 'Email', render: (u) => u.email ?? <span className="muted">—</span> },
    { key: 'orgRole', header: 'Organization role', render: (u) => (u.orgRole === null ? <span className="muted">none</span> : <Badge value={u.orgRole} tone="info" />) },
    { key: 'memberships', header: 'Account roles', render: roleSummary },
    {
      key: 'state',
      header: 'State',
      render: (u) => (
        <>
          {u.disabled ? <Badge value="disabled" tone="bad" /> : <Badge value="active" tone="good" />}
          {u.mustChangePassword ? (
            <>
              {' '}
              <Badge value="must change password" tone="warn" />
            </>
          ) : null}
        </>
      ),
    },
    { key: 'lastLoginAt', header: 'Last sign-in', sort: 'lastLoginAt', render: (u) => <Time value={u.lastLoginAt} /> },
  ];

  return (
    <Page
      title="Users"
      subtitle="People who sign in, their organization role and their roles per account."
      testId="users-page"
      busy={list.loading}
      actions={
        session.isOrgAdmin ? (
          <Button onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
            New user
          </Button>
        ) : undefined
      }
    >
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      {creating ? (
        <CreateUser
          onCancel={() => setCreating(false)}
          onCreated={(u) => {
            setCreating(false);
            setDone(`The user ${u.username} was created.`);
            list.reload();
          }}
        />
      ) : null}
      {selected === null ? null : (
        <EditUser
          key={selected}
          userId={selected}
          onClose={() => setQuery({ user: undefined })}
          onChanged={(message) => {
            setDone(message);
            list.reload();
          }}
        />
      )}
      <Card>
        <div className="filters">
          <Field label="Search users">
            {(id) => <input id={id} type="search" value={q} placeholder="username, name or email" onChange={(e) => setQuery({ q: e.target.value, offset: undefined })} />}
          </Field>
          <Field label="Organization role">
            {(id) => (
              <select id={id} value={orgRole} onChange={(e) => setQuery({ orgRole: e.target.value, offset: undefined })}>
                <option value="">Any</option>
                {ORG_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Member of">
            {(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} allLabel="Any account" onChange={(v) => setQuery({ accountId: v, offset: undefined })} />}
          </Field>
          <Field label="State">
            {(id) => (
              <select id={id} value={disabled} onChange={(e) => setQuery({ disabled: e.target.value, offset: undefined })}>
                <option value="">Any</option>
                <option value="false">Active</option>
                <option value="true">Disabled</option>
              </select>
            )}
          </Field>
        </div>
        <PagedTable
          state={list}
          errorTitle="The users could not be loaded"
          caption="Users"
          testId="users-table"
          columns={columns}
          rowKey={(u) => u.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty="No user matches these filters."
          limit={LIMIT}
          offset={offset}
          onPage={(o) => setQuery({ offset: o })}
        />
      </Card>
    </Page>
  );
}

interface MembershipRow {
  accountId: string;
  role: AccountRoleName;
}

function CreateUser(props: { onCreated: (u: User) => void; onCancel: () => void }) {
  const session = useSession();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [orgRole, setOrgRole] = useState<OrgRoleName | ''>('');
  const [password, setPassword] = useState('');
  const [mustChange, setMustChange] = useState(true);
  const [memberships, setMemberships] = useState<MembershipRow[]>([]);
  const save = useAction();
  const firstAccount = session.accounts[0]?.id ?? '';

  return (
    <Card title="New user" testId="create-user">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const body = {
            username: username.trim(),
            password,
            mustChangePassword: mustChange,
            orgRole: orgRole === '' ? null : orgRole,
            memberships,
            ...(displayName.trim() === '' ? {} : { displayName: displayName.trim() }),
            ...(email.trim() === '' ? {} : { email: email.trim() }),
          };
          void save.run(() => api.post<Res<'createUser'>>('/api/v1/users', body)).then((u) => {
            if (u !== undefined) props.onCreated(u);
          });
        }}
      >
        <ErrorBox error={save.error} title="The user was not created" />
        <div className="form-row">
          <Field label="Username" hint="2–64 characters: letters, digits, “.”, “_”, “@”, “-”." error={problemAt(save.error, 'username')}>
            {(id) => <input id={id} value={username} required autoComplete="off" onChange={(e) => setUsername(e.target.value)} />}
          </Field>
          <Field label="Display name" error={problemAt(save.error, 'displayName')}>
            {(id) => <input id={id} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}
          </Field>
          <Field label="Email" error={problemAt(save.error, 'email')}>
            {(id) => <input id={id} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
          </Field>
        </div>
        <div className="form-row">
          <Field label="Organization role" hint="Leave it at none for people who work in some accounts only." error={problemAt(save.error, 'orgRole')}>
            {(id) => (
              <select id={id} value={orgRole} onChange={(e) => setOrgRole(e.target.value as OrgRoleName | '')}>
                <option value="">none</option>
                {ORG_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_WORDS[r]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Initial password" hint="At least 12 characters; tell it to the user on a safe channel." error={problemAt(save.error, 'password')}>
            {(id) => <input id={id} type="password" value={password} required minLength={12} autoComplete="new-password" onChange={(e) => setPassword(e.target.value)} />}
          </Field>
          <div className="field">
            <span className="field-label">First sign-in</span>
            <label className="checkbox">
              <input type="checkbox" checked={mustChange} onChange={(e) => setMustChange(e.target.checked)} /> Must change the password at first sign-in
            </label>
          </div>
        </div>
        <fieldset className="admin-fieldset">
          <legend>Account roles</legend>
          {problemAt(save.error, 'memberships') === undefined ? null : <div className="field-error">{problemAt(save.error, 'memberships')}</div>}
          {memberships.length === 0 ? <p className="muted">No account roles yet.</p> : null}
          {memberships.map((m, i) => (
            <div className="form-row" key={i}>
              <Field label={`Account ${i + 1}`}>
                {(id) => <AccountSelect id={id} accounts={session.accounts} value={m.accountId} onChange={(v) => setMemberships((ms) => ms.map((x, j) => (j === i ? { ...x, accountId: v } : x)))} />}
              </Field>
              <Field label={`Role in account ${i + 1}`}>
                {(id) => (
                  <select id={id} value={m.role} onChange={(e) => setMemberships((ms) => ms.map((x, j) => (j === i ? { ...x, role: e.target.value as AccountRoleName } : x)))}>
                    {ACCOUNT_ROLES.map((r) => (
                      <option key={r} value={r}>
                        {ROLE_WORDS[r]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <div className="field field-end">
                <Button kind="secondary" aria-label={`Remove account role ${i + 1}`} onClick={() => setMemberships((ms) => ms.filter((_x, j) => j !== i))}>
                  Remove
                </Button>
              </div>
            </div>
          ))}
          <Button kind="secondary" disabled={firstAccount === ''} onClick={() => setMemberships((ms) => [...ms, { accountId: firstAccount, role: 'viewer' }])}>
            Add account role
          </Button>
        </fieldset>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy}>
            {save.busy ? 'Creating…' : 'Create user'}
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** One user: profile and organization role, account roles, disable/enable, password reset, delete. */
function EditUser(props: { userId: string; onClose: () => void; onChanged: (message: string) => void }) {
  const session = useSession();
  const user = useApi<Res<'getUser'>>(pathOf('/api/v1/users/{userId}', { userId: props.userId }));
  if (user.data === undefined) {
    return (
      <Card title="User">
        <ErrorBox error={user.error} onRetry={user.reload} title="The user could not be loaded" />
        {user.error === undefined ? <Loading /> : null}
        <Button kind="secondary" onClick={props.onClose}>
          Close
        </Button>
      </Card>
    );
  }
  const changed = (message: string) => {
    user.reload();
    props.onChanged(message);
  };
  return (
    <Card
      title={`User ${user.data.username}`}
      testId="edit-user"
      actions={
        <Button kind="secondary" onClick={props.onClose}>
          Close
        </Button>
      }
    >
      {session.isOrgAdmin ? (
        <UserForms key={user.data.updatedAt} user={user.data} onChanged={changed} onDeleted={(m) => { props.onChanged(m); props.onClose(); }} />
      ) : (
        <dl className="facts">
          <dt>Name</dt>
          <dd>{user.data.displayName}</dd>
          <dt>Email</dt>
          <dd>{user.data.email ?? '—'}</dd>
          <dt>Organization role</dt>
          <dd>{user.data.orgRole ?? 'none'}</dd>
          <dt>Account roles</dt>
          <dd>{roleSummary(user.data)}</dd>
          <dt>Created</dt>
          <dd>
            <Time value={user.data.createdAt} />
          </dd>
        </dl>
      )}
    </Card>
  );
}

function UserForms(props: { user: User; onChanged: (message: string) => void; onDeleted: (message: string) => void }) {
  const session = useSession();
  const u = props.user;
  const [displayName, setDisplayName] = useState(u.displayName);
  const [email, setEmail] = useState(u.email ?? '');
  const [orgRole, setOrgRole] = useState<OrgRoleName | ''>(u.orgRole ?? '');
  const [password, setPassword] = useState('');
  const [mustChange, setMustChange] = useState(true);
  const [addAccount, setAddAccount] = useState(session.accounts.find((a) => !u.memberships.some((m) => m.accountId === a.id))?.id ?? session.accounts[0]?.id ?? '');
  const [addRole, setAddRole] = useState<AccountRoleName>('viewer');
  const save = useAction();
  const roles = useAction();
  const pw = useAction();
  const self = u.id === session.user.id;
  const userPath = pathOf('/api/v1/users/{userId}', { userId: u.id });
  const memberPath = (accountId: string) => pathOf('/api/v1/accounts/{accountId}/members/{userId}', { accountId, userId: u.id });

  return (
    <div className="stack">
      <form
        aria-label="Profile and organization role"
        onSubmit={(e) => {
          e.preventDefault();
          void save
            .run(() => api.patch(userPath, { displayName: displayName.trim(), email: email.trim() === '' ? null : email.trim(), orgRole: orgRole === '' ? null : orgRole }))
            .then((r) => {
              if (r !== undefined) props.onChanged(`${u.username} was saved.`);
            });
        }}
      >
        <ErrorBox error={save.error} title="The user was not saved" />
        <div className="form-row">
          <Field label="Display name" error={problemAt(save.error, 'displayName')}>
            {(id) => <input id={id} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}
          </Field>
          <Field label="Email" error={problemAt(save.error, 'email')}>
            {(id) => <input id={id} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
          </Field>
          <Field label="Organization role" error={problemAt(save.error, 'orgRole')}>
            {(id) => (
              <select id={id} value={orgRole} onChange={(e) => setOrgRole(e.target.value as OrgRoleName | '')}>
                <option value="">none</option>
                {ORG_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_WORDS[r]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy}>
            Save profile and role
          </Button>
          {self ? null : (
            <Button
              kind="secondary"
              disabled={save.busy}
              onClick={() =>
                void save.run(() => api.patch(userPath, { disabled: !u.disabled })).then((r) => {
                  if (r !== undefined) props.onChanged(u.disabled ? `${u.username} can sign in again.` : `${u.username} is disabled: their sessions and tokens stop working.`);
                })
              }
            >
              {u.disabled ? 'Enable user' : 'Disable user'}
            </Button>
          )}
          {self ? null : (
            <ConfirmButton
              label="Delete user"
              question={`Delete ${u.username}? Their sessions and tokens end.`}
              disabled={save.busy}
              onConfirm={async () => {
                if (await save.ok(() => api.delete(userPath))) props.onDeleted(`The user ${u.username} was deleted.`);
              }}
            />
          )}
        </div>
      </form>

      <h3>Account roles</h3>
      <ErrorBox error={roles.error} title="The account role was not changed" />
      {u.memberships.length === 0 ? <p className="muted">No account roles.</p> : null}
      <ul className="admin-list">
        {u.memberships.map((m) => (
          <li key={m.accountId} className="inline-row">
            <span className="inline-label">{m.accountName}</span>
            <select
              aria-label={`Role in ${m.accountName}`}
              value={m.role}
              disabled={roles.busy}
              onChange={(e) =>
                void roles.run(() => api.put(memberPath(m.accountId), { role: e.target.value })).then((r) => {
                  if (r !== undefined) props.onChanged(`${u.username} is now ${e.target.value} in ${m.accountName}.`);
                })
              }
            >
              {ACCOUNT_ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <ConfirmButton
              label="Remove"
              ariaLabel={`Remove role in ${m.accountName}`}
              question={`Remove ${u.username} from ${m.accountName}?`}
              disabled={roles.busy}
              onConfirm={async () => {
                if (await roles.ok(() => api.delete(memberPath(m.accountId)))) props.onChanged(`${u.username} was removed from ${m.accountName}.`);
              }}
            />
          </li>
        ))}
      </ul>
      <form
        className="filters"
        aria-label="Grant an account role"
        onSubmit={(e) => {
          e.preventDefault();
          const name = session.accounts.find((a) => a.id === addAccount)?.name ?? addAccount;
          void roles.run(() => api.put(memberPath(addAccount), { role: addRole })).then((r) => {
            if (r !== undefined) props.onChanged(`${u.username} is now ${addRole} in ${name}.`);
          });
        }}
      >
        <Field label="Account">{(id) => <AccountSelect id={id} accounts={session.accounts} value={addAccount} onChange={setAddAccount} />}</Field>
        <Field label="Role">
          {(id) => (
            <select id={id} value={addRole} onChange={(e) => setAddRole(e.target.value as AccountRoleName)}>
              {ACCOUNT_ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_WORDS[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Button type="submit" disabled={roles.busy || addAccount === ''}>
          Grant role
        </Button>
      </form>

      <h3>Reset password</h3>
      <form
        className="filters"
        aria-label="Reset password"
        onSubmit={(e) => {
          e.preventDefault();
          void pw.ok(() => api.post(pathOf('/api/v1/users/{userId}/password', { userId: u.id }), { password, mustChangePassword: mustChange })).then((ok) => {
            if (!ok) return;
            setPassword('');
            props.onChanged(`The password of ${u.username} was reset; their sessions and API tokens were ended.`);
          });
        }}
      >
        <ErrorBox error={pw.error} title="The password was not reset" />
        <Field label="New password" hint="At least 12 characters. Ends the user's sessions and revokes their API tokens." error={problemAt(pw.error, 'password')}>
          {(id) => <input id={id} type="password" value={password} required minLength={12} autoComplete="new-password" onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={mustChange} onChange={(e) => setMustChange(e.target.checked)} /> Must change it at next sign-in
        </label>
        <Button type="submit" kind="secondary" disabled={pw.busy || password.length === 0}>
          Reset password
        </Button>
      </form>
    </div>
  );
}
