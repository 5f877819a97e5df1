import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, pathOf, type Body, type Res } from '../api/client';
import { describeTargets, type Targets } from '../components/ops-common';
import { AccountSelect, Button, Card, EmptyState, ErrorBox, Field, Loading, Notice, Page } from '../components/ui';
import { useApi, useTitle } from '../hooks';
import { useSession } from '../session';

type Kind = 'scan' | 'install' | 'runbook';
type TargetKind = 'nodes' | 'tags' | 'groups' | 'all';
interface PickedNode {
  id: string;
  hostname: string;
}
interface TagRow {
  key: string;
  values: string;
}
type RunbookDetail = Res<'getRunbook'>;
interface RunbookParam {
  name: string;
  type: 'string' | 'number' | 'boolean';
  description: string;
  default?: string | number | boolean;
  allowed?: (string | number)[];
}

const RATE = /^\s*\d+\s*%?\s*$/;

/** Checks a rate limit as the server does: a whole number (at least `min`) or a percentage. */
function rateProblem(value: string, min: number, field: string): string | undefined {
  if (value.trim() === '') return undefined;
  if (!RATE.test(value) || Number(value.replace('%', '')) < min) return `${field} is a whole number of nodes${min > 0 ? ` (at least ${min})` : ''} such as 10, or a percentage of the targets such as 25%.`;
  return undefined;
}

function rateWords(value: string, fallback: string, what: 'concurrency' | 'errors'): string {
  const v = value.trim() === '' ? fallback : value.trim();
  if (what === 'concurrency') return v.endsWith('%') ? `At most ${v} of the nodes at once` : `At most ${v} node${v === '1' ? '' : 's'} at once`;
  if (v === '0' || v === '0%') return 'stops starting more nodes at the first failure';
  return v.endsWith('%') ? `stops starting more nodes once more than ${v} of them failed` : `stops starting more nodes once more than ${v} failed`;
}

function paramsOf(detail: RunbookDetail | undefined): RunbookParam[] {
  if (detail === undefined) return [];
  return detail.runbook.parameters.map((p) => {
    const type = p.type === 'number' || p.type === 'boolean' ? p.type : 'string';
    const out: RunbookParam = { name: String(p.name), type, description: typeof p.description === 'string' ? p.description : '' };
    if (typeof p.default === 'string' || typeof p.default === 'number' || typeof p.default === 'boolean') out.default = p.default;
    if (Array.isArray(p.allowed)) out.allowed = p.allowed.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
    return out;
  });
}

/**
 * Send a Scan or an Install to nodes of one account, or start an execution of a runbook: account,
 * targets, rate control, reboot and baseline options, with a summary in words before sending.
 * `?nodeIds=a,b`, `?accountId=` and `?kind=runbook` preset the form.
 */
export function NewOperationPage() {
  useTitle('Run scan or install');
  const session = useSession();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const operable = session.accountsWhere('operate');
  const presetNodeIds = useMemo(
    () =>
      (search.get('nodeIds') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    [search],
  );
  const presetAccount = search.get('accountId') ?? '';
  const presetKind = search.get('kind');

  const [kind, setKind] = useState<Kind>(presetKind === 'install' ? 'install' : presetKind === 'runbook' ? 'runbook' : 'scan');
  const [accountId, setAccountId] = useState(operable.some((a) => a.id === presetAccount) ? presetAccount : (operable[0]?.id ?? ''));
  const [targetKind, setTargetKind] = useState<TargetKind>('nodes');
  const [picked, setPicked] = useState<PickedNode[]>([]);
  const [nodeQuery, setNodeQuery] = useState('');
  const [tagRows, setTagRows] = useState<TagRow[]>([{ key: '', values: '' }]);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [maxConcurrency, setMaxConcurrency] = useState('');
  const [maxErrors, setMaxErrors] = useState('');
  const [rebootOption, setRebootOption] = useState<'RebootIfNeeded' | 'NoReboot'>('RebootIfNeeded');
  const [baselineId, setBaselineId] = useState('');
  const [snapshotId, setSnapshotId] = useState('');
  const [comment, setComment] = useState('');
  const [runbookId, setRunbookId] = useState(search.get('runbook') ?? '');
  const [paramValues, setParamValues] = useState<Record<string, string>>({});
  const [canary, setCanary] = useState('');
  const [waveSize, setWaveSize] = useState('');
  const [bakeSeconds, setBakeSeconds] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [presetError, setPresetError] = useState<unknown>(undefined);

  // Nodes given in the address: look them up (hostname, account).
  useEffect(() => {
    if (presetNodeIds.length === 0) return;
    let live = true;
    Promise.all(presetNodeIds.slice(0, 200).map((id) => api.get<Res<'getNode'>>(pathOf('/api/v1/nodes/{nodeId}', { nodeId: id })))).then(
      (nodes) => {
        if (!live) return;
        const first = nodes[0];
        if (first !== undefined && presetAccount === '') setAccountId(first.accountId);
        const account = presetAccount !== '' ? presetAccount : first?.accountId;
        setPicked(nodes.filter((n) => n.accountId === account).map((n) => ({ id: n.id, hostname: n.hostname })));
      },
      (err: unknown) => {
        if (live) setPresetError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [presetNodeIds, presetAccount]);

  const nodeSearch = useApi<Res<'listNodes'>>(
    accountId === '' || targetKind !== 'nodes' ? null : pathOf('/api/v1/nodes', {}, { accountId, q: nodeQuery.trim(), limit: 8, sort: 'hostname' }),
  );
  const groups = useApi<Res<'listResourceGroups'>>(accountId === '' || targetKind !== 'groups' ? null : pathOf('/api/v1/accounts/{accountId}/resource-groups', { accountId }, { limit: 100 }));
  const baselines = useApi<Res<'listBaselines'>>(accountId === '' || kind === 'runbook' ? null : pathOf('/api/v1/baselines', {}, { accountId, limit: 200 }));
  const snapshots = useApi<Res<'listSnapshots'>>(accountId === '' || kind !== 'install' ? null : pathOf('/api/v1/snapshots', {}, { accountId, limit: 50 }));
  const runbooks = useApi<Res<'listRunbooks'>>(accountId === '' || kind !== 'runbook' ? null : pathOf('/api/v1/runbooks', {}, { accountId, limit: 200 }));
  const runbook = useApi<RunbookDetail>(kind !== 'runbook' || runbookId === '' ? null : pathOf('/api/v1/runbooks/{runbookId}', { runbookId }));
  const params = paramsOf(runbook.data);

  // The targets as the API takes them (null: not complete yet, with the reason).
  const tagFilters = tagRows
    .filter((r) => r.key.trim() !== '')
    .map((r) => ({
      key: r.key.trim(),
      values: r.values
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    }));
  let targets: Targets | null = null;
  let targetProblem: string | undefined;
  if (targetKind === 'nodes') {
    if (picked.length === 0) targetProblem = 'Choose at least one node.';
    else targets = { nodeIds: picked.map((n) => n.id) };
  } else if (targetKind === 'tags') {
    if (tagFilters.length === 0) targetProblem = 'Give at least one tag filter (a key and its values).';
    else if (tagFilters.some((f) => f.values.length === 0)) targetProblem = 'Every tag filter needs at least one value (or * for any value).';
    else targets = { tags: tagFilters };
  } else if (targetKind === 'groups') {
    if (groupIds.length === 0) targetProblem = 'Choose at least one resource group.';
    else targets = { resourceGroupIds: groupIds };
  } else targets = { allNodes: true };

  // How many nodes the targets match now, when one list call can tell.
  const countPath =
    accountId === '' || targets === null
      ? null
      : targetKind === 'all'
        ? pathOf('/api/v1/nodes', {}, { accountId, limit: 1 })
        : targetKind === 'tags' && tagFilters.every((f) => f.values.length === 1 && f.values[0] !== '*')
          ? pathOf('/api/v1/nodes', {}, { accountId, limit: 1, tag: tagFilters.map((f) => `${f.key}=${f.values[0] ?? ''}`) })
          : targetKind === 'groups' && groupIds.length === 1
            ? pathOf('/api/v1/accounts/{accountId}/resource-groups/{groupId}/nodes', { accountId, groupId: groupIds[0] ?? '' }, { limit: 1 })
            : null;
  const count = useApi<{ total: number }>(countPath);
  const nodeCount = targets === null ? null : targetKind === 'nodes' ? picked.length : countPath === null ? null : (count.data?.total ?? null);

  const groupName = (id: string) => groups.data?.items.find((g) => g.id === id)?.name ?? id;
  const concurrencyProblem = rateProblem(maxConcurrency, 1, 'At most at once');
  const errorsProblem = rateProblem(maxErrors, 0, 'Stop after');
  const missingParams = kind === 'runbook' ? params.filter((p) => p.default === undefined && (paramValues[p.name] ?? '').trim() === '') : [];
  const numberProblems = params.filter((p) => p.type === 'number' && (paramValues[p.name] ?? '').trim() !== '' && !Number.isFinite(Number(paramValues[p.name])));
  const waveProblems = [rateProblem(canary, 0, 'Canary'), rateProblem(waveSize, 1, 'Wave size'), bakeSeconds.trim() !== '' && !/^\d+$/.test(bakeSeconds.trim()) ? 'Bake is a whole number of seconds.' : undefined].filter(
    (p): p is string => p !== undefined,
  );
  const problems = [
    accountId === '' ? 'Choose an account.' : undefined,
    targetProblem,
    concurrencyProblem,
    errorsProblem,
    kind === 'runbook' && runbookId === '' ? 'Choose a runbook.' : undefined,
    ...missingParams.map((p) => `Give a value for the parameter ${p.name} (it has no default).`),
    ...numberProblems.map((p) => `The parameter ${p.name} is a number.`),
    ...(kind === 'runbook' ? waveProblems : []),
  ].filter((p): p is string => p !== undefined);

  if (operable.length === 0) {
    return (
      <Page title="Run scan or install" testId="new-operation-page">
        <Card>
          <EmptyState title="You cannot run operations">
            <p>Your role lets you read your accounts, not send scans, installs or runbooks. Ask an administrator of the account for the operator role.</p>
            <p>
              You can follow what others run in <Link to="/commands">Commands</Link> and <Link to="/executions">Executions</Link>.
            </p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  function changeAccount(id: string) {
    setAccountId(id);
    setPicked([]);
    setGroupIds([]);
    setBaselineId('');
    setSnapshotId('');
    setRunbookId('');
    setParamValues({});
  }

  async function send(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    setError(undefined);
    if (problems.length > 0 || targets === null) return;
    setSending(true);
    try {
      if (kind === 'runbook') {
        const parameters: Record<string, string | number | boolean> = {};
        for (const p of params) {
          const raw = (paramValues[p.name] ?? '').trim();
          if (raw === '') continue;
          parameters[p.name] = p.type === 'number' ? Number(raw) : p.type === 'boolean' ? raw === 'true' : raw;
        }
        const waves: NonNullable<Body<'startExecution'>['waves']> = {};
        if (canary.trim() !== '') waves.canary = canary.trim();
        if (waveSize.trim() !== '') waves.size = waveSize.trim();
        if (bakeSeconds.trim() !== '') waves.bakeSeconds = Number(bakeSeconds.trim());
        const body: Body<'startExecution'> = {
          runbook: runbookId,
          targets,
          parameters,
          ...(maxConcurrency.trim() === '' ? {} : { maxConcurrency: maxConcurrency.trim() }),
          ...(maxErrors.trim() === '' ? {} : { maxErrors: maxErrors.trim() }),
          ...(Object.keys(waves).length === 0 ? {} : { waves }),
          ...(comment.trim() === '' ? {} : { comment: comment.trim() }),
        };
        const started = await api.post<Res<'startExecution'>>(pathOf('/api/v1/accounts/{accountId}/executions', { accountId }), body);
        void navigate(`/executions/${encodeURIComponent(started.id)}`);
      } else {
        const body: Body<'sendCommand'> = {
          document: kind === 'scan' ? 'Scan' : 'Install',
          targets,
          parameters: {
            ...(kind === 'install' ? { rebootOption } : {}),
            ...(baselineId === '' ? {} : { baselineId }),
            ...(kind === 'install' && snapshotId !== '' ? { snapshotId } : {}),
          },
          ...(maxConcurrency.trim() === '' ? {} : { maxConcurrency: maxConcurrency.trim() }),
          ...(maxErrors.trim() === '' ? {} : { maxErrors: maxErrors.trim() }),
          ...(comment.trim() === '' ? {} : { comment: comment.trim() }),
        };
        const sent = await api.post<Res<'sendCommand'>>(pathOf('/api/v1/accounts/{accountId}/commands', { accountId }), body);
        void navigate(`/commands/${encodeURIComponent(sent.id)}`);
      }
    } catch (err) {
      setError(err);
      setSending(false);
    }
  }

  const accountName = operable.find((a) => a.id === accountId)?.name ?? accountId;
  const defaults = kind === 'runbook' ? { concurrency: '10', errors: '0' } : { concurrency: '50', errors: '0' };
  const targetWords =
    targets === null
      ? 'the nodes you choose'
      : targetKind === 'nodes'
        ? picked.length <= 3
          ? picked.map((n) => n.hostname).join(', ')
          : `${picked.length} chosen nodes`
        : describeTargets(targets, groupName);
  const countWords = nodeCount === null ? (targets === null ? '' : ' (the nodes are matched when it is sent)') : ` — ${nodeCount} node${nodeCount === 1 ? '' : 's'} now`;
  const baselineName = baselines.data?.items.find((b) => b.id === baselineId)?.name;
  const selectedRunbook = runbook.data;
  const steps = selectedRunbook?.runbook.steps ?? [];

  return (
    <Page
      title={kind === 'runbook' ? 'Run a runbook' : 'Run scan or install'}
      subtitle="Choose what to run, on which nodes and how fast. Nothing is sent until you press the button under the summary."
      testId="new-operation-page"
    >
      <ErrorBox error={presetError} title="The nodes in the address could not be loaded" />
      <form className="ops-form-layout" onSubmit={(e) => void send(e)} aria-label="New operation" noValidate>
        <div>
          <Card title="What to run">
            <fieldset className="ops-choice">
              <legend className="visually-hidden">Operation</legend>
              <label className="ops-option">
                <input type="radio" name="kind" value="scan" checked={kind === 'scan'} onChange={() => setKind('scan')} />
                <span>
                  <strong>Scan</strong>
                  <span className="muted">Read what each node has installed and which approved updates it misses. Changes nothing on the nodes.</span>
                </span>
              </label>
              <label className="ops-option">
                <input type="radio" name="kind" value="install" checked={kind === 'install'} onChange={() => setKind('install')} />
                <span>
                  <strong>Install</strong>
                  <span className="muted">Install the approved updates each node misses (its baseline, or a snapshot), then scan again.</span>
                </span>
              </label>
              <label className="ops-option">
                <input type="radio" name="kind" value="runbook" checked={kind === 'runbook'} onChange={() => setKind('runbook')} />
                <span>
                  <strong>Runbook</strong>
                  <span className="muted">Run a runbook: canary first, then waves, with checks and approvals.</span>
                </span>
              </label>
            </fieldset>
            <Field label="Account" hint={operable.length < session.accounts.length ? 'Only the accounts where you may run operations are listed.' : undefined}>
              {(id) => <AccountSelect id={id} accounts={operable} value={accountId} onChange={changeAccount} />}
            </Field>
          </Card>

          {kind === 'runbook' ? (
            <Card title="Runbook">
              <ErrorBox error={runbooks.error} onRetry={runbooks.reload} title="The runbooks could not be loaded" />
              <Field label="Runbook" hint={selectedRunbook === undefined ? 'The built-in patch-fleet and the runbooks of the account.' : selectedRunbook.description || undefined}>
                {(id) => (
                  <select
                    id={id}
                    value={runbookId}
                    onChange={(e) => {
                      setRunbookId(e.target.value);
                      setParamValues({});
                    }}
                  >
                    <option value="">Choose a runbook…</option>
                    {(runbooks.data?.items ?? []).map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.name} (v{r.latestVersion}, {r.stepCount} step{r.stepCount === 1 ? '' : 's'}
                        {r.builtin ? ', built-in' : ''})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <ErrorBox error={runbook.error} onRetry={runbook.reload} title="The runbook could not be loaded" />
              {params.length === 0 ? null : (
                <div className="form-row">
                  {params.map((p) => (
                    <Field
                      key={p.name}
                      label={`${p.name}${p.default === undefined ? ' (required)' : ''}`}
                      hint={[p.description, p.default === undefined ? '' : `Default: ${String(p.default) === '' ? 'empty' : String(p.default)}.`].filter((s) => s !== '').join(' ')}
                      error={submitted && missingParams.includes(p) ? 'Required: this parameter has no default.' : undefined}
                    >
                      {(id) =>
                        p.type === 'boolean' || p.allowed !== undefined ? (
                          <select id={id} value={paramValues[p.name] ?? ''} onChange={(e) => setParamValues({ ...paramValues, [p.name]: e.target.value })}>
                            <option value="">{p.default === undefined ? 'Choose…' : `Default (${String(p.default)})`}</option>
                            {(p.type === 'boolean' ? ['true', 'false'] : (p.allowed ?? []).map(String)).map((v) => (
                              <option key={v} value={v}>
                                {v}
                              </option>
                            ))}
                          </select>
                        ) : (
                          <input
                            id={id}
                            inputMode={p.type === 'number' ? 'decimal' : undefined}
                            value={paramValues[p.name] ?? ''}
                            placeholder={p.default === undefined ? '' : String(p.default)}
                            onChange={(e) => setParamValues({ ...paramValues, [p.name]: e.target.value })}
                          />
                        )
                      }
                    </Field>
                  ))}
                </div>
              )}
              {selectedRunbook === undefined ? null : (
                <div className="form-row">
                  <Field label="Canary" hint={`Nodes first: a count or a %. Runbook default: ${selectedRunbook.runbook.waves.canary}.`} error={submitted ? rateProblem(canary, 0, 'Canary') : undefined}>
                    {(id) => <input id={id} value={canary} placeholder={selectedRunbook.runbook.waves.canary} onChange={(e) => setCanary(e.target.value)} />}
                  </Field>
                  <Field label="Wave size" hint={`The rest, in waves of this many (or %). Default: ${selectedRunbook.runbook.waves.size}.`} error={submitted ? rateProblem(waveSize, 1, 'Wave size') : undefined}>
                    {(id) => <input id={id} value={waveSize} placeholder={selectedRunbook.runbook.waves.size} onChange={(e) => setWaveSize(e.target.value)} />}
                  </Field>
                  <Field label="Bake (seconds)" hint={`Wait between waves. Default: ${selectedRunbook.runbook.waves.bakeSeconds}.`}>
                    {(id) => <input id={id} value={bakeSeconds} inputMode="numeric" placeholder={String(selectedRunbook.runbook.waves.bakeSeconds)} onChange={(e) => setBakeSeconds(e.target.value)} />}
                  </Field>
                </div>
              )}
            </Card>
          ) : null}

          <Card title="Targets">
            <fieldset className="ops-choice ops-choice-inline">
              <legend>Which nodes</legend>
              {(
                [
                  ['nodes', 'Chosen nodes'],
                  ['tags', 'Nodes with tags'],
                  ['groups', 'Resource groups'],
                  ['all', 'Every node of the account'],
                ] as const
              ).map(([value, label]) => (
                <label key={value} className="checkbox">
                  <input type="radio" name="targetKind" value={value} checked={targetKind === value} onChange={() => setTargetKind(value)} />
                  {label}
                </label>
              ))}
            </fieldset>
            {targetKind === 'nodes' ? (
              <div className="ops-node-picker">
                {picked.length === 0 ? (
                  <p className="muted">No node chosen yet: search below and tick the nodes.</p>
                ) : (
                  <ul className="ops-chips" aria-label="Chosen nodes">
                    {picked.map((n) => (
                      <li key={n.id}>
                        {n.hostname}
                        <button type="button" aria-label={`Remove ${n.hostname}`} onClick={() => setPicked(picked.filter((p) => p.id !== n.id))}>
                          ×
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
                <Field label="Find nodes" hint="Hostname or node id; tick a node to add it.">
                  {(id) => <input id={id} type="search" value={nodeQuery} onChange={(e) => setNodeQuery(e.target.value)} placeholder="web-01" />}
                </Field>
                <ErrorBox error={nodeSearch.error} onRetry={nodeSearch.reload} title="The nodes could not be loaded" />
                {nodeSearch.data === undefined ? (
                  nodeSearch.error === undefined ? <Loading label="Loading nodes…" /> : null
                ) : nodeSearch.data.items.length === 0 ? (
                  <p className="muted">
                    {nodeQuery.trim() === '' ? (
                      <>
                        This account has no registered node yet. <Link to="/admin/activations">Enroll nodes</Link> first.
                      </>
                    ) : (
                      'No node of this account matches.'
                    )}
                  </p>
                ) : (
                  <ul className="ops-node-results" aria-label="Matching nodes">
                    {nodeSearch.data.items.map((n) => {
                      const checked = picked.some((p) => p.id === n.id);
                      return (
                        <li key={n.id}>
                          <label className="checkbox">
                            <input
                              type="checkbox"
                              checked={checked}
                              onChange={() => setPicked(checked ? picked.filter((p) => p.id !== n.id) : [...picked, { id: n.id, hostname: n.hostname }])}
                            />
                            <span>{n.hostname}</span>
                            <span className="muted small">
                              {n.osId} {n.osVersion} · {n.pingStatus} · {n.id}
                            </span>
                          </label>
                        </li>
                      );
                    })}
                    {nodeSearch.data.total > nodeSearch.data.items.length ? (
                      <li className="muted small">{nodeSearch.data.total - nodeSearch.data.items.length} more: narrow the search.</li>
                    ) : null}
                  </ul>
                )}
              </div>
            ) : null}
            {targetKind === 'tags' ? (
              <div>
                <p className="muted">A node matches when it has every filter&apos;s tag with one of its values (comma-separated; * means any value).</p>
                {tagRows.map((row, i) => (
                  <div className="form-row ops-tag-row" key={i}>
                    <Field label={`Tag key ${i + 1}`}>
                      {(id) => <input id={id} value={row.key} placeholder="Env" onChange={(e) => setTagRows(tagRows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))} />}
                    </Field>
                    <Field label={`Values ${i + 1}`}>
                      {(id) => <input id={id} value={row.values} placeholder="prod, staging" onChange={(e) => setTagRows(tagRows.map((r, j) => (j === i ? { ...r, values: e.target.value } : r)))} />}
                    </Field>
                    <Button kind="secondary" aria-label={`Remove tag filter ${i + 1}`} disabled={tagRows.length === 1} onClick={() => setTagRows(tagRows.filter((_, j) => j !== i))}>
                      Remove
                    </Button>
                  </div>
                ))}
                <Button kind="secondary" onClick={() => setTagRows([...tagRows, { key: '', values: '' }])} disabled={tagRows.length >= 20}>
                  Add a tag filter
                </Button>
              </div>
            ) : null}
            {targetKind === 'groups' ? (
              <div>
                <ErrorBox error={groups.error} onRetry={groups.reload} title="The resource groups could not be loaded" />
                {groups.data === undefined ? (
                  groups.error === undefined ? <Loading label="Loading resource groups…" /> : null
                ) : groups.data.items.length === 0 ? (
                  <p className="muted">This account has no resource group. An administrator of the account can save tag queries as groups (patchwarden groups create).</p>
                ) : (
                  <ul className="ops-node-results" aria-label="Resource groups">
                    {groups.data.items.map((g) => (
                      <li key={g.id}>
                        <label className="checkbox">
                          <input type="checkbox" checked={groupIds.includes(g.id)} onChange={() => setGroupIds(groupIds.includes(g.id) ? groupIds.filter((x) => x !== g.id) : [...groupIds, g.id])} />
                          <span>{g.name}</span>
                          <span className="muted small">{g.tagFilters.map((f) => `${f.key}=${f.values.join('|')}`).join(' and ')}</span>
                        </label>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            ) : null}
            {targetKind === 'all' ? <p className="muted">Every node registered in the account when it is sent (nodes enrolled later are not included).</p> : null}
            {submitted && targetProblem !== undefined ? (
              <div className="field-error" role="alert">
                {targetProblem}
              </div>
            ) : null}
          </Card>

          <Card title="Rate control">
            <div className="form-row">
              <Field
                label="At most at once (maxConcurrency)"
                hint={`A number of nodes (10) or a percentage of the targets (25%). Empty: ${defaults.concurrency}${kind === 'runbook' ? ' per account' : ''}.`}
                error={submitted ? concurrencyProblem : undefined}
              >
                {(id) => <input id={id} value={maxConcurrency} placeholder={defaults.concurrency} onChange={(e) => setMaxConcurrency(e.target.value)} />}
              </Field>
              <Field
                label="Stop after failures (maxErrors)"
                hint={`Once more than this many nodes failed (or %), no more are started; those running finish. Empty: 0, stop at the first failure.`}
                error={submitted ? errorsProblem : undefined}
              >
                {(id) => <input id={id} value={maxErrors} placeholder={defaults.errors} onChange={(e) => setMaxErrors(e.target.value)} />}
              </Field>
            </div>
          </Card>

          {kind === 'runbook' ? null : (
            <Card title="Options">
              {kind === 'install' ? (
                <fieldset className="ops-choice">
                  <legend>Reboot</legend>
                  <label className="ops-option">
                    <input type="radio" name="reboot" checked={rebootOption === 'RebootIfNeeded'} onChange={() => setRebootOption('RebootIfNeeded')} />
                    <span>
                      <strong>Reboot if needed</strong>
                      <span className="muted">Restart a node after the install when an updated package asks for it (kernel, libc…).</span>
                    </span>
                  </label>
                  <label className="ops-option">
                    <input type="radio" name="reboot" checked={rebootOption === 'NoReboot'} onChange={() => setRebootOption('NoReboot')} />
                    <span>
                      <strong>Do not reboot</strong>
                      <span className="muted">Never restart; nodes that need it show &quot;reboot required&quot; until you restart them.</span>
                    </span>
                  </label>
                </fieldset>
              ) : null}
              <div className="form-row">
                <Field label="Baseline" hint="Optional: evaluate with this baseline instead of each node's own (it applies to the nodes of its operating system).">
                  {(id) => (
                    <select id={id} value={baselineId} onChange={(e) => setBaselineId(e.target.value)} disabled={kind === 'install' && snapshotId !== ''}>
                      <option value="">Each node&apos;s own baseline</option>
                      {(baselines.data?.items ?? []).map((b) => (
                        <option key={b.id} value={b.id}>
                          {b.name} ({b.operatingSystem}
                          {b.predefined ? ', predefined' : ''})
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                {kind === 'install' ? (
                  <Field label="Snapshot" hint="Optional: install exactly the versions of an earlier snapshot (promote a canary's set). Empty: freeze one now.">
                    {(id) => (
                      <select id={id} value={snapshotId} onChange={(e) => setSnapshotId(e.target.value)} disabled={baselineId !== ''}>
                        <option value="">Freeze a new snapshot now</option>
                        {(snapshots.data?.items ?? []).map((s) => (
                          <option key={s.id} value={s.id}>
                            {s.id} · {s.itemCount} versions · {new Date(s.createdAt).toLocaleDateString()}
                            {s.description === '' ? '' : ` · ${s.description}`}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                ) : null}
              </div>
            </Card>
          )}
          <Card>
            <Field label="Comment" hint="Optional: why (shown with the command and in the audit log).">
              {(id) => <input id={id} value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} />}
            </Field>
          </Card>
        </div>

        <aside className="ops-summary" aria-label="Summary">
          <Card title="Summary">
            <ul className="ops-summary-list" data-testid="operation-summary">
              {kind === 'runbook' ? (
                <li>
                  Start <strong>{selectedRunbook === undefined ? 'the runbook you choose' : `${selectedRunbook.name} v${selectedRunbook.version}`}</strong> in <strong>{accountName}</strong>
                  {steps.length === 0 ? '.' : `: ${steps.map((s) => String(s.name)).join(' → ')}.`}
                </li>
              ) : (
                <li>
                  <strong>{kind === 'scan' ? 'Scan' : 'Install'}</strong> in <strong>{accountName}</strong>:{' '}
                  {kind === 'scan'
                    ? 'read the installed packages and the missing updates; nothing changes on the nodes.'
                    : snapshotId !== ''
                      ? `install the versions of snapshot ${snapshotId}.`
                      : `install the approved updates of ${baselineName === undefined ? "each node's baseline" : `baseline ${baselineName}`} (a snapshot is frozen now).`}
                </li>
              )}
              <li>
                On <strong data-testid="summary-targets">{targetWords}</strong>
                {countWords}.
              </li>
              <li>
                {rateWords(maxConcurrency, defaults.concurrency, 'concurrency')}
                {kind === 'runbook' ? ' per account' : ''}; {rateWords(maxErrors, defaults.errors, 'errors')}.
              </li>
              {kind === 'install' ? <li>{rebootOption === 'NoReboot' ? 'No node is rebooted.' : 'Nodes are rebooted when an update needs it.'}</li> : null}
              {kind === 'runbook' && selectedRunbook !== undefined ? (
                <li>
                  Canary {canary.trim() || selectedRunbook.runbook.waves.canary} node(s) first, then waves of {waveSize.trim() || selectedRunbook.runbook.waves.size}.
                </li>
              ) : null}
            </ul>
            {submitted && problems.length > 0 ? (
              <div className="error-box" role="alert">
                <strong>Not sent yet</strong>
                <ul>
                  {problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </div>
            ) : null}
            <ErrorBox error={error} title={kind === 'runbook' ? 'The execution was not started' : 'The command was not sent'} />
            {nodeCount === 0 ? <Notice kind="warning">The targets match no node now: the server will refuse this.</Notice> : null}
            <Button type="submit" disabled={sending} className="ops-send">
              {sending ? 'Sending…' : kind === 'runbook' ? 'Start execution' : kind === 'scan' ? 'Send scan' : 'Send install'}
            </Button>
          </Card>
        </aside>
      </form>
    </Page>
  );
}
