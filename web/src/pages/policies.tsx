import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError, pathOf, type Body, type Res } from '../api/client';
import type { OperatingSystem } from '../../../src/contracts/baselines.contract';
import { OPERATING_SYSTEMS, osName, ProblemIndex, problemsOf, type Problem } from '../components/baseline-parts';
import { Badge, Button, Card, DataTable, EmptyState, ErrorBox, Field, Loading, Notice, Page, Pager, Time, type Column } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';
import { useSession } from '../session';

type Policy = Res<'getPolicy'>;
type Run = Res<'listPolicyRuns'>['items'][number];
type Baseline = Res<'listBaselines'>['items'][number];
type SummaryGroup = Res<'getComplianceSummary'>['groups'][number];

const RUN_TONE: Record<string, 'good' | 'bad' | 'warn' | 'info' | 'muted'> = {
  SUCCESS: 'good',
  FAILED: 'bad',
  TIMED_OUT: 'bad',
  IN_PROGRESS: 'info',
  STARTING: 'info',
  PENDING: 'muted',
  CANCELLED: 'muted',
  SKIPPED: 'muted',
  SKIPPED_OVERLAPPING: 'warn',
};

/** All baselines the user can see (predefined first), for the policy's per-OS choice and names. */
function useAllBaselines(): { baselines: Baseline[]; error: unknown } {
  const { data, error } = useApi<Res<'listBaselines'>>('/api/v1/baselines?limit=500');
  return { baselines: data?.items ?? [], error };
}

function targetsText(p: Policy, accountName: (id: string) => string): string {
  const accounts = p.targets.accounts === 'all' ? 'all accounts' : p.targets.accounts.map(accountName).join(', ');
  const tags = (p.targets.tags ?? []).map((t) => `${t.key}=${t.values.join('|')}`).join(' and ');
  return tags === '' ? accounts : `${accounts}, nodes tagged ${tags}`;
}

/** The organization's patch policies by priority. */
export function PoliciesPage() {
  useTitle('Patch policies');
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const sort = query.get('sort') ?? 'priority';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const limit = 50;
  const { data, error, loading, reload } = useApi<Res<'listPolicies'>>(pathOf('/api/v1/policies', {}, { sort, limit, offset }));
  const { baselines } = useAllBaselines();
  const baselineName = (id: string) => baselines.find((b) => b.id === id)?.name ?? id;
  const accountName = (id: string) => session.accounts.find((a) => a.id === id)?.name ?? id;

  const columns: Column<Policy>[] = [
    { key: 'priority', header: 'Priority', sort: 'priority', className: 'num', render: (p) => p.priority },
    {
      key: 'name',
      header: 'Name',
      sort: 'name',
      render: (p) => (
        <div>
          <Link to={`/policies/${encodeURIComponent(p.id)}`}>{p.name}</Link>
          {p.description === '' ? null : <div className="muted small">{p.description}</div>}
        </div>
      ),
    },
    { key: 'enabled', header: 'State', render: (p) => (p.enabled ? <Badge value="Enabled" tone="good" /> : <Badge value="Disabled" tone="muted" />) },
    {
      key: 'baselines',
      header: 'Baselines',
      render: (p) =>
        Object.keys(p.baselines).length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="bl-list">
            {Object.entries(p.baselines).map(([os, id]) => (
              <li key={os}>
                {osName(os)}: <Link to={`/baselines/${encodeURIComponent(id)}`}>{baselineName(id)}</Link>
              </li>
            ))}
          </ul>
        ),
    },
    { key: 'targets', header: 'Targets', render: (p) => targetsText(p, accountName) },
    {
      key: 'scan',
      header: 'Next scan',
      render: (p) => (p.scan === null ? <span className="muted">no scan schedule</span> : p.enabled ? <Time value={p.scan.nextStart} /> : <span className="muted">disabled</span>),
    },
    {
      key: 'install',
      header: 'Next install',
      render: (p) => (p.install === null ? <span className="muted">no install window</span> : p.enabled ? <Time value={p.install.nextStart} /> : <span className="muted">disabled</span>),
    },
    { key: 'reboot', header: 'Reboot', render: (p) => p.rebootOption },
  ];

  return (
    <Page
      title="Patch policies"
      subtitle="The organization's baseline per OS, scan schedule and install window for nodes across accounts. The lowest priority number wins."
      testId="policies-page"
      busy={loading}
      actions={
        session.isOrgAdmin ? (
          <Link className="button primary" to="/policies/new">
            New policy
          </Link>
        ) : undefined
      }
    >
      <Card>
        <ErrorBox error={error} onRetry={reload} title="The policies could not be loaded" />
        {data === undefined ? null : data.total === 0 ? (
          <EmptyState title="No patch policies yet">
            <p>
              Without a policy, each node follows its patch group's or its account's default baseline.{' '}
              {session.isOrgAdmin ? 'Create a policy to give many accounts one baseline, scan schedule and install window.' : 'An organization admin can create one.'}
            </p>
          </EmptyState>
        ) : (
          <>
            <DataTable columns={columns} rows={data.items} rowKey={(p) => p.id} sort={sort} onSort={(s) => setQuery({ sort: s, offset: undefined })} caption="Patch policies" testId="policies-table" />
            <Pager total={data.total} limit={limit} offset={offset} onChange={(o) => setQuery({ offset: o })} />
          </>
        )}
      </Card>
    </Page>
  );
}

interface PolicyDraft {
  name: string;
  description: string;
  enabled: boolean;
  priority: string;
  baselines: Partial<Record<OperatingSystem, string>>;
  scanOn: boolean;
  scanSchedule: string;
  scanTimezone: string;
  installOn: boolean;
  installSchedule: string;
  installTimezone: string;
  durationHours: string;
  cutoffHours: string;
  rebootOption: 'RebootIfNeeded' | 'NoReboot' | 'Always';
  allAccounts: boolean;
  accountIds: string[];
  tags: string;
  sla: { critical: string; high: string; medium: string; low: string };
}

const NEW_POLICY: PolicyDraft = {
  name: '',
  description: '',
  enabled: true,
  priority: '100',
  baselines: {},
  scanOn: true,
  scanSchedule: '0 1 * * *',
  scanTimezone: 'UTC',
  installOn: false,
  installSchedule: 'cron(0 3 ? * SAT *)',
  installTimezone: 'UTC',
  durationHours: '4',
  cutoffHours: '1',
  rebootOption: 'RebootIfNeeded',
  allAccounts: true,
  accountIds: [],
  tags: '',
  sla: { critical: '', high: '', medium: '', low: '' },
};

function policyDraft(p: Policy): PolicyDraft {
  const str = (n: number | undefined) => (n === undefined ? '' : String(n));
  return {
    name: p.name,
    description: p.description,
    enabled: p.enabled,
    priority: String(p.priority),
    baselines: p.baselines,
    scanOn: p.scan !== null,
    scanSchedule: p.scan?.schedule ?? NEW_POLICY.scanSchedule,
    scanTimezone: p.scan?.timezone ?? 'UTC',
    installOn: p.install !== null,
    installSchedule: p.install?.schedule ?? NEW_POLICY.installSchedule,
    installTimezone: p.install?.timezone ?? 'UTC',
    durationHours: String(p.install?.durationHours ?? 4),
    cutoffHours: String(p.install?.cutoffHours ?? 1),
    rebootOption: p.rebootOption,
    allAccounts: p.targets.accounts === 'all',
    accountIds: p.targets.accounts === 'all' ? [] : p.targets.accounts,
    tags: (p.targets.tags ?? []).map((t) => `${t.key}=${t.values.join(',')}`).join('\n'),
    sla: { critical: str(p.slaDays.critical), high: str(p.slaDays.high), medium: str(p.slaDays.medium), low: str(p.slaDays.low) },
  };
}

function policyBody(d: PolicyDraft): Body<'createPolicy'> {
  const num = (s: string) => Number(s.trim());
  const tags = d.tags
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const at = l.indexOf('=');
      const key = at < 0 ? l : l.slice(0, at);
      const values = at < 0 ? [] : l.slice(at + 1).split(',');
      return { key: key.trim(), values: values.map((v) => v.trim()).filter((v) => v !== '') };
    });
  const sla = Object.fromEntries(Object.entries(d.sla).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, num(v)]));
  return {
    name: d.name.trim(),
    description: d.description,
    enabled: d.enabled,
    priority: num(d.priority),
    baselines: Object.fromEntries(Object.entries(d.baselines).filter(([, v]) => v !== undefined && v !== '')),
    scan: d.scanOn ? { schedule: d.scanSchedule.trim(), timezone: d.scanTimezone.trim() } : null,
    install: d.installOn ? { schedule: d.installSchedule.trim(), timezone: d.installTimezone.trim(), durationHours: num(d.durationHours), cutoffHours: num(d.cutoffHours) } : null,
    rebootOption: d.rebootOption,
    targets: { accounts: d.allAccounts ? 'all' : d.accountIds, ...(tags.length === 0 ? {} : { tags }) },
    ...(Object.keys(sla).length === 0 ? {} : { slaDays: sla }),
  };
}

/** `/policies/new` and `/policies/:policyId`: a fresh editor for each. */
export function PolicyPage() {
  const { policyId } = useParams();
  return <PolicyEditor key={policyId ?? ''} />;
}

/** One policy: view, edit (org-admins), the compliance of the nodes it governs and its runs. `/policies/new` creates one. */
function PolicyEditor() {
  const { policyId } = useParams();
  const isNew = policyId === 'new';
  const session = useSession();
  const navigate = useNavigate();
  const { data: policy, error: loadError, loading, reload } = useApi<Policy>(isNew || policyId === undefined ? null : pathOf('/api/v1/policies/{policyId}', { policyId }));
  useTitle(isNew ? 'New policy' : (policy?.name ?? 'Policy'));
  const { baselines, error: baselinesError } = useAllBaselines();
  const [draft, setDraft] = useState<PolicyDraft>(NEW_POLICY);
  const saved = useMemo(() => (policy === undefined ? undefined : policyDraft(policy)), [policy]);
  useEffect(() => {
    if (saved !== undefined) setDraft(saved);
  }, [saved]);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const index = useMemo(() => new ProblemIndex(problems), [problems]);
  const canEdit = session.isOrgAdmin;
  const readOnly = !canEdit;
  const dirty = isNew || (saved !== undefined && JSON.stringify(saved) !== JSON.stringify(draft));

  if (!isNew && policy === undefined) {
    return (
      <Page title="Patch policy" busy={loading}>
        {loadError === undefined ? <Loading label="Loading the policy…" /> : <ErrorBox error={loadError} onRetry={reload} title="The policy could not be loaded" />}
        <p>
          <Link to="/policies">Back to the policies</Link>
        </p>
      </Page>
    );
  }
  if (isNew && !canEdit) {
    return (
      <Page title="New patch policy">
        <EmptyState title="Only organization admins create patch policies">
          <p>
            You can read the <Link to="/policies">existing policies</Link>.
          </p>
        </EmptyState>
      </Page>
    );
  }

  const set = (changes: Partial<PolicyDraft>) => setDraft((d) => ({ ...d, ...changes }));
  const save = async () => {
    setProblems([]);
    setError(undefined);
    setNotice(null);
    setBusy(true);
    try {
      const body = policyBody(draft);
      if (isNew) {
        const created = await api.post<Policy>('/api/v1/policies', body);
        void navigate(`/policies/${encodeURIComponent(created.id)}`);
      } else {
        const updated = await api.put<Policy>(pathOf('/api/v1/policies/{policyId}', { policyId: policy!.id }), body);
        setNotice(`Saved ${updated.name}. The compliance of the accounts it covers is re-evaluated shortly.`);
        reload();
      }
    } catch (err) {
      setProblems(problemsOf(err));
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await api.delete(pathOf('/api/v1/policies/{policyId}', { policyId: policy!.id }));
      void navigate('/policies');
    } catch (err) {
      setError(err);
      setBusy(false);
      setConfirmDelete(false);
    }
  };
  const validation = error instanceof ApiError && error.code === 'validation' && problems.length > 0;

  return (
    <Page
      title={isNew ? 'New patch policy' : policy!.name}
      subtitle={
        isNew ? (
          'A baseline per OS, a scan schedule and an install window for nodes across accounts.'
        ) : (
          <>
            Priority {policy!.priority} · {policy!.enabled ? 'enabled' : 'disabled'}
            {policy!.enabled && policy!.scan !== null ? (
              <>
                {' '}
                · next scan <Time value={policy!.scan.nextStart} />
              </>
            ) : null}
            {policy!.enabled && policy!.install !== null ? (
              <>
                {' '}
                · next install <Time value={policy!.install.nextStart} />
              </>
            ) : null}{' '}
            · updated <Time value={policy!.updatedAt} />
          </>
        )
      }
      testId="policy-page"
      busy={loading || busy}
      actions={
        <Link className="button secondary" to="/policies">
          All policies
        </Link>
      }
    >
      {notice === null ? null : <Notice kind="success">{notice}</Notice>}
      {readOnly ? <Notice kind="info">Read-only: only organization admins change patch policies.</Notice> : null}
      {validation ? (
        <div className="error-box" role="alert" data-testid="problem-summary">
          <strong>{problems.length === 1 ? 'One problem to fix' : `${problems.length} problems to fix`} (each is also shown at its field):</strong>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>
                {p.path === '' ? '' : `${p.path}: `}
                {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <ErrorBox error={error} />
      )}
      <ErrorBox error={baselinesError} title="The baselines could not be loaded" />

      <form
        aria-label="Patch policy"
        onSubmit={(e) => {
          e.preventDefault();
          if (canEdit) void save();
        }}
      >
        <fieldset disabled={readOnly} className="plain-fieldset">
          <Card title="General">
            <div className="form-row">
              <Field label="Name" error={index.for('name')}>
                {(id) => <input id={id} value={draft.name} onChange={(e) => set({ name: e.target.value })} required />}
              </Field>
              <Field label="Priority" error={index.for('priority')} hint="Unique; when a node is in several enabled policies, the lowest number governs it.">
                {(id) => <input id={id} type="number" value={draft.priority} onChange={(e) => set({ priority: e.target.value })} />}
              </Field>
              <Field label="Reboot after scheduled installs" error={index.for('rebootOption')}>
                {(id) => (
                  <select id={id} value={draft.rebootOption} onChange={(e) => set({ rebootOption: e.target.value as PolicyDraft['rebootOption'] })}>
                    <option value="RebootIfNeeded">If needed</option>
                    <option value="NoReboot">Never</option>
                    <option value="Always">Always</option>
                  </select>
                )}
              </Field>
            </div>
            <Field label="Description" error={index.for('description')}>
              {(id) => <textarea id={id} rows={2} className="prose-input" value={draft.description} onChange={(e) => set({ description: e.target.value })} />}
            </Field>
            <label className="checkbox">
              <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
              Enabled (disabled policies govern nothing and schedule nothing)
            </label>
          </Card>

          <Card title="Baseline per operating system">
            <p className="muted small">Nodes the policy governs get this baseline for their OS. An OS left empty: those nodes follow their patch group or account default.</p>
            {index.for('baselines', true) === undefined ? null : <div className="field-error">{index.for('baselines', true)}</div>}
            <div className="os-grid">
              {OPERATING_SYSTEMS.map((os) => {
                const options = baselines.filter((b) => b.operatingSystem === os);
                const value = draft.baselines[os] ?? '';
                return (
                  <Field key={os} label={osName(os)} error={index.for(`baselines.${os}`)}>
                    {(id) => (
                      <select id={id} value={value} onChange={(e) => set({ baselines: { ...draft.baselines, [os]: e.target.value } })}>
                        <option value="">— none —</option>
                        {options.map((b) => (
                          <option key={b.id} value={b.id}>
                            {b.name}
                            {b.predefined ? ' (predefined)' : ` (${session.accounts.find((a) => a.id === b.accountId)?.name ?? b.accountId})`}
                          </option>
                        ))}
                        {value !== '' && !options.some((b) => b.id === value) ? <option value={value}>{value}</option> : null}
                      </select>
                    )}
                  </Field>
                );
              })}
            </div>
          </Card>

          <div className="grid">
            <Card title="Scan schedule">
              <label className="checkbox">
                <input type="checkbox" checked={draft.scanOn} onChange={(e) => set({ scanOn: e.target.checked })} />
                Scan the governed nodes on a schedule
              </label>
              {draft.scanOn ? (
                <div className="form-row">
                  <Field label="Scan schedule" error={index.for('scan.schedule') ?? index.for('scan')} hint='cron ("0 1 * * *"), cron(…) or rate(…), as for maintenance windows'>
                    {(id) => <input id={id} value={draft.scanSchedule} onChange={(e) => set({ scanSchedule: e.target.value })} />}
                  </Field>
                  <Field label="Scan time zone" error={index.for('scan.timezone')}>
                    {(id) => <input id={id} value={draft.scanTimezone} onChange={(e) => set({ scanTimezone: e.target.value })} />}
                  </Field>
                </div>
              ) : null}
            </Card>
            <Card title="Install window">
              <label className="checkbox">
                <input type="checkbox" checked={draft.installOn} onChange={(e) => set({ installOn: e.target.checked })} />
                Install approved updates in a window
              </label>
              {draft.installOn ? (
                <>
                  <div className="form-row">
                    <Field label="Install schedule" error={index.for('install.schedule') ?? index.for('install')}>
                      {(id) => <input id={id} value={draft.installSchedule} onChange={(e) => set({ installSchedule: e.target.value })} />}
                    </Field>
                    <Field label="Install time zone" error={index.for('install.timezone')}>
                      {(id) => <input id={id} value={draft.installTimezone} onChange={(e) => set({ installTimezone: e.target.value })} />}
                    </Field>
                  </div>
                  <div className="form-row">
                    <Field label="Duration (hours)" error={index.for('install.durationHours')}>
                      {(id) => <input id={id} type="number" value={draft.durationHours} onChange={(e) => set({ durationHours: e.target.value })} />}
                    </Field>
                    <Field label="Cutoff (hours before the end)" error={index.for('install.cutoffHours')}>
                      {(id) => <input id={id} type="number" value={draft.cutoffHours} onChange={(e) => set({ cutoffHours: e.target.value })} />}
                    </Field>
                  </div>
                </>
              ) : null}
            </Card>
          </div>

          <div className="grid">
            <Card title="Targets">
              <label className="checkbox">
                <input type="checkbox" checked={draft.allAccounts} onChange={(e) => set({ allAccounts: e.target.checked })} />
                All accounts of the organization
              </label>
              {draft.allAccounts ? null : (
                <fieldset className="account-choices">
                  <legend>Accounts</legend>
                  {session.accounts.map((a) => (
                    <label key={a.id} className="checkbox">
                      <input
                        type="checkbox"
                        checked={draft.accountIds.includes(a.id)}
                        onChange={(e) => set({ accountIds: e.target.checked ? [...draft.accountIds, a.id] : draft.accountIds.filter((x) => x !== a.id) })}
                      />
                      {a.name}
                    </label>
                  ))}
                  {index.for('targets.accounts', true) === undefined ? null : <div className="field-error">{index.for('targets.accounts', true)}</div>}
                </fieldset>
              )}
              <Field label="Only nodes with these tags" error={index.for('targets.tags', true)} hint="One per line: Key=value1,value2 (lines AND-ed, values OR-ed, * any value). Empty: every node of the accounts.">
                {(id) => <textarea id={id} rows={3} value={draft.tags} onChange={(e) => set({ tags: e.target.value })} placeholder="Env=prod" />}
              </Field>
            </Card>
            <Card title="SLA days">
              <p className="muted small">Days from approval to install for the nodes it governs; empty keeps the organization's setting.</p>
              <div className="form-row">
                {(['critical', 'high', 'medium', 'low'] as const).map((sev) => (
                  <Field key={sev} label={sev[0]!.toUpperCase() + sev.slice(1)} error={index.for(`slaDays.${sev}`)}>
                    {(id) => <input id={id} type="number" value={draft.sla[sev]} onChange={(e) => set({ sla: { ...draft.sla, [sev]: e.target.value } })} />}
                  </Field>
                ))}
              </div>
            </Card>
          </div>
        </fieldset>
        {canEdit ? (
          <div className="bl-actions">
            <Button type="submit" disabled={busy || !dirty}>
              {busy ? 'Saving…' : isNew ? 'Create policy' : 'Save'}
            </Button>
            {!isNew && dirty ? (
              <>
                <Badge value="Unsaved changes" tone="warn" />
                <Button kind="secondary" onClick={() => saved !== undefined && setDraft(saved)}>
                  Discard changes
                </Button>
              </>
            ) : null}
          </div>
        ) : null}
      </form>

      {isNew ? null : (
        <>
          <PolicyCompliance policy={policy!} />
          <PolicyRuns policyId={policy!.id} />
          {canEdit ? (
            <Card title="Delete">
              {confirmDelete ? (
                <div role="group" aria-label="Confirm deletion">
                  <p>
                    Delete <strong>{policy!.name}</strong>? Its nodes fall back to patch groups and account defaults.
                  </p>
                  <Button kind="danger" disabled={busy} onClick={() => void remove()}>
                    Yes, delete it
                  </Button>{' '}
                  <Button kind="secondary" onClick={() => setConfirmDelete(false)}>
                    Cancel
                  </Button>
                </div>
              ) : (
                <Button kind="danger" onClick={() => setConfirmDelete(true)}>
                  Delete policy
                </Button>
              )}
            </Card>
          ) : null}
        </>
      )}
    </Page>
  );
}

/** The compliance of the nodes the policy governs now, per account. */
function PolicyCompliance(props: { policy: Policy }) {
  const { data, error, reload } = useApi<Res<'getComplianceSummary'>>(pathOf('/api/v1/compliance/summary', {}, { policyId: props.policy.id, groupBy: 'account' }));
  const columns: Column<SummaryGroup>[] = [
    { key: 'account', header: 'Account', render: (g) => g.label ?? g.key ?? '—' },
    { key: 'nodes', header: 'Nodes', className: 'num', render: (g) => g.nodes },
    { key: 'compliant', header: 'Compliant', className: 'num', render: (g) => g.compliant },
    { key: 'nonCompliant', header: 'Non-compliant', className: 'num', render: (g) => g.nonCompliant },
    { key: 'unknown', header: 'Unknown', className: 'num', render: (g) => g.unknown },
    { key: 'missing', header: 'Missing patches', className: 'num', render: (g) => g.patches.MISSING },
    { key: 'overdue', header: 'Overdue nodes', className: 'num', render: (g) => g.overdueNodes },
  ];
  return (
    <Card
      title="Compliance of the nodes it governs"
      testId="policy-compliance"
      actions={
        <Link to={`/patches?tab=cves&policyId=${encodeURIComponent(props.policy.id)}`} className="button secondary">
          CVEs on these nodes
        </Link>
      }
    >
      <ErrorBox error={error} onRetry={reload} title="The compliance summary could not be loaded" />
      {data === undefined ? null : data.totals.nodes === 0 ? (
        <p className="muted">
          {props.policy.enabled ? 'The policy governs no node now: no node matches its targets, or a policy with a lower priority number covers them.' : 'A disabled policy governs no node.'}
        </p>
      ) : (
        <>
          <p>
            {data.totals.nodes} node{data.totals.nodes === 1 ? '' : 's'}: <strong>{data.totals.compliant}</strong> compliant, <strong>{data.totals.nonCompliant}</strong> non-compliant,{' '}
            {data.totals.unknown} unknown, {data.totals.overdueNodes} with overdue patches.
          </p>
          <DataTable columns={columns} rows={data.groups} rowKey={(g) => g.key ?? ''} caption="Compliance per account" />
        </>
      )}
    </Card>
  );
}

function PolicyRuns(props: { policyId: string }) {
  const session = useSession();
  const [offset, setOffset] = useState(0);
  const limit = 20;
  const { data, error, reload } = useApi<Res<'listPolicyRuns'>>(session.readsOrganization ? pathOf('/api/v1/policies/{policyId}/runs', { policyId: props.policyId }, { limit, offset }) : null);
  const accountName = (id: string) => session.accounts.find((a) => a.id === id)?.name ?? id;
  const columns: Column<Run>[] = [
    { key: 'start', header: 'Scheduled', render: (r) => <Time value={r.scheduledStart} /> },
    { key: 'kind', header: 'Kind', render: (r) => (r.kind === 'policy-scan' ? 'Scan' : r.kind === 'policy-install' ? 'Install' : r.kind) },
    { key: 'status', header: 'Status', render: (r) => <Badge value={r.status} tone={RUN_TONE[r.status] ?? 'muted'} /> },
    {
      key: 'tasks',
      header: 'Per account',
      render: (r) => (
        <ul className="bl-list">
          {r.tasks.map((t) => (
            <li key={t.id}>
              {accountName(t.accountId)}: <Badge value={t.status} tone={RUN_TONE[t.status] ?? 'muted'} />{' '}
              {t.commandId === null ? null : <Link to={`/commands/${encodeURIComponent(t.commandId)}`}>command</Link>}
              {t.reason === null ? null : <span className="muted"> {t.reason}</span>}
            </li>
          ))}
        </ul>
      ),
    },
    { key: 'reason', header: 'Note', render: (r) => r.reason ?? <span className="muted">—</span> },
    { key: 'ended', header: 'Ended', render: (r) => <Time value={r.endedAt} /> },
  ];
  return (
    <Card title="Recent runs" testId="policy-runs">
      {!session.readsOrganization ? (
        <p className="muted">The run history is shown to organization admins and auditors.</p>
      ) : (
        <>
          <ErrorBox error={error} onRetry={reload} title="The runs could not be loaded" />
          {data === undefined ? null : (
            <>
              <DataTable columns={columns} rows={data.items} rowKey={(r) => r.id} caption="Scheduled runs" empty="No scheduled scan or install has run yet." />
              <Pager total={data.total} limit={limit} offset={offset} onChange={setOffset} />
            </>
          )}
        </>
      )}
    </Card>
  );
}
