import { Fragment, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, pathOf, type Res } from '../api/client';
import { ApprovalForm, ConfirmButton, EXECUTION_FINISHED, maxErrorsWords, ShortTime, useAccountName, type ExecutionDetail } from '../components/ops-common';
import { AccountSelect, Badge, Button, Card, DataTable, ErrorBox, Field, Loading, Notice, Page, PagedTable, Pager, Time, type Column } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

type ExecutionSummary = Res<'listExecutions'>['items'][number];
type Step = ExecutionDetail['steps'][number];
type Event = Res<'getExecutionTimeline'>['items'][number];

const PAGE = 25;
const STATUSES = ['Pending', 'Running', 'Paused', 'Waiting', 'Success', 'Failed', 'Cancelled'];

function sourceWords(s: ExecutionSummary['source']): string {
  return s.kind === 'user' ? 'started by hand' : s.kind === 'window' ? 'maintenance window' : 'patch policy';
}

/** Executions of runbooks in the accounts the user sees; filters and paging in the URL. */
export function ExecutionsPage() {
  useTitle('Executions');
  const session = useSession();
  const accountName = useAccountName();
  const [query, setQuery] = useQueryState();
  const accountId = query.get('accountId') ?? '';
  const status = query.get('status') ?? '';
  const sort = query.get('sort') ?? '-createdAt';
  const offset = Number(query.get('offset') ?? '0') || 0;
  const [live, setLive] = useState(false);
  const list = useApi<Res<'listExecutions'>>(pathOf('/api/v1/executions', {}, { accountId, status, sort, limit: PAGE, offset }), live ? { refreshMs: 3000 } : {});
  const anyRunning = list.data?.items.some((e) => !EXECUTION_FINISHED.includes(e.status)) ?? false;
  if (anyRunning !== live) setLive(anyRunning);

  const columns: Column<ExecutionSummary>[] = [
    { key: 'id', header: 'Execution', render: (e) => <Link to={`/executions/${encodeURIComponent(e.id)}`}>{e.id}</Link> },
    {
      key: 'runbook',
      header: 'Runbook',
      render: (e) => (
        <>
          {e.runbookName} <span className="muted">v{e.runbookVersion}</span>
        </>
      ),
    },
    { key: 'account', header: 'Account', render: (e) => accountName(e.accountId) },
    { key: 'status', header: 'Status', sort: 'status', render: (e) => <Badge value={e.status} /> },
    { key: 'step', header: 'Current step', render: (e) => e.currentStep ?? <span className="muted">—</span> },
    { key: 'by', header: 'Started by', render: (e) => (e.source.kind === 'user' ? e.createdBy : `${e.createdBy} (${sourceWords(e.source)})`) },
    { key: 'createdAt', header: 'Created', sort: 'createdAt', render: (e) => <Time value={e.createdAt} /> },
    { key: 'endedAt', header: 'Ended', render: (e) => <Time value={e.endedAt} /> },
  ];
  const canOperate = session.accountsWhere('operate').length > 0;
  return (
    <Page
      title="Executions"
      subtitle="Runbooks running on fleets: canary first, then waves, with checks and approvals."
      testId="executions-page"
      busy={list.loading}
      actions={
        canOperate ? (
          <Link className="button primary" to="/operations/new?kind=runbook">
            Run a runbook
          </Link>
        ) : undefined
      }
    >
      <div className="filters">
        <Field label="Account">
          {(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} onChange={(v) => setQuery({ accountId: v, offset: undefined })} allLabel="All accounts" />}
        </Field>
        <Field label="Status">
          {(id) => (
            <select id={id} value={status} onChange={(e) => setQuery({ status: e.target.value, offset: undefined })}>
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Card>
        <PagedTable
          state={list}
          errorTitle="The executions could not be loaded"
          loadingLabel="Loading executions…"
          caption="Executions"
          testId="executions-table"
          columns={columns}
          rowKey={(e) => e.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty={
            accountId !== '' || status !== '' ? (
              'No execution matches these filters. Clear them to see every execution.'
            ) : canOperate ? (
              <>
                No runbook has run yet. <Link to="/operations/new?kind=runbook">Run one</Link>, for example the built-in patch-fleet.
              </>
            ) : (
              'No runbook has run in your accounts yet.'
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

function waveWords(wave: number | null): string {
  return wave === null ? '—' : wave === 0 ? 'canary' : `wave ${wave}`;
}

const TIMELINE_PAGE = 100;

/** "3 s", "2 min 5 s", "1 h 4 min"; "running 12 s" while it has not ended. */
function durationWords(from: string, to: string | null): string {
  const seconds = Math.max(0, Math.round(((to === null ? Date.now() : Date.parse(to)) - Date.parse(from)) / 1000));
  const text = seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return to === null ? `running ${text}` : text;
}

/** One execution, live: status, plan, accounts, step runs, timeline; controls and approvals for those allowed. */
export function ExecutionPage() {
  const { executionId = '' } = useParams();
  useTitle(`Execution ${executionId}`);
  const session = useSession();
  const accountName = useAccountName();
  const [finished, setFinished] = useState(false);
  const live = finished ? {} : { refreshMs: 1000 };
  const execution = useApi<ExecutionDetail>(pathOf('/api/v1/executions/{executionId}', { executionId }), live);
  const [timelineOffset, setTimelineOffset] = useState(0);
  const [controlError, setControlError] = useState<unknown>(undefined);
  const timeline = useApi<Res<'getExecutionTimeline'>>(pathOf('/api/v1/executions/{executionId}/timeline', { executionId }, { limit: TIMELINE_PAGE, offset: timelineOffset }), live);
  const e = execution.data;
  const isFinished = e !== undefined && EXECUTION_FINISHED.includes(e.status);
  if (isFinished !== finished) setFinished(isFinished);
  const waitingStep = e?.steps.find((s) => s.kind === 'approve' && s.status === 'Waiting');
  const approvals = useApi<Res<'listApprovals'>>(waitingStep === undefined ? null : pathOf('/api/v1/approvals', {}, { limit: 500 }));

  if (e === undefined) {
    return (
      <Page title={`Execution ${executionId}`} testId="execution-page" busy>
        <ErrorBox error={execution.error} onRetry={execution.reload} title="The execution could not be loaded" />
        {execution.error === undefined ? <Loading label="Loading the execution…" /> : null}
      </Page>
    );
  }

  const canControl = session.can(e.accountId, 'operate') && !isFinished;
  const control = async (op: 'pause' | 'resume' | 'cancel') => {
    setControlError(undefined);
    await api.post(pathOf(`/api/v1/executions/{executionId}/${op}`, { executionId: e.id }));
    execution.reload();
    timeline.reload();
  };
  const mine = waitingStep === undefined ? undefined : approvals.data?.items.find((a) => a.stepRunId === waitingStep.id);

  const severalAccounts = e.accounts.length > 1;
  const retried = e.steps.some((s) => s.attempt > 1);
  const stepColumns: Column<Step>[] = [
    { key: 'step', header: 'Step', render: (s) => <strong>{s.stepName}</strong> },
    { key: 'kind', header: 'Kind', render: (s) => s.kind },
    { key: 'wave', header: 'Wave', render: (s) => waveWords(s.wave) },
    ...(severalAccounts ? [{ key: 'account', header: 'Account', render: (s: Step) => accountName(s.accountId) }] : []),
    { key: 'status', header: 'Status', render: (s) => <Badge value={s.status} /> },
    ...(retried ? [{ key: 'attempt', header: 'Try', className: 'num', render: (s: Step) => s.attempt }] : []),
    { key: 'command', header: 'Command', render: (s) => (s.commandId === null ? <span className="muted">—</span> : <Link to={`/commands/${encodeURIComponent(s.commandId)}`}>{s.commandId}</Link>) },
    { key: 'started', header: 'Started', render: (s) => <ShortTime value={s.startedAt} /> },
    { key: 'took', header: 'Took', render: (s) => (s.startedAt === null ? <span className="muted">—</span> : durationWords(s.startedAt, s.endedAt)) },
    { key: 'output', header: 'Output', className: 'ops-col-output', render: (s) => (s.output === '' ? <span className="muted">—</span> : <span className="ops-wrap">{s.output}</span>) },
  ];
  const eventColumns: Column<Event>[] = [
    { key: 'at', header: 'When', render: (ev) => <ShortTime value={ev.at} /> },
    { key: 'type', header: 'Event', render: (ev) => <code>{ev.type}</code> },
    { key: 'step', header: 'Step', render: (ev) => ev.stepName ?? <span className="muted">—</span> },
    { key: 'wave', header: 'Wave', render: (ev) => waveWords(ev.wave) },
    { key: 'account', header: 'Account', render: (ev) => (ev.accountId === null ? <span className="muted">—</span> : accountName(ev.accountId)) },
    { key: 'message', header: 'What happened', className: 'ops-col-output', render: (ev) => <span className="ops-wrap">{ev.message}</span> },
  ];
  const paramEntries = Object.entries(e.parameters);

  return (
    <Page
      title={`${e.runbookName} v${e.runbookVersion}`}
      subtitle={
        <>
          Execution {e.id} in {accountName(e.accountId)}, {e.source.kind === 'user' ? `started by ${e.createdBy}` : `started by a ${sourceWords(e.source)}`} <Time value={e.createdAt} />.
        </>
      }
      testId="execution-page"
      busy={!isFinished}
      actions={
        canControl ? (
          <>
            {e.status === 'Paused' ? (
              <Button kind="secondary" onClick={() => void control('resume').catch((err: unknown) => setControlError(err))}>
                Resume
              </Button>
            ) : (
              <Button kind="secondary" onClick={() => void control('pause').catch((err: unknown) => setControlError(err))}>
                Pause
              </Button>
            )}
            <ConfirmButton label="Cancel execution" question="Cancel the execution? Commands not yet delivered are cancelled." confirmLabel="Yes, cancel" onConfirm={() => control('cancel')} />
          </>
        ) : undefined
      }
    >
      <ErrorBox error={controlError} title="The execution could not be changed" />
      <ErrorBox error={execution.error} onRetry={execution.reload} title="The latest progress could not be loaded" />
      <div className="stats">
        <div className="stat">
          <div className="value" data-testid="execution-status">
            <Badge value={e.status} />
          </div>
          <div className="label">{isFinished ? `Ended ${e.endedAt === null ? '' : new Date(e.endedAt).toLocaleString()}` : 'Updating every second'}</div>
        </div>
        <div className="stat">
          <div className="value ops-stat-text" data-testid="execution-current-step">
            {e.currentStep ?? '—'}
          </div>
          <div className="label">Current step</div>
        </div>
        <div className="stat">
          <div className="value">{e.progress.nodes}</div>
          <div className="label">Nodes</div>
        </div>
        <div className="stat">
          <div className="value ops-stat-text">{e.progress.currentWave === null ? '—' : waveWords(e.progress.currentWave)}</div>
          <div className="label">Current wave · {e.progress.waves === 0 ? 'no wave after the canary' : `${e.progress.waves} wave(s) after the canary`}</div>
        </div>
      </div>
      {e.reason === null ? null : <Notice kind={e.status === 'Failed' ? 'warning' : 'info'}>{e.reason}</Notice>}
      {waitingStep === undefined ? null : (
        <Card title={`Waiting for approval: ${waitingStep.stepName}`} className="ops-approval" testId="approval-panel">
          {mine === undefined ? (
            approvals.loading && approvals.data === undefined ? (
              <Loading label="Checking whether you may decide…" />
            ) : (
              <p className="muted">This step waits for a decision from its approvers; you are not one of them.</p>
            )
          ) : (
            <>
              {mine.message === '' ? null : <p className="ops-approval-message">{mine.message}</p>}
              <p>
                {mine.approvals} of {mine.minApprovals} approval{mine.minApprovals === 1 ? '' : 's'} so far
                {mine.deadlineAt === null ? null : (
                  <>
                    {' '}
                    · decide before <Time value={mine.deadlineAt} />
                  </>
                )}
                .
              </p>
              <ApprovalForm
                executionId={e.id}
                onDone={() => {
                  execution.reload();
                  timeline.reload();
                  approvals.reload();
                }}
              />
            </>
          )}
        </Card>
      )}
      <div className="grid ops-grid">
        <Card title="Plan">
          <dl className="facts">
            <dt>Canary</dt>
            <dd>
              {e.progress.canaryNodes} node(s) ({e.waves.canary})
            </dd>
            <dt>Then</dt>
            <dd>
              {e.progress.waves} wave(s) of up to {e.progress.waveSize} node(s) ({e.waves.size}), {e.waves.bakeSeconds} s bake between waves
            </dd>
            <dt>Halt when</dt>
            <dd>
              more than {e.waves.maxFailedNodes} node(s) failed, or more than {e.waves.maxFailedChecks} check(s) failed
            </dd>
            <dt>Per account</dt>
            <dd>
              at most {e.maxConcurrency} node(s) at once; a step fails in an account after {maxErrorsWords(e.maxErrors)}; {e.accountMaxErrors === 0 ? 'the execution stops when an account fails' : `${e.accountMaxErrors} account(s) may fail`}
            </dd>
            {e.comment === '' ? null : (
              <>
                <dt>Comment</dt>
                <dd>{e.comment}</dd>
              </>
            )}
          </dl>
        </Card>
        <Card title="Parameters">
          {paramEntries.length === 0 ? (
            <p className="muted">This runbook takes no parameters.</p>
          ) : (
            <dl className="facts">
              {paramEntries.map(([k, v]) => (
                <Fragment key={k}>
                  <dt>{k}</dt>
                  <dd>
                    <code>{String(v) === '' ? '""' : String(v)}</code>
                  </dd>
                </Fragment>
              ))}
            </dl>
          )}
        </Card>
        <Card title="Accounts">
          <ul className="ops-accounts">
            {e.accounts.map((a) => (
              <li key={a.accountId}>
                <strong>{accountName(a.accountId)}</strong> <Badge value={a.status} tone={a.status === 'Active' ? 'info' : a.status === 'Done' ? 'good' : 'bad'} /> {a.nodeIds.length} node(s)
                {a.reason === null ? null : <div className="muted small">{a.reason}</div>}
              </li>
            ))}
          </ul>
        </Card>
      </div>
      <Card title={`Step runs (${e.steps.length})`}>
        <DataTable caption="Step runs" testId="steps-table" columns={stepColumns} rows={e.steps} rowKey={(s) => s.id} empty={isFinished ? 'No step ran.' : 'No step has started yet: the engine starts the execution within a second or two.'} />
      </Card>
      <Card title="Timeline">
        <ErrorBox error={timeline.error} onRetry={timeline.reload} title="The timeline could not be loaded" />
        {timeline.data === undefined ? (
          timeline.error === undefined ? <Loading label="Loading the timeline…" /> : null
        ) : (
          <>
            <DataTable caption="Timeline" testId="timeline-table" columns={eventColumns} rows={timeline.data.items} rowKey={(ev) => String(ev.seq)} empty="Nothing has happened yet." />
            <Pager total={timeline.data.total} limit={TIMELINE_PAGE} offset={timelineOffset} onChange={setTimelineOffset} />
          </>
        )}
      </Card>
    </Page>
  );
}
