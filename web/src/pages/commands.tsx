import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, pathOf, type Res } from '../api/client';
import {
  COMMAND_FINISHED,
  CommandProgress,
  ConfirmButton,
  describeTargets,
  maxErrorsWords,
  ShortTime,
  useAccountName,
  type CommandDetail,
  type CommandSummary,
} from '../components/ops-common';
import { AccountSelect, Badge, Card, DataTable, ErrorBox, Field, Loading, NodeLink, Page, PagedTable, Pager, Time, type Column } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

const PAGE = 25;

/** Every command of the accounts the user sees: filters and paging in the URL, live while any runs. */
export function CommandsPage() {
  useTitle('Commands');
  const session = useSession();
  const accountName = useAccountName();
  const [query, setQuery] = useQueryState();
  const accountId = query.get('accountId') ?? '';
  const document = query.get('document') ?? '';
  const sort = query.get('sort') ?? '-createdAt';
  const offset = Number(query.get('offset') ?? '0') || 0;
  const path = pathOf('/api/v1/commands', {}, { accountId, document, sort, limit: PAGE, offset });
  const [live, setLive] = useState(false);
  const list = useApi<Res<'listCommands'>>(path, live ? { refreshMs: 3000 } : {});
  const anyRunning = list.data?.items.some((c) => !COMMAND_FINISHED.includes(c.status)) ?? false;
  if (anyRunning !== live) setLive(anyRunning);

  const columns: Column<CommandSummary>[] = [
    { key: 'id', header: 'Command', render: (c) => <Link to={`/commands/${encodeURIComponent(c.id)}`}>{c.id}</Link> },
    { key: 'document', header: 'Operation', render: (c) => c.document },
    { key: 'account', header: 'Account', render: (c) => accountName(c.accountId) },
    { key: 'status', header: 'Status', render: (c) => <Badge value={c.status} /> },
    { key: 'progress', header: 'Progress', className: 'ops-col-progress', render: (c) => <CommandProgress counts={c.counts} total={c.targetCount} compact /> },
    { key: 'targets', header: 'Targets', render: (c) => <span title={describeTargets(c.targets)}>{c.targetCount === 1 ? '1 node' : `${c.targetCount} nodes`}</span> },
    { key: 'by', header: 'Sent by', render: (c) => c.createdBy ?? <span className="muted">system</span> },
    { key: 'createdAt', header: 'Sent', sort: 'createdAt', render: (c) => <Time value={c.createdAt} /> },
  ];

  const canOperate = session.accountsWhere('operate').length > 0;
  return (
    <Page
      title="Commands"
      subtitle="Scans, installs and scripts sent to nodes, newest first. Open one to follow it node by node."
      testId="commands-page"
      busy={list.loading}
      actions={
        canOperate ? (
          <Link className="button primary" to="/operations/new">
            Run scan or install
          </Link>
        ) : undefined
      }
    >
      <div className="filters">
        <Field label="Account">
          {(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} onChange={(v) => setQuery({ accountId: v, offset: undefined })} allLabel="All accounts" />}
        </Field>
        <Field label="Operation">
          {(id) => (
            <select id={id} value={document} onChange={(e) => setQuery({ document: e.target.value, offset: undefined })}>
              <option value="">Any operation</option>
              <option value="Scan">Scan</option>
              <option value="Install">Install</option>
              <option value="RunScript">RunScript</option>
            </select>
          )}
        </Field>
      </div>
      <Card>
        <PagedTable
          state={list}
          errorTitle="The commands could not be loaded"
          loadingLabel="Loading commands…"
          caption="Commands"
          testId="commands-table"
          columns={columns}
          rowKey={(c) => c.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty={
            accountId !== '' || document !== '' ? (
              'No command matches these filters. Clear them to see every command.'
            ) : canOperate ? (
              <>
                No command has been sent yet. <Link to="/operations/new">Run a scan</Link> to see what your nodes miss.
              </>
            ) : (
              'No command has been sent in your accounts yet.'
            )
          }
          limit={PAGE}
          offset={offset}
          onPage={(o) => setQuery({ offset: o === 0 ? undefined : o })}
        />
      </Card>
    </Page>
  );
}

type Invocation = CommandDetail['invocations'][number];
const INVOCATIONS_PAGE = 50;

/** One command, live: counts, progress, each node's invocation with its output; cancel for operators. */
export function CommandPage() {
  const { commandId = '' } = useParams();
  useTitle(`Command ${commandId}`);
  const session = useSession();
  const accountName = useAccountName();
  const [finished, setFinished] = useState(false);
  const command = useApi<CommandDetail>(pathOf('/api/v1/commands/{commandId}', { commandId }), finished ? {} : { refreshMs: 1000 });
  const c = command.data;
  const isFinished = c !== undefined && COMMAND_FINISHED.includes(c.status);
  if (isFinished !== finished) setFinished(isFinished);
  // Hostnames of the account's nodes, for the invocation table (ids otherwise).
  const nodes = useApi<Res<'listNodes'>>(c === undefined ? null : pathOf('/api/v1/nodes', {}, { accountId: c.accountId, limit: 500 }));
  const hostnames = useMemo(() => new Map((nodes.data?.items ?? []).map((n) => [n.id, n.hostname] as const)), [nodes.data]);
  const [statusFilter, setStatusFilter] = useState('');
  const [invOffset, setInvOffset] = useState(0);

  if (c === undefined) {
    return (
      <Page title={`Command ${commandId}`} testId="command-page" busy>
        <ErrorBox error={command.error} onRetry={command.reload} title="The command could not be loaded" />
        {command.error === undefined ? <Loading label="Loading the command…" /> : null}
      </Page>
    );
  }

  const invocations = statusFilter === '' ? c.invocations : c.invocations.filter((i) => i.status === statusFilter);
  const shown = invocations.slice(invOffset, invOffset + INVOCATIONS_PAGE);
  const canCancel = session.can(c.accountId, 'operate') && !isFinished;
  const p = c.parameters;
  const columns: Column<Invocation>[] = [
    { key: 'node', header: 'Node', render: (i) => <NodeLink id={i.nodeId} name={hostnames.get(i.nodeId) ?? i.nodeId} /> },
    {
      key: 'status',
      header: 'Status',
      render: (i) => (
        <>
          <Badge value={i.status} />
          {i.status === 'Pending' && i.releasedAt === null ? <div className="muted small">waiting its turn</div> : null}
        </>
      ),
    },
    { key: 'released', header: 'Released', render: (i) => <ShortTime value={i.releasedAt} /> },
    { key: 'started', header: 'Started', render: (i) => <ShortTime value={i.startedAt ?? i.deliveredAt} /> },
    { key: 'finished', header: 'Finished', render: (i) => <ShortTime value={i.finishedAt} /> },
    { key: 'output', header: 'Output', className: 'ops-col-output', render: (i) => <InvocationOutput invocation={i} /> },
  ];

  return (
    <Page
      title={`${c.document} ${c.id}`}
      subtitle={
        <>
          In {accountName(c.accountId)}, sent by {c.createdBy ?? 'the system'} <Time value={c.createdAt} /> to {describeTargets(c.targets)}.
        </>
      }
      testId="command-page"
      busy={!isFinished}
      actions={
        canCancel ? (
          <ConfirmButton
            label="Cancel command"
            question="Cancel it? Invocations not yet delivered end Cancelled; those running finish."
            confirmLabel="Yes, cancel"
            onConfirm={async () => {
              await api.post(pathOf('/api/v1/commands/{commandId}/cancel', { commandId: c.id }));
              command.reload();
            }}
          />
        ) : undefined
      }
    >
      <ErrorBox error={command.error} onRetry={command.reload} title="The latest progress could not be loaded" />
      <div className="stats">
        <div className="stat">
          <div className="value" data-testid="command-status">
            <Badge value={c.status} />
          </div>
          <div className="label">{isFinished ? 'Finished' : 'Updating every second'}</div>
        </div>
        <Stat label="Nodes" value={c.targetCount} />
        <Stat label="Succeeded" value={c.counts.Success ?? 0} tone="good" />
        <Stat label="Failed, timed out or undeliverable" value={(c.counts.Failed ?? 0) + (c.counts.TimedOut ?? 0) + (c.counts.Undeliverable ?? 0)} tone="bad" />
        <Stat label="In progress or pending" value={(c.counts.InProgress ?? 0) + (c.counts.Pending ?? 0)} />
        <Stat label="Cancelled" value={c.counts.Cancelled ?? 0} />
      </div>
      <Card title="Progress">
        <CommandProgress counts={c.counts} total={c.targetCount} />
      </Card>
      <div className="grid ops-grid">
        <Card title="What it does">
          <dl className="facts">
            <dt>Operation</dt>
            <dd>{c.document}</dd>
            <dt>Targets</dt>
            <dd>{describeTargets(c.targets)}</dd>
            {c.document === 'Install' ? (
              <>
                <dt>Reboot</dt>
                <dd>{p.rebootOption === 'NoReboot' ? 'never reboot (NoReboot)' : p.rebootOption === 'Always' ? 'always reboot (Always)' : 'reboot when an update needs it (RebootIfNeeded)'}</dd>
                <dt>Installs</dt>
                <dd>{p.installOverrideList.length > 0 ? `exactly ${p.installOverrideList.map((i) => `${i.name}=${i.version}`).join(', ')}` : p.snapshotId !== undefined ? `the approved versions of snapshot ${p.snapshotId}` : 'the approved versions of each node\'s baseline'}</dd>
              </>
            ) : null}
            {p.baselineId === undefined ? null : (
              <>
                <dt>Baseline</dt>
                <dd>{p.baselineId} (instead of each node&apos;s own)</dd>
              </>
            )}
            {p.script === undefined ? null : (
              <>
                <dt>Script</dt>
                <dd>
                  <code>{p.script}</code>
                </dd>
              </>
            )}
            {c.comment === '' ? null : (
              <>
                <dt>Comment</dt>
                <dd>{c.comment}</dd>
              </>
            )}
          </dl>
        </Card>
        <Card title="Rate control">
          <dl className="facts">
            <dt>At most at once</dt>
            <dd>{c.maxConcurrency.endsWith('%') ? `${c.maxConcurrency} of the nodes` : `${c.maxConcurrency} node(s)`}</dd>
            <dt>Stop after</dt>
            <dd>{maxErrorsWords(c.maxErrors)}</dd>
            <dt>Timeout</dt>
            <dd>{formatSeconds(c.timeoutSeconds)} per node</dd>
            {c.cancelledAt === null ? null : (
              <>
                <dt>Cancelled</dt>
                <dd>
                  <Time value={c.cancelledAt} />
                </dd>
              </>
            )}
          </dl>
        </Card>
      </div>
      <Card
        title={`Nodes (${c.invocations.length})`}
        actions={
          <div className="filters ops-inline-filter">
            <Field label="Status">
              {(id) => (
                <select
                  id={id}
                  value={statusFilter}
                  onChange={(e) => {
                    setStatusFilter(e.target.value);
                    setInvOffset(0);
                  }}
                >
                  <option value="">Any status</option>
                  {['Pending', 'InProgress', 'Success', 'Failed', 'TimedOut', 'Undeliverable', 'Cancelled'].map((s) => (
                    <option key={s} value={s}>
                      {s} ({c.counts[s] ?? 0})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        }
      >
        <DataTable caption="Invocations per node" testId="invocations-table" columns={columns} rows={shown} rowKey={(i) => i.id} empty="No node has this status." />
        <Pager total={invocations.length} limit={INVOCATIONS_PAGE} offset={invOffset} onChange={setInvOffset} />
      </Card>
    </Page>
  );
}

function Stat(props: { label: string; value: number; tone?: 'good' | 'bad' }) {
  return (
    <div className={`stat ${props.value > 0 && props.tone !== undefined ? props.tone : ''}`}>
      <div className="value">{props.value.toLocaleString()}</div>
      <div className="label">{props.label}</div>
    </div>
  );
}

function InvocationOutput(props: { invocation: Invocation }) {
  const i = props.invocation;
  const text = i.output.trim();
  const failedOutcomes = i.outcomes.filter((o) => /FAIL/i.test(o.state));
  if (text === '' && i.outcomes.length === 0) return <span className="muted">{i.status === 'Pending' || i.status === 'InProgress' ? 'no output yet' : '—'}</span>;
  const first = text.split('\n')[0] ?? '';
  return (
    <div>
      {i.outcomes.length === 0 ? null : (
        <div className="small">
          {i.outcomes.length} package(s){failedOutcomes.length === 0 ? '' : `, ${failedOutcomes.length} failed`}
          {i.exitCode === null ? '' : ` · exit code ${i.exitCode}`}
        </div>
      )}
      {text === '' ? null : text.includes('\n') || text.length > 120 ? (
        <details>
          <summary>{first.length > 120 ? `${first.slice(0, 120)}…` : first}</summary>
          <pre className="ops-output">{text}</pre>
        </details>
      ) : (
        <span className={i.status === 'Success' ? '' : 'ops-error-text'}>{text}</span>
      )}
    </div>
  );
}

export function formatSeconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600} hour${s === 3600 ? '' : 's'}`;
  if (s % 60 === 0) return `${s / 60} minute${s === 60 ? '' : 's'}`;
  return `${s} seconds`;
}
