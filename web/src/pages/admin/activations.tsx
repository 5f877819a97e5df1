import { useState } from 'react';
import { Link } from 'react-router';
import { api, pathOf, type Res } from '../../api/client';
import { ConfirmButton, intOrUndefined, parseTags, problemAt, tagsText, useAction } from '../../components/admin-ui';
import { AccountSelect, Badge, Button, Card, type Column, CopyBlock, EmptyState, ErrorBox, Field, Notice, Page, PagedTable, Time } from '../../components/ui';
import { enrollCommand, SERVICE_COMMAND } from '../../components/enroll';
import { useApi, useQueryState, useTitle } from '../../hooks';
import { useSession } from '../../session';

type Activation = Res<'listActivations'>['items'][number];
type Created = Res<'createActivation'>;

const LIMIT = 25;
const STATE_TONE = { active: 'good', expired: 'muted', exhausted: 'warn', revoked: 'muted' } as const;


/** Enroll nodes: activations per account (codes agents enroll with), create one and copy its command, revoke. */
export function ActivationsPage() {
  useTitle('Enroll nodes');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  // Org roles read every account's activations; account admins those of their accounts.
  const accounts = session.readsOrganization ? session.accounts : session.accountsWhere('manage');
  const accountId = query.get('account') ?? accounts[0]?.id ?? '';
  const account = accounts.find((a) => a.id === accountId);
  const sort = query.get('sort') ?? '-createdAt';
  const offset = Number(query.get('offset') ?? 0);
  const manage = account !== undefined && session.can(account.id, 'manage');
  const list = useApi<Res<'listActivations'>>(account === undefined ? null : pathOf('/api/v1/accounts/{accountId}/activations', { accountId: account.id }, { sort, limit: LIMIT, offset }));
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const revoke = useAction();

  if (accounts.length === 0) {
    return (
      <Page title="Enroll nodes">
        <EmptyState title="You administer no account.">
          <p>Activations are created by an account's admins or an org-admin. Ask one to give you the admin role in the account your nodes belong to.</p>
        </EmptyState>
      </Page>
    );
  }

  const columns: Column<Activation>[] = [
    { key: 'id', header: 'Activation id', render: (a) => <code>{a.id}</code> },
    { key: 'description', header: 'Description', render: (a) => a.description || <span className="muted">—</span> },
    { key: 'state', header: 'State', render: (a) => <Badge value={a.state} tone={STATE_TONE[a.state]} /> },
    { key: 'used', header: 'Registrations', className: 'num', render: (a) => `${a.registrationsUsed} of ${a.registrationLimit}` },
    { key: 'tags', header: 'Default tags', render: (a) => (Object.keys(a.defaultTags).length === 0 ? <span className="muted">none</span> : tagsText(a.defaultTags)) },
    { key: 'expiresAt', header: 'Expires', sort: 'expiresAt', render: (a) => <Time value={a.expiresAt} /> },
    { key: 'createdAt', header: 'Created', sort: 'createdAt', render: (a) => <Time value={a.createdAt} /> },
  ];
  if (manage) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      render: (a) =>
        a.state === 'revoked' ? null : (
          <ConfirmButton
            label="Revoke"
            ariaLabel={`Revoke ${a.id}`}
            question="Revoke it? No more nodes can enroll with it; enrolled nodes stay."
            disabled={revoke.busy}
            onConfirm={async () => {
              if (await revoke.ok(() => api.delete(pathOf('/api/v1/accounts/{accountId}/activations/{activationId}', { accountId: a.accountId, activationId: a.id })))) {
                setDone(`The activation ${a.id} was revoked.`);
                list.reload();
              }
            }}
          />
        ),
    });
  }

  return (
    <Page
      title="Enroll nodes"
      subtitle="An activation is a code that lets agents register hosts in an account, a limited number of times, until it expires."
      testId="activations-page"
      busy={list.loading}
      actions={
        manage ? (
          <Button
            onClick={() => {
              setCreating((c) => !c);
              setCreated(null);
            }}
            aria-expanded={creating}
          >
            New activation
          </Button>
        ) : undefined
      }
    >
      <div className="filters">
        <Field label="Account">
          {(id) => (
            <AccountSelect
              id={id}
              accounts={accounts}
              value={accountId}
              onChange={(v) => {
                setQuery({ account: v, offset: undefined });
                setCreating(false);
                setCreated(null);
              }}
            />
          )}
        </Field>
      </div>
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      <ErrorBox error={revoke.error} title="The activation was not revoked" />
      {created === null ? null : <EnrollInstructions activation={created} accountName={account?.name ?? ''} onDone={() => setCreated(null)} />}
      {creating && account !== undefined ? (
        <CreateActivation
          account={account}
          onCancel={() => setCreating(false)}
          onCreated={(a) => {
            setCreating(false);
            setCreated(a);
            setDone(null);
            list.reload();
          }}
        />
      ) : null}
      <Card title={account === undefined ? 'Activations' : `Activations of ${account.name}`}>
        <PagedTable
          state={list}
          errorTitle="The activations could not be loaded"
          caption="Activations"
          testId="activations-table"
          columns={columns}
          rowKey={(a) => a.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty={manage ? 'No activations yet. Create one with “New activation” and run the command it shows on each host.' : 'No activations in this account.'}
          limit={LIMIT}
          offset={offset}
          onPage={(o) => setQuery({ offset: o })}
        />
      </Card>
    </Page>
  );
}

function EnrollInstructions(props: { activation: Created; accountName: string; onDone: () => void }) {
  const a = props.activation;
  const origin = window.location.origin;
  return (
    <Card title="Enroll hosts with this activation" testId="enroll-instructions">
      <Notice kind="warning">
        The activation code is shown <strong>only now</strong>. Copy the command; it works for {a.registrationLimit} host{a.registrationLimit === 1 ? '' : 's'} in {props.accountName} until{' '}
        <Time value={a.expiresAt} />.
      </Notice>
      <ol className="enroll-steps">
        <li>
          <p>On each host (it needs Node.js 20 or newer), download the agent and enroll:</p>
          <CopyBlock label="Enroll command" text={enrollCommand(origin, a.id, a.activationCode)} />
        </li>
        <li>
          <p>Run the agent as a service (in the same directory: the service runs the downloaded file from there):</p>
          <CopyBlock label="Service command" text={SERVICE_COMMAND} />
        </li>
        <li>
          <p>
            The node appears on the <Link to="/nodes">Nodes</Link> page within a minute, with its first inventory.
          </p>
        </li>
      </ol>
      <dl className="facts">
        <dt>Activation id</dt>
        <dd>
          <code data-testid="activation-id">{a.id}</code>
        </dd>
        <dt>Activation code</dt>
        <dd>
          <code data-testid="activation-code">{a.activationCode}</code>
        </dd>
      </dl>
      <Button kind="secondary" onClick={props.onDone}>
        I have copied it
      </Button>
    </Card>
  );
}

function CreateActivation(props: { account: { id: string; name: string }; onCreated: (a: Created) => void; onCancel: () => void }) {
  const [description, setDescription] = useState('');
  const [limit, setLimit] = useState('10');
  const [hours, setHours] = useState('24');
  const [tags, setTags] = useState('');
  const [tagError, setTagError] = useState<string | undefined>(undefined);
  const save = useAction();
  return (
    <Card title={`New activation in ${props.account.name}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          let defaultTags: Record<string, string>;
          try {
            defaultTags = parseTags(tags);
            setTagError(undefined);
          } catch (err) {
            setTagError(err instanceof Error ? err.message : String(err));
            return;
          }
          const registrationLimit = intOrUndefined(limit);
          const expiresInHours = intOrUndefined(hours);
          const body = {
            ...(description.trim() === '' ? {} : { description: description.trim() }),
            ...(registrationLimit === undefined ? {} : { registrationLimit }),
            ...(expiresInHours === undefined ? {} : { expiresInHours }),
            ...(Object.keys(defaultTags).length === 0 ? {} : { defaultTags }),
          };
          void save.run(() => api.post<Created>(pathOf('/api/v1/accounts/{accountId}/activations', { accountId: props.account.id }), body)).then((a) => {
            if (a !== undefined) props.onCreated(a);
          });
        }}
      >
        <ErrorBox error={save.error} title="The activation was not created" />
        <div className="form-row">
          <Field label="Description" hint="What these hosts are, e.g. web servers in eu-west." error={problemAt(save.error, 'description')}>
            {(id) => <input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
          <Field label="Registration limit" hint="How many hosts may enroll with it (1–1000)." error={problemAt(save.error, 'registrationLimit')}>
            {(id) => <input id={id} type="number" min={1} max={1000} value={limit} onChange={(e) => setLimit(e.target.value)} />}
          </Field>
          <Field label="Lifetime (hours)" hint="1 to 720 (30 days); 24 if empty." error={problemAt(save.error, 'expiresInHours')}>
            {(id) => <input id={id} type="number" min={1} max={720} value={hours} onChange={(e) => setHours(e.target.value)} />}
          </Field>
        </div>
        <Field label="Default tags" hint="key=value, one per line (or comma-separated): every node enrolled with it gets them." error={tagError ?? problemAt(save.error, 'defaultTags')}>
          {(id) => <textarea id={id} rows={3} value={tags} placeholder={'env=prod\nrole=web'} onChange={(e) => setTags(e.target.value)} />}
        </Field>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy}>
            {save.busy ? 'Creating…' : 'Create activation'}
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}
