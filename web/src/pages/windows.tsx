import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, pathOf, type Body, type Res } from '../api/client';
import { ConfirmButton, intOrUndefined, isoToLocal, localToIso, problemAt, useAction } from '../components/admin-ui';
import { AccountSelect, Badge, Button, Card, type Column, DataTable, EmptyState, ErrorBox, Field, Loading, Notice, Page, PagedTable, Pager, Time } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

type Window = Res<'getWindow'>;
type Task = Window['tasks'][number];
type Run = Res<'listWindowRuns'>['items'][number];
type Instance = Res<'getWindowSchedule'>['instances'][number];
type TaskInput = Body<'addWindowTask'>;
type WindowBody = Body<'createWindow'>;

const LIMIT = 25;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `2026-11-29T02:00:00+01:00` (a local time with its offset) as "Sun 2026-11-29 02:00 (+01:00)". */
function LocalTime(props: { value: string }) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(props.value);
  if (m === null) return <code>{props.value}</code>;
  const weekday = WEEKDAYS[new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay()];
  return (
    <time dateTime={props.value} title={props.value}>
      {weekday} {m[1]}-{m[2]}-{m[3]} {m[4]} <span className="muted">({m[5] === 'Z' ? 'UTC' : m[5]})</span>
    </time>
  );
}
const RUN_TONE: Record<string, 'good' | 'bad' | 'warn' | 'info' | 'muted' | undefined> = {
  PENDING: 'muted',
  STARTING: 'info',
  IN_PROGRESS: 'info',
  SUCCESS: 'good',
  FAILED: 'bad',
  TIMED_OUT: 'bad',
  CANCELLED: 'muted',
  SKIPPED: 'warn',
  SKIPPED_OVERLAPPING: 'warn',
};

/** Targets as the API holds them, read defensively (the window answer types them as unknown). */
interface TargetsShape {
  nodeIds?: string[];
  tags?: { key: string; values: string[] }[];
  resourceGroupIds?: string[];
  allNodes?: boolean;
}

function targetsOf(w: Window): TargetsShape {
  const t = w.targets.targets;
  return t !== null && typeof t === 'object' ? t : {};
}

/** Targets in words: "all nodes", "Env = prod or staging; role = web", "3 nodes", "2 resource groups". */
export function targetWords(t: TargetsShape): string {
  const parts: string[] = [];
  if (t.allNodes === true) parts.push('every node of the account');
  if (t.tags !== undefined && t.tags.length > 0) parts.push(`nodes tagged ${t.tags.map((f) => `${f.key} = ${f.values.join(' or ')}`).join(' and ')}`);
  if (t.nodeIds !== undefined && t.nodeIds.length > 0) parts.push(`${t.nodeIds.length} node${t.nodeIds.length === 1 ? '' : 's'} by id (${t.nodeIds.join(', ')})`);
  if (t.resourceGroupIds !== undefined && t.resourceGroupIds.length > 0) parts.push(`resource group${t.resourceGroupIds.length === 1 ? '' : 's'} ${t.resourceGroupIds.join(', ')}`);
  return parts.length === 0 ? 'no targets' : parts.join('; plus ');
}

function taskWhat(t: Task): string {
  if (t.kind === 'patch') return `${t.operation ?? '?'}${t.rebootOption === null ? '' : ` · reboot: ${t.rebootOption}`}`;
  const params = Object.entries(t.parameters);
  return `runbook ${t.runbook ?? '?'}${params.length === 0 ? '' : ` (${params.map(([k, v]) => `${k}=${String(v)}`).join(', ')})`}`;
}

function taskRate(t: { maxConcurrency: string | null; maxErrors: string | null }): string {
  const parts = [t.maxConcurrency === null ? null : `concurrency ${t.maxConcurrency}`, t.maxErrors === null ? null : `errors ${t.maxErrors}`].filter((p) => p !== null);
  return parts.length === 0 ? 'defaults' : parts.join(', ');
}

/** A window's task as the API takes it back (PUT replaces the window with its tasks). */
function taskInput(t: Task): TaskInput {
  return {
    name: t.name,
    priority: t.priority,
    kind: t.kind,
    ...(t.kind === 'runbook' ? { runbook: t.runbook ?? '', parameters: t.parameters } : { operation: t.operation ?? 'Scan', ...(t.rebootOption === null ? {} : { rebootOption: t.rebootOption }) }),
    ...(t.maxConcurrency === null ? {} : { maxConcurrency: t.maxConcurrency }),
    ...(t.maxErrors === null ? {} : { maxErrors: t.maxErrors }),
  };
}

/** Maintenance windows of the accounts the user sees. */
export function WindowsPage() {
  useTitle('Maintenance windows');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const accountId = query.get('accountId') ?? '';
  const sort = query.get('sort') ?? 'name';
  const offset = Number(query.get('offset') ?? 0);
  const list = useApi<Res<'listWindows'>>(pathOf('/api/v1/windows', {}, { accountId, sort, limit: LIMIT, offset }));
  const canCreate = session.accountsWhere('manage').length > 0;
  const accountName = (id: string) => session.accounts.find((a) => a.id === id)?.name ?? id;

  const columns: Column<Window>[] = [
    { key: 'name', header: 'Name', sort: 'name', render: (w) => <Link to={`/windows/${encodeURIComponent(w.id)}`}>{w.name}</Link> },
    { key: 'account', header: 'Account', render: (w) => accountName(w.accountId) },
    {
      key: 'schedule',
      header: 'Schedule',
      render: (w) => (
        <>
          <code>{w.schedule}</code>
          <div className="muted">{w.timezone}</div>
        </>
      ),
    },
    { key: 'length', header: 'Duration / cutoff', render: (w) => `${w.durationHours} h, tasks start until ${w.durationHours - w.cutoffHours} h in` },
    { key: 'next', header: 'Next start', render: (w) => (w.nextStart === null ? <span className="muted">none</span> : <Time value={w.nextStart} />) },
    { key: 'tasks', header: 'Tasks', className: 'num', render: (w) => w.tasks.length },
    { key: 'targets', header: 'Targets', render: (w) => targetWords(targetsOf(w)) },
    { key: 'enabled', header: 'State', render: (w) => (w.enabled ? <Badge value="enabled" tone="good" /> : <Badge value="disabled" tone="muted" />) },
  ];

  return (
    <Page
      title="Maintenance windows"
      subtitle="When work may start on an account's nodes, and what starts: a schedule in a time zone, a duration, a cutoff, targets and tasks."
      testId="windows-page"
      busy={list.loading}
      actions={
        canCreate ? (
          <Link className="button primary" to="/windows/new">
            New window
          </Link>
        ) : undefined
      }
    >
      <Card>
        <div className="filters">
          <Field label="Account">
            {(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} allLabel="All accounts" onChange={(v) => setQuery({ accountId: v, offset: undefined })} />}
          </Field>
        </div>
        <PagedTable
          state={list}
          errorTitle="The maintenance windows could not be loaded"
          caption="Maintenance windows"
          testId="windows-table"
          columns={columns}
          rowKey={(w) => w.id}
          sort={sort}
          onSort={(s) => setQuery({ sort: s, offset: undefined })}
          empty={
          canCreate
          ? 'No maintenance windows yet. Create one with “New window” to scan or patch on a schedule.'
          : 'No maintenance windows in your accounts. An account admin can create one.'
          }
          limit={LIMIT}
          offset={offset}
          onPage={(o) => setQuery({ offset: o })}
        />
      </Card>
    </Page>
  );
}

/** One window (or the form for a new one at /windows/new). */
export function WindowPage() {
  const { windowId = '' } = useParams();
  if (windowId === 'new') return <NewWindowPage />;
  return <WindowDetail key={windowId} windowId={windowId} />;
}

function NewWindowPage() {
  useTitle('New maintenance window');
  const session = useSession();
  const navigate = useNavigate();
  const accounts = session.accountsWhere('manage');
  if (accounts.length === 0) {
    return (
      <Page title="New maintenance window">
        <EmptyState title="You administer no account.">
          <p>Windows are created by an account's admins or an org-admin.</p>
        </EmptyState>
      </Page>
    );
  }
  return (
    <Page title="New maintenance window" subtitle="Add tasks once it is created." testId="window-new">
      <WindowForm accounts={accounts} onSaved={(w) => void navigate(`/windows/${encodeURIComponent(w.id)}`)} onCancel={() => void navigate('/windows')} />
    </Page>
  );
}

function WindowDetail(props: { windowId: string }) {
  const session = useSession();
  const navigate = useNavigate();
  const loaded = useApi<Window>(pathOf('/api/v1/windows/{windowId}', { windowId: props.windowId }));
  const schedule = useApi<Res<'getWindowSchedule'>>(pathOf('/api/v1/windows/{windowId}/schedule', { windowId: props.windowId }, { count: 10 }));
  const [runsOffset, setRunsOffset] = useState(0);
  const runs = useApi<Res<'listWindowRuns'>>(pathOf('/api/v1/windows/{windowId}/runs', { windowId: props.windowId }, { limit: 10, offset: runsOffset }), { refreshMs: 15_000 });
  const [editing, setEditing] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const change = useAction();
  const w = loaded.data;
  useTitle(w?.name ?? 'Maintenance window');

  if (w === undefined) {
    return (
      <Page title="Maintenance window" busy={loaded.loading}>
        <ErrorBox error={loaded.error} onRetry={loaded.reload} title="The window could not be loaded" />
        {loaded.error === undefined ? <Loading /> : null}
        <p>
          <Link to="/windows">All maintenance windows</Link>
        </p>
      </Page>
    );
  }
  const manage = session.can(w.accountId, 'manage');
  const accountName = session.accounts.find((a) => a.id === w.accountId)?.name ?? w.accountId;
  const changed = (message: string) => {
    setDone(message);
    loaded.reload();
    schedule.reload();
  };
  const t = targetsOf(w);

  const taskColumns: Column<Task>[] = [
    { key: 'priority', header: 'Priority', className: 'num', render: (x) => x.priority },
    { key: 'name', header: 'Name', render: (x) => x.name },
    { key: 'kind', header: 'Kind', render: (x) => x.kind },
    { key: 'what', header: 'What', render: taskWhat },
    { key: 'rate', header: 'Rate control', render: taskRate },
  ];
  if (manage) {
    taskColumns.push({
      key: 'actions',
      header: 'Actions',
      render: (x) => (
        <ConfirmButton
          label="Remove"
          ariaLabel={`Remove task ${x.name}`}
          question={`Remove the task ${x.name}?`}
          disabled={change.busy}
          onConfirm={async () => {
            const r = await change.run(() => api.delete<Window>(pathOf('/api/v1/windows/{windowId}/tasks/{taskId}', { windowId: w.id, taskId: x.id })));
            if (r !== undefined) changed(`The task ${x.name} was removed.`);
          }}
        />
      ),
    });
  }

  const instanceColumns: Column<Instance>[] = [
    { key: 'start', header: `Starts (${w.timezone})`, render: (i) => <LocalTime value={i.startLocal} /> },
    { key: 'cutoff', header: 'Last task start (cutoff)', render: (i) => <LocalTime value={i.cutoffLocal} /> },
    { key: 'end', header: 'Ends', render: (i) => <LocalTime value={i.endLocal} /> },
    { key: 'yours', header: 'Your time', render: (i) => <Time value={i.start} /> },
  ];

  const runColumns: Column<Run>[] = [
    { key: 'start', header: 'Scheduled start', render: (r) => <Time value={r.scheduledStart} /> },
    {
      key: 'status',
      header: 'Status',
      render: (r) => (
        <>
          <Badge value={r.status} tone={RUN_TONE[r.status] ?? 'muted'} />
          {r.reason === null ? null : <div className="muted">{r.reason}</div>}
        </>
      ),
    },
    {
      key: 'tasks',
      header: 'Tasks',
      render: (r) => (
        <ul className="admin-list">
          {r.tasks.map((x) => (
            <li key={x.id}>
              {x.name} <Badge value={x.status} tone={RUN_TONE[x.status] ?? 'muted'} />{' '}
              {x.executionId === null ? null : <Link to={`/executions/${encodeURIComponent(x.executionId)}`}>execution</Link>}
              {x.commandId === null ? null : <Link to={`/commands/${encodeURIComponent(x.commandId)}`}>command</Link>}
              {x.reason === null ? null : <span className="muted"> — {x.reason}</span>}
            </li>
          ))}
        </ul>
      ),
    },
    { key: 'ended', header: 'Ended', render: (r) => <Time value={r.endedAt} /> },
  ];

  return (
    <Page
      title={w.name}
      subtitle={
        <>
          Maintenance window of {accountName}. <Link to="/windows">All windows</Link>
        </>
      }
      testId="window-page"
      busy={loaded.loading}
      actions={
        manage ? (
          <>
            <Button kind="secondary" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
              {editing ? 'Close editor' : 'Edit window'}
            </Button>
            <ConfirmButton
              label="Delete window"
              question="Delete it with its tasks and run history?"
              disabled={change.busy}
              onConfirm={async () => {
                if (await change.ok(() => api.delete(pathOf('/api/v1/windows/{windowId}', { windowId: w.id })))) void navigate('/windows');
              }}
            />
          </>
        ) : undefined
      }
    >
      {done === null ? null : <Notice kind="success">{done}</Notice>}
      <ErrorBox error={change.error} title="The change was not made" />
      {editing ? (
        <WindowForm
          key={w.updatedAt}
          window={w}
          accounts={session.accounts.filter((a) => a.id === w.accountId)}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            changed('The window was saved.');
          }}
        />
      ) : null}
      <div className="grid admin-grid">
        <Card title="Schedule">
          <dl className="facts" data-testid="window-facts">
            <dt>Schedule</dt>
            <dd>
              <code>{w.schedule}</code> in {w.timezone}
            </dd>
            <dt>Duration</dt>
            <dd>
              {w.durationHours} h; no task starts in the last {w.cutoffHours} h
            </dd>
            <dt>Jitter</dt>
            <dd>{w.jitterSeconds === 0 ? 'none' : `tasks start up to ${w.jitterSeconds} s late, spread per task`}</dd>
            <dt>Between</dt>
            <dd>
              {w.startDate === null ? 'now' : <Time value={w.startDate} />} and {w.endDate === null ? 'no end' : <Time value={w.endDate} />}
            </dd>
            <dt>State</dt>
            <dd>{w.enabled ? <Badge value="enabled" tone="good" /> : <Badge value="disabled" tone="muted" />}</dd>
            <dt>Next start</dt>
            <dd>{w.nextStart === null ? 'none' : <Time value={w.nextStart} />}</dd>
          </dl>
          {w.description === '' ? null : <p>{w.description}</p>}
        </Card>
        <Card title="Targets">
          <p>{targetWords(t)}</p>
          {w.targets.accounts === undefined ? null : (
            <p>
              Runbook tasks also reach{' '}
              {w.targets.accounts.map((id) => session.accounts.find((a) => a.id === id)?.name ?? id).join(', ')} through their delegations (see{' '}
              <Link to="/admin/delegations">Delegations</Link>).
            </p>
          )}
        </Card>
      </div>
      <Card title="Tasks" testId="window-tasks">
        <p className="muted">Priority 0 starts first; tasks of the same priority start together, the next priority when they all ended.</p>
        <DataTable caption="Tasks" columns={taskColumns} rows={[...w.tasks].sort((a, b) => a.priority - b.priority)} rowKey={(x) => x.id} empty={manage ? 'No tasks: add one below, or the window starts nothing.' : 'No tasks: this window starts nothing.'} />
        {manage ? <AddTask window={w} onAdded={(name) => changed(`The task ${name} was added.`)} /> : null}
      </Card>
      <Card title="Upcoming" testId="window-upcoming">
        <ErrorBox error={schedule.error} onRetry={schedule.reload} title="The schedule could not be computed" />
        {schedule.data === undefined ? (
          schedule.error === undefined ? <Loading /> : null
        ) : (
          <DataTable
            caption="Next instances"
            columns={instanceColumns}
            rows={schedule.data.instances}
            rowKey={(i) => i.start}
            empty={w.enabled ? 'The schedule has no instances left (past its end date).' : 'The window is disabled: nothing is scheduled.'}
          />
        )}
      </Card>
      <Card title="Runs" testId="window-runs">
        <ErrorBox error={runs.error} onRetry={runs.reload} title="The runs could not be loaded" />
        {runs.data === undefined ? (
          runs.error === undefined ? <Loading /> : null
        ) : (
          <>
            <DataTable caption="Runs" columns={runColumns} rows={runs.data.items} rowKey={(r) => r.id} empty="No runs yet: the first one starts at the next instance." />
            <Pager total={runs.data.total} limit={10} offset={runsOffset} onChange={setRunsOffset} />
          </>
        )}
      </Card>
    </Page>
  );
}

/** `key=value1,value2` lines → tag filters. */
function parseTagFilters(text: string): { key: string; values: string[] }[] {
  const out: { key: string; values: string[] }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`"${line}" is not a tag filter: write key=value (several values: key=a,b; any value: key=*)`);
    out.push({
      key: line.slice(0, eq).trim(),
      values: line
        .slice(eq + 1)
        .split(',')
        .map((v) => v.trim()),
    });
  }
  return out;
}

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Create or replace a window: schedule, time zone, duration, cutoff, jitter, dates, targets. */
function WindowForm(props: { window?: Window; accounts: { id: string; name: string; isManagement: boolean }[]; onSaved: (w: Window) => void; onCancel: () => void }) {
  const session = useSession();
  const w = props.window;
  const t = w === undefined ? { allNodes: true } : targetsOf(w);
  const [accountId, setAccountId] = useState(w?.accountId ?? props.accounts[0]?.id ?? '');
  const [name, setName] = useState(w?.name ?? '');
  const [description, setDescription] = useState(w?.description ?? '');
  const [scheduleText, setSchedule] = useState(w?.schedule ?? 'cron(0 2 ? * SUN *)');
  const [timezone, setTimezone] = useState(w?.timezone ?? (Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'));
  const [duration, setDuration] = useState(String(w?.durationHours ?? 4));
  const [cutoff, setCutoff] = useState(String(w?.cutoffHours ?? 1));
  const [jitter, setJitter] = useState(String(w?.jitterSeconds ?? 0));
  const [startDate, setStartDate] = useState(isoToLocal(w?.startDate));
  const [endDate, setEndDate] = useState(isoToLocal(w?.endDate));
  const [enabled, setEnabled] = useState(w?.enabled ?? true);
  const [allNodes, setAllNodes] = useState(t.allNodes === true);
  const [tags, setTags] = useState((t.tags ?? []).map((f) => `${f.key}=${f.values.join(',')}`).join('\n'));
  const [nodeIds, setNodeIds] = useState((t.nodeIds ?? []).join(', '));
  const [groupIds, setGroupIds] = useState<string[]>(t.resourceGroupIds ?? []);
  const [otherAccounts, setOtherAccounts] = useState<string[]>(w?.targets.accounts ?? []);
  const [localError, setLocalError] = useState<string | undefined>(undefined);
  const save = useAction();
  const account = props.accounts.find((a) => a.id === accountId);
  const groups = useApi<Res<'listResourceGroups'>>(accountId === '' ? null : pathOf('/api/v1/accounts/{accountId}/resource-groups', { accountId }, { limit: 100 }));
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);

  const submit = () => {
    let tagFilters: { key: string; values: string[] }[];
    try {
      tagFilters = parseTagFilters(tags);
      setLocalError(undefined);
    } catch (err) {
      setLocalError(err instanceof Error ? err.message : String(err));
      return;
    }
    const ids = splitList(nodeIds);
    const targets = {
      ...(allNodes ? { allNodes: true } : {}),
      ...(tagFilters.length === 0 ? {} : { tags: tagFilters }),
      ...(ids.length === 0 ? {} : { nodeIds: ids }),
      ...(groupIds.length === 0 ? {} : { resourceGroupIds: groupIds }),
    };
    const start = localToIso(startDate);
    const end = localToIso(endDate);
    const body: WindowBody = {
      name: name.trim(),
      description: description.trim(),
      schedule: scheduleText.trim(),
      timezone: timezone.trim(),
      durationHours: intOrUndefined(duration) ?? Number.NaN,
      cutoffHours: intOrUndefined(cutoff) ?? 0,
      jitterSeconds: intOrUndefined(jitter) ?? 0,
      startDate: start ?? null,
      endDate: end ?? null,
      enabled,
      targets: { targets, ...(otherAccounts.length === 0 ? {} : { accounts: otherAccounts }) },
      tasks: w === undefined ? [] : w.tasks.map(taskInput),
    };
    void save
      .run(() =>
        w === undefined
          ? api.post<Window>(pathOf('/api/v1/accounts/{accountId}/windows', { accountId }), body)
          : api.put<Window>(pathOf('/api/v1/windows/{windowId}', { windowId: w.id }), body),
      )
      .then((saved) => {
        if (saved !== undefined) props.onSaved(saved);
      });
  };

  return (
    <Card title={w === undefined ? 'Window' : `Edit ${w.name}`} testId="window-form">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <ErrorBox error={save.error} title="The window was not saved" />
        <div className="form-row">
          {w === undefined ? (
            <Field label="Account">{(id) => <AccountSelect id={id} accounts={props.accounts} value={accountId} onChange={setAccountId} />}</Field>
          ) : null}
          <Field label="Name" hint="Letters, digits, spaces, “_”, “.” and “-”." error={problemAt(save.error, 'name')}>
            {(id) => <input id={id} value={name} required onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Description" error={problemAt(save.error, 'description')}>
            {(id) => <input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
        </div>
        <div className="form-row">
          <Field
            label="Schedule"
            hint={
              <>
                5-field cron <code>0 2 * * SUN</code>, SSM <code>cron(0 2 ? * SUN *)</code> or <code>rate(12 hours)</code>.
              </>
            }
            error={problemAt(save.error, 'schedule')}
          >
            {(id) => <input id={id} value={scheduleText} required className="mono" onChange={(e) => setSchedule(e.target.value)} />}
          </Field>
          <Field label="Time zone" hint="IANA name; the cron is read in this zone." error={problemAt(save.error, 'timezone')}>
            {(id) => (
              <>
                <input id={id} value={timezone} list={`${id}-zones`} required onChange={(e) => setTimezone(e.target.value)} />
                <datalist id={`${id}-zones`}>
                  {zones.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
        </div>
        <div className="form-row">
          <Field label="Duration (hours)" hint="1–24." error={problemAt(save.error, 'durationHours')}>
            {(id) => <input id={id} type="number" min={1} max={24} value={duration} required onChange={(e) => setDuration(e.target.value)} />}
          </Field>
          <Field label="Cutoff (hours)" hint="No task starts in the last N hours; less than the duration." error={problemAt(save.error, 'cutoffHours')}>
            {(id) => <input id={id} type="number" min={0} max={23} value={cutoff} onChange={(e) => setCutoff(e.target.value)} />}
          </Field>
          <Field label="Jitter (seconds)" hint="Spread task starts by up to this much (0–3600)." error={problemAt(save.error, 'jitterSeconds')}>
            {(id) => <input id={id} type="number" min={0} max={3600} value={jitter} onChange={(e) => setJitter(e.target.value)} />}
          </Field>
          <Field label="Start date" hint="Optional." error={problemAt(save.error, 'startDate')}>
            {(id) => <input id={id} type="datetime-local" value={startDate} onChange={(e) => setStartDate(e.target.value)} />}
          </Field>
          <Field label="End date" hint="Optional." error={problemAt(save.error, 'endDate')}>
            {(id) => <input id={id} type="datetime-local" value={endDate} onChange={(e) => setEndDate(e.target.value)} />}
          </Field>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled (runs start on schedule)
        </label>
        <fieldset className="admin-fieldset">
          <legend>Targets (nodes of the account the tasks run on; the union of what you give)</legend>
          {problemAt(save.error, 'targets') === undefined && localError === undefined ? null : <div className="field-error">{localError ?? problemAt(save.error, 'targets')}</div>}
          <label className="checkbox">
            <input type="checkbox" checked={allNodes} onChange={(e) => setAllNodes(e.target.checked)} /> Every node of the account
          </label>
          <div className="form-row">
            <Field label="Tag filters" hint="key=value per line, several values key=a,b, any value key=*. Lines are AND-ed.">
              {(id) => <textarea id={id} rows={3} value={tags} placeholder="Env=prod" onChange={(e) => setTags(e.target.value)} />}
            </Field>
            <Field label="Node ids" hint="Comma-separated, optional.">
              {(id) => <textarea id={id} rows={3} value={nodeIds} onChange={(e) => setNodeIds(e.target.value)} />}
            </Field>
            <div className="field">
              <span className="field-label">Resource groups</span>
              {groups.data === undefined || groups.data.items.length === 0 ? (
                <span className="muted">{groups.loading ? 'Loading…' : 'None in this account.'}</span>
              ) : (
                groups.data.items.map((g) => (
                  <label key={g.id} className="checkbox">
                    <input type="checkbox" checked={groupIds.includes(g.id)} onChange={(e) => setGroupIds((gs) => (e.target.checked ? [...gs, g.id] : gs.filter((x) => x !== g.id)))} /> {g.name}
                  </label>
                ))
              )}
            </div>
          </div>
          {account?.isManagement === true ? (
            <div className="field">
              <span className="field-label">Other accounts (runbook tasks only, through their delegations)</span>
              <div className="checkbox-row">
                {session.accounts
                  .filter((a) => a.id !== accountId)
                  .map((a) => (
                    <label key={a.id} className="checkbox inline-checkbox">
                      <input type="checkbox" checked={otherAccounts.includes(a.id)} onChange={(e) => setOtherAccounts((xs) => (e.target.checked ? [...xs, a.id] : xs.filter((x) => x !== a.id)))} /> {a.name}
                    </label>
                  ))}
              </div>
            </div>
          ) : null}
        </fieldset>
        <div className="admin-actions">
          <Button type="submit" disabled={save.busy || accountId === ''}>
            {save.busy ? 'Saving…' : w === undefined ? 'Create window' : 'Save window'}
          </Button>
          <Button kind="secondary" onClick={props.onCancel}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** Adds a task: a patch operation (Scan/Install) or a runbook with parameters. */
function AddTask(props: { window: Window; onAdded: (name: string) => void }) {
  const [kind, setKind] = useState<'patch' | 'runbook'>('patch');
  const [name, setName] = useState('');
  const [priority, setPriority] = useState(String(props.window.tasks.length === 0 ? 0 : Math.max(...props.window.tasks.map((t) => t.priority)) + 1));
  const [operation, setOperation] = useState<'Scan' | 'Install'>('Scan');
  const [reboot, setReboot] = useState<'' | 'RebootIfNeeded' | 'NoReboot' | 'Always'>('');
  const [runbook, setRunbook] = useState('patch-fleet');
  const [params, setParams] = useState('');
  const [concurrency, setConcurrency] = useState('');
  const [errors, setErrors] = useState('');
  const [localError, setLocalError] = useState<string | undefined>(undefined);
  const save = useAction();
  const runbooks = useApi<Res<'listRunbooks'>>(kind === 'runbook' ? pathOf('/api/v1/runbooks', {}, { limit: 200 }) : null);

  return (
    <form
      className="add-task"
      aria-label="Add a task"
      onSubmit={(e) => {
        e.preventDefault();
        const parameters: Record<string, string | number | boolean> = {};
        for (const raw of params.split('\n')) {
          const line = raw.trim();
          if (line === '') continue;
          const eq = line.indexOf('=');
          if (eq <= 0) {
            setLocalError(`"${line}" is not a parameter: write name=value, one per line`);
            return;
          }
          const value = line.slice(eq + 1).trim();
          parameters[line.slice(0, eq).trim()] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value === 'true' ? true : value === 'false' ? false : value;
        }
        setLocalError(undefined);
        const body: TaskInput = {
          kind,
          priority: intOrUndefined(priority) ?? 0,
          ...(name.trim() === '' ? {} : { name: name.trim() }),
          ...(kind === 'patch'
            ? { operation, ...(reboot === '' ? {} : { rebootOption: reboot }) }
            : { runbook: runbook.trim(), ...(Object.keys(parameters).length === 0 ? {} : { parameters }) }),
          ...(concurrency.trim() === '' ? {} : { maxConcurrency: concurrency.trim() }),
          ...(errors.trim() === '' ? {} : { maxErrors: errors.trim() }),
        };
        void save.run(() => api.post<Window>(pathOf('/api/v1/windows/{windowId}/tasks', { windowId: props.window.id }), body)).then((w) => {
          if (w === undefined) return;
          setName('');
          props.onAdded(w.tasks.find((t) => !props.window.tasks.some((o) => o.id === t.id))?.name ?? 'new task');
        });
      }}
    >
      <h3>Add a task</h3>
      <ErrorBox error={save.error} title="The task was not added" />
      <div className="form-row">
        <Field label="Task kind">
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.target.value as 'patch' | 'runbook')}>
              <option value="patch">Patch operation (Scan or Install)</option>
              <option value="runbook">Runbook</option>
            </select>
          )}
        </Field>
        <Field label="Task name" hint="Optional; unique in the window." error={problemAt(save.error, 'name')}>
          {(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Priority" hint="0 runs first." error={problemAt(save.error, 'priority')}>
          {(id) => <input id={id} type="number" min={0} max={100} value={priority} onChange={(e) => setPriority(e.target.value)} />}
        </Field>
        {kind === 'patch' ? (
          <>
            <Field label="Operation" error={problemAt(save.error, 'operation')}>
              {(id) => (
                <select id={id} value={operation} onChange={(e) => setOperation(e.target.value as 'Scan' | 'Install')}>
                  <option value="Scan">Scan</option>
                  <option value="Install">Install</option>
                </select>
              )}
            </Field>
            <Field label="Reboot" error={problemAt(save.error, 'rebootOption')}>
              {(id) => (
                <select id={id} value={reboot} onChange={(e) => setReboot(e.target.value as typeof reboot)}>
                  <option value="">Default (reboot if needed)</option>
                  <option value="RebootIfNeeded">Reboot if needed</option>
                  <option value="NoReboot">Never reboot</option>
                  <option value="Always">Always reboot</option>
                </select>
              )}
            </Field>
          </>
        ) : (
          <>
            <Field label="Runbook" hint="Id or name." error={problemAt(save.error, 'runbook')}>
              {(id) => (
                <>
                  <input id={id} value={runbook} list={`${id}-runbooks`} onChange={(e) => setRunbook(e.target.value)} />
                  <datalist id={`${id}-runbooks`}>
                    {(runbooks.data?.items ?? []).map((r) => (
                      <option key={r.id} value={r.name} />
                    ))}
                  </datalist>
                </>
              )}
            </Field>
            <Field label="Parameters" hint="name=value per line." error={localError ?? problemAt(save.error, 'parameters')}>
              {(id) => <textarea id={id} rows={2} value={params} placeholder="bakeSeconds=600" onChange={(e) => setParams(e.target.value)} />}
            </Field>
          </>
        )}
        <Field label="Max concurrency" hint="Nodes at once: 10 or 25%." error={problemAt(save.error, 'maxConcurrency')}>
          {(id) => <input id={id} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />}
        </Field>
        <Field label="Max errors" hint="Stop after: 1 or 10%." error={problemAt(save.error, 'maxErrors')}>
          {(id) => <input id={id} value={errors} onChange={(e) => setErrors(e.target.value)} />}
        </Field>
      </div>
      <Button type="submit" disabled={save.busy}>
        {save.busy ? 'Adding…' : 'Add task'}
      </Button>
    </form>
  );
}
