import { useState } from 'react';
import { Link } from 'react-router';
import { api, pathOf, type Body, type Res } from '../api/client';
import { useSession } from '../session';
import { enrollCommand } from './enroll';
import { AccountSelect, Badge, Button, Card, CopyBlock, ErrorBox, Field, NodeLink } from './ui';

type NodeSummary = Res<'listNodes'>['items'][number];
type CreatedActivation = Res<'createActivation'>;

/**
 * First run: the fleet is only this machine (or nothing yet). Shows the local node and how to enroll
 * more hosts: account admins create an activation here and copy the command; others are told whom to ask.
 */
export function EnrollCard(props: { localNode: NodeSummary | null }) {
  const session = useSession();
  const { localNode } = props;
  const manageable = session.accountsWhere('manage');
  const preferred = localNode !== null && manageable.some((a) => a.id === localNode.accountId) ? localNode.accountId : (manageable[0]?.id ?? '');
  const [accountId, setAccountId] = useState(preferred);
  const [created, setCreated] = useState<CreatedActivation | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const origin = window.location.origin;

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body: Body<'createActivation'> = { registrationLimit: 10, expiresInHours: 24, description: 'Created from the overview (first run)' };
      setCreated(await api.post<CreatedActivation>(pathOf('/api/v1/accounts/{accountId}/activations', { accountId }), body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const accountName = (id: string) => session.accounts.find((a) => a.id === id)?.name ?? id;

  return (
    <Card title="Enroll your servers" className="ov-enroll" testId="first-run">
      {localNode === null ? (
        <p>
          No node is enrolled yet. The server&apos;s own agent lists this machine here within a minute of starting (unless it was turned off with{' '}
          <code>--no-local-agent</code>).
        </p>
      ) : (
        <p data-testid="local-node">
          This machine is already here: <NodeLink id={localNode.id} name={localNode.hostname} /> in account {accountName(localNode.accountId)}{' '}
          {localNode.compliance === null ? <Badge value="not evaluated yet" tone="muted" /> : <Badge value={localNode.compliance.status} />}{' '}
          <span className="muted">(the scan-only local agent, tagged patchwarden:local=true)</span>.
        </p>
      )}
      <p>
        To see the rest of your fleet, enroll each server with an <strong>activation</strong> (a code hosts enroll with). On the host, with Node.js 20 or newer, one command
        downloads the agent and enrolls it; its patch state appears here after its first inventory.
      </p>
      {manageable.length === 0 ? (
        <p className="notice info" data-testid="ask-admin">
          You may not create activations. Ask an admin of your account for an enrollment command (they create it here or under Administration → Activations).
        </p>
      ) : (
        <div className="ov-enroll-action">
          {manageable.length > 1 ? (
            <Field label="Account the servers join">
              {(id) => (
                <AccountSelect
                  id={id}
                  accounts={manageable}
                  value={accountId}
                  onChange={(v) => {
                    setAccountId(v);
                    setCreated(null);
                  }}
                />
              )}
            </Field>
          ) : null}
          <Button onClick={() => void create()} disabled={busy || accountId === ''}>
            {busy ? 'Creating…' : created === null ? 'Create enrollment command' : 'Create another enrollment command'}
          </Button>
        </div>
      )}
      <ErrorBox error={error} title="The activation could not be created" />
      {created === null ? null : (
        <div className="ov-enroll-command" data-testid="enroll-command">
          <p>
            Run this on each server (activation <code>{created.id}</code> for account {accountName(created.accountId)}: up to {created.registrationLimit} servers, valid for 24 hours). The
            code is shown only now.
          </p>
          <CopyBlock label="Enroll command" text={enrollCommand(origin, created.id, created.activationCode)} />
        </div>
      )}
      <p className="muted small">
        More options (default tags, longer validity, revoking): <Link to="/admin/activations">Administration → Activations</Link>.
      </p>
    </Card>
  );
}
