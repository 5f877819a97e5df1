import { useState } from 'react';
import { api, pathOf, type Res } from '../../api/client';
import { ConfirmButton, localToIso, problemAt, useAction } from '../../components/admin-ui';
import { AccountSelect, Badge, Button, Card, type Column, ErrorBox, Field, Notice, Page, PagedTable, Time } from '../../components/ui';
import { useApi, useQueryState, useTitle } from '../../hooks';
import { useSession } from '../../session';

type Delegation = Res<'listDelegations'>['items'][number];

const LIMIT = 25;
const ROLES = ['operator', 'admin', 'org-admin'] as const;
type RoleName = (typeof ROLES)[number];

function list(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** What a delegation allows, in one sentence. */
export function delegationWords(d: Delegation): string {
  const runbooks = d.runbooks.includes('*') ? 'any runbook' : d.runbooks.length === 1 ? `the runbook ${d.runbooks[0]}` : `the runbooks ${list(d.runbooks)}`;
  const roles = list(d.roles.map((r) => (r === 'org-admin' ? 'an org-admin' : r === 'admin' ? 'an admin' : 'an operator')));
  return `Executions started in ${d.granteeAccountName} by ${roles} may run ${runbooks} in ${d.accountName}.`;
}

/** Delegations: what each account lets the management account run in it; grant and revoke. */
export function DelegationsPage() {
  useTitle('Delegations');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const accountId = query.get('accountId') ?? '';
  const active = query.get('active') ?? '';
  const sort = query.get('sort') ?? '-createdAt';
  const offset = Number(query.get('offset') ?? 0);
  const delegations = useApi<Res<'listDelegations'>>(pathOf('/api/v1/delegations', {}, { accountId, active, sort, limit: LIMIT, offset }));
  const grantable = session.accountsWhere('manage').filter((a) => !a.isManagement);
  const management = session.accounts.find((a) => a.isManagement);
  const [creating, setCreating] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const revoke = useAction();

  const columns: Column<Delegation>[] = [
    { key: 'account', header: 'Granted by', render: (d) => d.accountName },
    { key: 'grantee', header: 'To', render: (d) => d.granteeAccountName },
    {
      key: 'allows',
      header: 'Allows',
      render: (d) => (
        <>
          <div>{delegationWords(d)}</div>
          {d.comment === '' ? null : <div className="muted">“{d.comment}”</div>}
        </>
      ),
    },
    { key: 'status', header: 'Status', render: (d) => <Badge value={d.status} tone={d.status === 'active' ? 'good' : 'muted'} /> },
    { key: 'expiresAt', header: 'Expires', sort: 'expiresAt', render: (d) => (d.expiresAt === null ? <span className="muted">never</span> : <Time value={d.expiresAt} />) },
    {
      key: 'createdAt',
      header: 'Granted',
      sort: 'createdAt',
      render: (d) => (
        <>
          <Time value={d.createdAt} />
          {d.createdBy === null ? null : <div className="muted">by {d.createdBy}</div>}
          {d.revokedAt === null ? null : (
            <div className="muted">
              revoked <Time value={d.revokedAt} /> {d.revokedBy === null ? '' : `by ${d.revokedBy}`}
            </div>
          )}
        </>
      ),
    },
    {
      key: 'actions',
      header: 'Actions',
      render: (d) =>
        d.status !== 'active' || !session.can(d.accountId, 'manage') ? null : (
          <ConfirmButton
            label="Revoke"
            ariaLabel={`Revoke the delegation of ${d.accountName}`}
            question={`Revoke it? Running executions stop starting steps in ${d.accountName}.`}
            disabled={revoke.busy}
            onConfirm={async () => {
              if (await revoke.ok(() => api.post(pathOf('/api/v1/delegations/{delegationId}/revoke', { delegationId: d.id })))) {
                setDone(`The delegation of ${d.accountName} was revoked.`);
                delegations.reload();
              }
            }}
          />
        ),
    },
  ];

  return (
    <Page
      title="Delegations"
      subtitle={`An account's permission for executions of the management account${management === undefined ? '' : ` (${management.name})`} to run runbooks in it, for starters with given roles.`}
      testId="delegations-page"
      busy={delegations.loading}
      actions={
        grantable.length > 0 ? (
          <Button onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
            Grant delegation
          </Button>
        ) : undefined
      }
    >
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      <ErrorBox error={revoke.error} title="The delegation was not revoked" />
      {creating ? (
        <GrantDelegation
          accounts={grantable}
          onCancel={() => setCreating(false)}
          onCreated={(d) => {
            setCreating(false);
            setDone(`Granted: ${delegationWords(d)}`);
            delegations.reload();
          }}
        />
      ) : null}
      <Card>
        <div className="filters">
          <Field label="Account">
            {(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} allLabel="All accounts" onChange={(v) => setQuery({ accountId: v, offset: undefined })} />}
          </Field>
          <Field label="Status">
            {(id) => (
              <select id={id} value={active} onChange={(e) => setQuery({ active: e.target.value, offset: undefined })}>
                <option value="">Any</option>
                <option value="true">Active</option>
                <option value="false">Expired or revoked</option>
              </select>
            )}
          </Field>
        </div>
        <PagedTable
          state={delegations}
          errorTitle="The delegations could not be loaded"
          caption="Delegations"
          testId="delegations-table"
          columns={columns}
          rowKey={(d) => d.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty={
          grantable.length > 0
          ? 'No delegations. Without one, executions of the management account cannot act in other accounts: grant one with “Grant delegation”.'
          : 'No delegations. An admin of an account can grant one.'
          }
          limit={LIMIT}
          offset={offset}
          onPage={(o) => setQuery({ offset: o })}
        />
      </Card>
    </Page>
  );
}

function GrantDelegation(props: { accounts: { id: string; name: string }[]; onCreated: (d: Delegation) => void; onCancel: () => void }) {
  const [accountId, setAccountId] = useState(props.accounts[0]?.id ?? '');
  const [anyRunbook, setAnyRunbook] = useState(false);
  const [runbooks, setRunbooks] = useState('patch-fleet');
  const [roles, setRoles] = useState<RoleName[]>(['operator', 'admin']);
  const [expires, setExpires] = useState('');
  const [comment, setComment] = useState('');
  const save = useAction();
  return (
    <Card title="Grant a delegation">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const expiresAt = localToIso(expires);
          const body = {
            runbooks: anyRunbook
              ? ['*']
              : runbooks
                  .split(/[\s,]+/)
                  .map((r) => r.trim())
                  .filter((r) => r !== ''),
            roles,
            ...(expiresAt === undefined ? {} : { expiresAt }),
            ...(comment.trim() === '' ? {} : { comment: comment.trim() }),
          };
          void save.run(() => api.post<Delegation>(pathOf('/api/v1/accounts/{accountId}/delegations', { accountId }), body)).then((d) => {
            if (d !== undefined) props.onCreated(d);
          });
        }}
      >
        <ErrorBox error={save.error} title="The delegation was not granted" />
        <div className="form-row">
          <Field label="Granting account" hint="Where the executions may act.">
            {(id) => <AccountSelect id={id} accounts={props.accounts} value={accountId} onChange={setAccountId} />}
          </Field>
          <Field label="Runbooks" hint="Names, comma-separated (e.g. patch-fleet)." error={problemAt(save.error, 'runbooks')}>
            {(id) => <input id={id} value={anyRunbook ? '*' : runbooks} disabled={anyRunbook} onChange={(e) => setRunbooks(e.target.value)} />}
          </Field>
          <div className="field">
            <span className="field-label">Any runbook</span>
            <label className="checkbox">
              <input type="checkbox" checked={anyRunbook} onChange={(e) => setAnyRunbook(e.target.checked)} /> Allow every runbook (*)
            </label>
          </div>
        </div>
        <fieldset className="admin-fieldset">
          <legend>Starter roles (the person or schedule starting the execution must hold one)</legend>
          {ROLES.map((r) => (
            <label key={r} className="checkbox inline-checkbox">
              <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles((rs) => (e.target.checked ? [...rs, r] : rs.filter((x) => x !== r)))} /> {r}
            </label>
          ))}
          {problemAt(save.error, 'roles') === undefined ? null : <div className="field-error">{problemAt(save.error, 'roles')}</div>}
        </fieldset>
        <div className="form-row">
          <Field label="Expires" hint="Optional; no expiry when empty." error={problemAt(save.error, 'expiresAt')}>
            {(id) => <input id={id} type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />}
          </Field>
          <Field label="Comment" hint="Why, e.g. the change ticket." error={problemAt(save.error, 'comment')}>
            {(id) => <input id={id} value={comment} onChange={(e) => setComment(e.target.value)} />}
          </Field>
        </div>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy || accountId === ''}>
            {save.busy ? 'Granting…' : 'Grant'}
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
