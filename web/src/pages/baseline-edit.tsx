import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, pathOf, type Body, type Res } from '../api/client';
import type { ComplianceLevel, OperatingSystem, PatchFilter, PatchSource } from '../../../src/contracts/baselines.contract';
import { COMPLIANCE_LEVELS, FilterRows, lines, OPERATING_SYSTEMS, osName, ProblemIndex, problemsOf, type Problem } from '../components/baseline-parts';
import { AccountSelect, Badge, Button, Card, EmptyState, ErrorBox, Field, Loading, Notice, Page, Pager, Time } from '../components/ui';
import { useApi, useTitle } from '../hooks';
import { useSession } from '../session';

type Baseline = Res<'getBaseline'>;
type Preview = Res<'previewBaseline'>;
type PreviewNode = Preview['nodes']['items'][number];
type PreviewPatch = PreviewNode['approved'][number];

interface RuleDraft {
  filters: PatchFilter[];
  complianceLevel: ComplianceLevel;
  mode: 'days' | 'date';
  days: string;
  date: string;
  approveUndated: boolean;
  enableNonSecurity: boolean;
}

/** The editor's state: the baseline's fields, lists as text (one entry per line). */
interface Draft {
  name: string;
  description: string;
  operatingSystem: OperatingSystem;
  globalFilters: PatchFilter[];
  approvalRules: RuleDraft[];
  approvedPatches: string;
  approvedPatchesComplianceLevel: ComplianceLevel;
  approvedPatchesEnableNonSecurity: boolean;
  rejectedPatches: string;
  rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY' | 'BLOCK';
  availableSecurityUpdatesComplianceStatus: 'COMPLIANT' | 'NON_COMPLIANT';
  sources: { name: string; products: string; configuration: string }[];
}

const NEW_RULE: RuleDraft = { filters: [], complianceLevel: 'MEDIUM', mode: 'days', days: '7', date: '', approveUndated: false, enableNonSecurity: false };

const EMPTY: Draft = {
  name: '',
  description: '',
  operatingSystem: 'DEBIAN',
  globalFilters: [],
  approvalRules: [NEW_RULE],
  approvedPatches: '',
  approvedPatchesComplianceLevel: 'UNSPECIFIED',
  approvedPatchesEnableNonSecurity: false,
  rejectedPatches: '',
  rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY',
  availableSecurityUpdatesComplianceStatus: 'COMPLIANT',
  sources: [],
};

function toDraft(b: Baseline): Draft {
  return {
    name: b.name,
    description: b.description,
    operatingSystem: b.operatingSystem,
    globalFilters: b.globalFilters,
    approvalRules: b.approvalRules.map((r) => ({
      filters: r.filters,
      complianceLevel: r.complianceLevel,
      mode: r.approveUntilDate !== undefined && r.approveAfterDays === undefined ? 'date' : 'days',
      days: r.approveAfterDays === undefined ? '' : String(r.approveAfterDays),
      date: r.approveUntilDate ?? '',
      approveUndated: r.approveUndated,
      enableNonSecurity: r.enableNonSecurity,
    })),
    approvedPatches: b.approvedPatches.join('\n'),
    approvedPatchesComplianceLevel: b.approvedPatchesComplianceLevel,
    approvedPatchesEnableNonSecurity: b.approvedPatchesEnableNonSecurity,
    rejectedPatches: b.rejectedPatches.join('\n'),
    rejectedPatchesAction: b.rejectedPatchesAction,
    availableSecurityUpdatesComplianceStatus: b.availableSecurityUpdatesComplianceStatus,
    sources: b.sources.map((s) => ({ name: s.name, products: s.products.join(', '), configuration: s.configuration })),
  };
}

/** The rule fields of the draft as the API takes them. */
function rulesOf(d: Draft) {
  const cleanFilters = (fs: PatchFilter[]) => fs.map((f) => ({ key: f.key, values: f.values.map((v) => v.trim()).filter((v) => v !== '') }));
  return {
    operatingSystem: d.operatingSystem,
    globalFilters: cleanFilters(d.globalFilters),
    approvalRules: d.approvalRules.map((r) => ({
      filters: cleanFilters(r.filters),
      complianceLevel: r.complianceLevel,
      ...(r.mode === 'days' ? (r.days.trim() === '' ? {} : { approveAfterDays: Number(r.days) }) : r.date.trim() === '' ? {} : { approveUntilDate: r.date.trim() }),
      approveUndated: r.approveUndated,
      enableNonSecurity: r.enableNonSecurity,
    })),
    approvedPatches: lines(d.approvedPatches),
    approvedPatchesComplianceLevel: d.approvedPatchesComplianceLevel,
    approvedPatchesEnableNonSecurity: d.approvedPatchesEnableNonSecurity,
    rejectedPatches: lines(d.rejectedPatches),
    rejectedPatchesAction: d.rejectedPatchesAction,
    availableSecurityUpdatesComplianceStatus: d.availableSecurityUpdatesComplianceStatus,
    sources: d.sources.map<PatchSource>((s) => ({
      name: s.name.trim(),
      products: s.products
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
      configuration: s.configuration,
    })),
  };
}

/** `/baselines/new` and `/baselines/:baselineId`: a fresh editor for each (no state carried from one to the other). */
export function BaselineEditPage() {
  const { baselineId } = useParams();
  const [search] = useSearchParams();
  return <BaselineEditor key={baselineId ?? `new:${search.get('from') ?? ''}`} />;
}

/** The editor of one baseline (or a new one, optionally copied from `?from=`), its preview and where it applies. */
function BaselineEditor() {
  const { baselineId } = useParams();
  const [search] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const session = useSession();
  const isNew = baselineId === undefined;
  const fromId = search.get('from');
  const sourceId = isNew ? fromId : baselineId;
  const { data: loaded, error: loadError, loading, reload } = useApi<Baseline>(sourceId === null || sourceId === undefined ? null : pathOf('/api/v1/baselines/{baselineId}', { baselineId: sourceId }));
  useTitle(isNew ? 'New baseline' : (loaded?.name ?? 'Baseline'));

  const managed = session.accountsWhere('manage');
  const [accountId, setAccountId] = useState<string>(() => {
    const wanted = search.get('accountId');
    if (wanted !== null && session.accounts.some((a) => a.id === wanted)) return wanted;
    return (isNew ? managed[0]?.id : session.accounts[0]?.id) ?? '';
  });
  // A saved account baseline belongs to its account: that is where it is previewed and registered.
  useEffect(() => {
    if (!isNew && loaded !== undefined && loaded.accountId !== null) setAccountId(loaded.accountId);
  }, [isNew, loaded]);

  const [draft, setDraft] = useState<Draft>(EMPTY);
  const saved = useMemo(() => (loaded === undefined ? undefined : toDraft(loaded)), [loaded]);
  useEffect(() => {
    if (saved === undefined) return;
    if (isNew) setDraft({ ...saved, name: `${saved.name}-copy`.slice(0, 128), description: saved.description });
    else setDraft(saved);
  }, [saved, isNew]);

  const [problems, setProblems] = useState<Problem[]>([]);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>((location.state as { notice?: string } | null)?.notice ?? null);
  const [saving, setSaving] = useState(false);

  const predefined = loaded?.predefined === true && !isNew;
  const canEdit = isNew ? managed.length > 0 && session.can(accountId, 'manage') : loaded !== undefined && !loaded.predefined && loaded.accountId !== null && session.can(loaded.accountId, 'manage');
  const readOnly = !canEdit;
  const dirty = isNew || (saved !== undefined && JSON.stringify(saved) !== JSON.stringify(draft));
  const index = useMemo(() => new ProblemIndex(problems), [problems]);

  const showError = (err: unknown) => {
    const p = problemsOf(err);
    setProblems(p);
    setActionError(err);
  };
  const clearErrors = () => {
    setProblems([]);
    setActionError(undefined);
  };

  const save = async () => {
    clearErrors();
    setNotice(null);
    setSaving(true);
    try {
      if (isNew) {
        const { operatingSystem, ...rules } = rulesOf(draft);
        const body: Body<'createBaseline'> = { name: draft.name.trim(), description: draft.description, operatingSystem, ...rules };
        const created = await api.post<Baseline>(pathOf('/api/v1/accounts/{accountId}/baselines', { accountId }), body);
        void navigate(`/baselines/${encodeURIComponent(created.id)}`, { state: { notice: `Created baseline ${created.name} (version ${created.version}).` } });
      } else {
        const { operatingSystem: _os, ...rules } = rulesOf(draft);
        const body: Body<'updateBaseline'> = { name: draft.name.trim(), description: draft.description, ...rules };
        const updated = await api.patch<Baseline>(pathOf('/api/v1/baselines/{baselineId}', { baselineId: baselineId }), body);
        setNotice(`Saved. ${updated.name} is now at version ${updated.version}; the nodes using it are re-evaluated shortly.`);
        reload();
      }
    } catch (err) {
      showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (!isNew && loaded === undefined) {
    return (
      <Page title="Baseline" busy={loading}>
        {loadError === undefined ? <Loading label="Loading the baseline…" /> : <ErrorBox error={loadError} onRetry={reload} title="The baseline could not be loaded" />}
        <p>
          <Link to="/baselines">Back to the baselines</Link>
        </p>
      </Page>
    );
  }
  if (isNew && managed.length === 0) {
    return (
      <Page title="New baseline">
        <EmptyState title="You cannot create baselines">
          <p>Creating a baseline needs the admin role in an account. Ask an account admin, or copy a predefined baseline once you have that role.</p>
        </EmptyState>
      </Page>
    );
  }

  const set = (changes: Partial<Draft>) => setDraft((d) => ({ ...d, ...changes }));
  const setRule = (i: number, changes: Partial<RuleDraft>) => setDraft((d) => ({ ...d, approvalRules: d.approvalRules.map((r, j) => (j === i ? { ...r, ...changes } : r)) }));
  const accountOf = (id: string | null) => session.accounts.find((a) => a.id === id)?.name ?? id ?? '';
  const validation = actionError instanceof ApiError && actionError.code === 'validation' && problems.length > 0;

  return (
    <Page
      title={isNew ? (fromId === null ? 'New baseline' : `New baseline from ${loaded?.name ?? fromId}`) : loaded!.name}
      subtitle={
        isNew ? (
          'Decide which pending updates are approved. Preview what it approves on your nodes before saving.'
        ) : (
          <>
            {osName(loaded!.operatingSystem)} · {predefined ? 'predefined' : `account ${accountOf(loaded!.accountId)}`} · version {loaded!.version}
            {loaded!.updatedAt === null ? null : (
              <>
                {' '}
                · updated <Time value={loaded!.updatedAt} />
                {loaded!.updatedBy === null ? null : ` by ${loaded!.updatedBy}`}
              </>
            )}
          </>
        )
      }
      testId="baseline-page"
      busy={loading || saving}
      actions={
        <>
          {!isNew && managed.length > 0 ? (
            <Link className="button secondary" to={`/baselines/new?from=${encodeURIComponent(baselineId)}&accountId=${encodeURIComponent(managed.some((a) => a.id === accountId) ? accountId : managed[0]!.id)}`}>
              {predefined ? 'Copy to my account' : 'Duplicate'}
            </Link>
          ) : null}
          <Link className="button secondary" to="/baselines">
            All baselines
          </Link>
        </>
      }
    >
      {notice === null ? null : <Notice kind="success">{notice}</Notice>}
      {readOnly && !isNew ? (
        <Notice kind="info">
          <span data-testid="read-only-notice">
            {predefined
              ? 'Predefined baselines are read-only. Copy it to your account to change its rules, then make the copy a default.'
              : 'Read-only: changing this baseline needs the admin role in its account.'}
          </span>
        </Notice>
      ) : null}
      {validation ? (
        <div className="error-box" role="alert" data-testid="problem-summary">
          <strong>
            {problems.length === 1 ? 'One problem to fix' : `${problems.length} problems to fix`} (each is also shown at its field):
          </strong>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>{p.message}</li>
            ))}
          </ul>
        </div>
      ) : (
        <ErrorBox error={actionError} />
      )}

      <form
        className="baseline-form"
        aria-label="Baseline"
        onSubmit={(e) => {
          e.preventDefault();
          if (canEdit) void save();
        }}
      >
        <fieldset disabled={readOnly} className="plain-fieldset">
          <Card title="General">
            <div className="form-row">
              <Field label="Name" error={index.for('name')} hint="3–128 letters, digits, “_”, “-” or “.”; unique in the account.">
                {(id) => <input id={id} value={draft.name} onChange={(e) => set({ name: e.target.value })} required />}
              </Field>
              <Field label="Operating system" error={index.for('operatingSystem')} hint={isNew ? 'Fixed once created.' : 'Cannot change: create another baseline for another OS.'}>
                {(id) => (
                  <select id={id} value={draft.operatingSystem} disabled={!isNew} onChange={(e) => set({ operatingSystem: e.target.value as OperatingSystem })}>
                    {OPERATING_SYSTEMS.map((o) => (
                      <option key={o} value={o}>
                        {osName(o)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {isNew ? (
                <Field label="Account" hint="The account the baseline belongs to.">
                  {(id) => <AccountSelect id={id} accounts={managed} value={accountId} onChange={setAccountId} />}
                </Field>
              ) : null}
            </div>
            <Field label="Description" error={index.for('description')}>
              {(id) => <textarea id={id} rows={2} value={draft.description} onChange={(e) => set({ description: e.target.value })} className="prose-input" />}
            </Field>
          </Card>

          <Card title="Global filters" testId="global-filters">
            <p className="muted small">Every update must pass these to be approved by a rule (the approved list ignores them). Up to 4.</p>
            <FilterRows os={draft.operatingSystem} filters={draft.globalFilters} onChange={(f) => set({ globalFilters: f })} readOnly={readOnly} label="Global filters" max={4} problems={index} path="globalFilters" idPrefix="gf" />
            {index.for('globalFilters') === undefined ? null : <div className="field-error">{index.for('globalFilters')}</div>}
          </Card>

          <Card title="Approval rules" testId="approval-rules">
            <p className="muted small">An update is approved when any rule approves it. Filters within a rule are AND-ed. Up to 10 rules.</p>
            {index.for('approvalRules') === undefined ? null : (
              <div className="field-error" role="alert">
                {index.for('approvalRules')}
              </div>
            )}
            {draft.approvalRules.length === 0 ? <p className="muted">No rules: only the approved patches list approves updates.</p> : null}
            {draft.approvalRules.map((r, i) => {
              const rp = `approvalRules.${i}`;
              const ruleError = index.for(rp);
              return (
                <section key={i} className={`rule ${ruleError === undefined ? '' : 'invalid'}`} data-testid={`rule-${i + 1}`} aria-label={`Rule ${i + 1}`}>
                  <div className="rule-header">
                    <h3>Rule {i + 1}</h3>
                    {readOnly ? null : (
                      <Button kind="secondary" aria-label={`Remove rule ${i + 1}`} onClick={() => set({ approvalRules: draft.approvalRules.filter((_r, j) => j !== i) })}>
                        Remove rule
                      </Button>
                    )}
                  </div>
                  {ruleError === undefined ? null : (
                    <div className="field-error" role="alert">
                      {ruleError}
                    </div>
                  )}
                  <div className="rule-body">
                    <div>
                      <h4>Filters</h4>
                      <FilterRows os={draft.operatingSystem} filters={r.filters} onChange={(f) => setRule(i, { filters: f })} readOnly={readOnly} label={`Rule ${i + 1} filters`} max={4} problems={index} path={`${rp}.filters`} idPrefix={`r${i}`} />
                    </div>
                    <div>
                      <div className="form-row">
                        <Field label="Approve" hint={r.mode === 'days' ? 'Days after the release date (0: at once).' : 'Updates released on or before this day (UTC).'}>
                          {(id) => (
                            <select id={id} value={r.mode} onChange={(e) => setRule(i, { mode: e.target.value as 'days' | 'date' })}>
                              <option value="days">after a delay</option>
                              <option value="date">released until a date</option>
                            </select>
                          )}
                        </Field>
                        {r.mode === 'days' ? (
                          <Field label="Approve after (days)" error={index.for(`${rp}.approveAfterDays`)}>
                            {(id) => <input id={id} type="number" inputMode="numeric" value={r.days} onChange={(e) => setRule(i, { days: e.target.value })} />}
                          </Field>
                        ) : (
                          <Field label="Approve until date" error={index.for(`${rp}.approveUntilDate`)}>
                            {(id) => <input id={id} type="date" value={r.date} onChange={(e) => setRule(i, { date: e.target.value })} />}
                          </Field>
                        )}
                        <Field label="Compliance level" error={index.for(`${rp}.complianceLevel`)}>
                          {(id) => (
                            <select id={id} value={r.complianceLevel} onChange={(e) => setRule(i, { complianceLevel: e.target.value as ComplianceLevel })}>
                              {COMPLIANCE_LEVELS.map((l) => (
                                <option key={l} value={l}>
                                  {l}
                                </option>
                              ))}
                            </select>
                          )}
                        </Field>
                      </div>
                      <label className="checkbox">
                        <input type="checkbox" checked={r.enableNonSecurity} onChange={(e) => setRule(i, { enableNonSecurity: e.target.checked })} />
                        Approve non-security updates too
                      </label>
                      <label className="checkbox">
                        <input type="checkbox" checked={r.approveUndated} onChange={(e) => setRule(i, { approveUndated: e.target.checked })} />
                        Updates without a release date count from when the server first saw them
                      </label>
                    </div>
                  </div>
                </section>
              );
            })}
            {readOnly || draft.approvalRules.length >= 10 ? null : (
              <Button kind="secondary" onClick={() => set({ approvalRules: [...draft.approvalRules, NEW_RULE] })}>
                Add rule
              </Button>
            )}
          </Card>

          <div className="grid">
            <Card title="Approved patches">
              <Field label="Approved patches" error={index.for('approvedPatches', true)} hint="One per line: package patterns (openssl, lib*, openssl=3.0.15-*), CVE ids or advisory ids. Approved whatever the rules say.">
                {(id) => <textarea id={id} rows={5} value={draft.approvedPatches} onChange={(e) => set({ approvedPatches: e.target.value })} />}
              </Field>
              <div className="form-row">
                <Field label="Their compliance level" error={index.for('approvedPatchesComplianceLevel')}>
                  {(id) => (
                    <select id={id} value={draft.approvedPatchesComplianceLevel} onChange={(e) => set({ approvedPatchesComplianceLevel: e.target.value as ComplianceLevel })}>
                      {COMPLIANCE_LEVELS.map((l) => (
                        <option key={l} value={l}>
                          {l}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
              </div>
              <label className="checkbox">
                <input type="checkbox" checked={draft.approvedPatchesEnableNonSecurity} onChange={(e) => set({ approvedPatchesEnableNonSecurity: e.target.checked })} />
                The list approves non-security updates too
              </label>
            </Card>
            <Card title="Rejected patches">
              <Field label="Rejected patches" error={index.for('rejectedPatches', true)} hint="One package pattern per line; never approved, even when a rule or the approved list approves them.">
                {(id) => <textarea id={id} rows={5} value={draft.rejectedPatches} onChange={(e) => set({ rejectedPatches: e.target.value })} />}
              </Field>
              <Field label="When a rejected package is installed" error={index.for('rejectedPatchesAction')}>
                {(id) => (
                  <select id={id} value={draft.rejectedPatchesAction} onChange={(e) => set({ rejectedPatchesAction: e.target.value as Draft['rejectedPatchesAction'] })}>
                    <option value="ALLOW_AS_DEPENDENCY">Tolerate it (allow as dependency)</option>
                    <option value="BLOCK">Block: the node is non-compliant</option>
                  </select>
                )}
              </Field>
            </Card>
          </div>

          <Card title="Compliance and sources">
            <Field label="Security updates the baseline does not approve" error={index.for('availableSecurityUpdatesComplianceStatus')} hint="They are always reported as available security updates.">
              {(id) => (
                <select id={id} value={draft.availableSecurityUpdatesComplianceStatus} onChange={(e) => set({ availableSecurityUpdatesComplianceStatus: e.target.value as Draft['availableSecurityUpdatesComplianceStatus'] })}>
                  <option value="COMPLIANT">leave the node compliant</option>
                  <option value="NON_COMPLIANT">make the node non-compliant</option>
                </select>
              )}
            </Field>
            <h3 className="section-title">Alternative sources</h3>
            {draft.sources.length === 0 ? <p className="muted small">No alternative repositories: operations use the nodes' own.</p> : null}
            {draft.sources.map((s, i) => {
              const setSource = (changes: Partial<Draft['sources'][number]>) => set({ sources: draft.sources.map((x, j) => (j === i ? { ...x, ...changes } : x)) });
              return (
                <div key={i} className="source" aria-label={`Source ${i + 1}`} role="group">
                  <div className="form-row">
                    <Field label={`Source ${i + 1} name`} error={index.for(`sources.${i}.name`)}>
                      {(id) => <input id={id} value={s.name} onChange={(e) => setSource({ name: e.target.value })} />}
                    </Field>
                    <Field label="Products" error={index.for(`sources.${i}.products`, true)} hint="Comma separated, e.g. Debian12">
                      {(id) => <input id={id} value={s.products} onChange={(e) => setSource({ products: e.target.value })} />}
                    </Field>
                  </div>
                  <Field label="Configuration" error={index.for(`sources.${i}.configuration`) ?? index.for(`sources.${i}`)} hint="apt: sources.list lines; dnf: an ini block.">
                    {(id) => <textarea id={id} rows={3} value={s.configuration} onChange={(e) => setSource({ configuration: e.target.value })} />}
                  </Field>
                  {readOnly ? null : (
                    <Button kind="secondary" onClick={() => set({ sources: draft.sources.filter((_x, j) => j !== i) })}>
                      Remove source {i + 1}
                    </Button>
                  )}
                </div>
              );
            })}
            {readOnly ? null : (
              <Button kind="secondary" onClick={() => set({ sources: [...draft.sources, { name: '', products: '', configuration: '' }] })}>
                Add source
              </Button>
            )}
          </Card>
        </fieldset>

        {canEdit ? (
          <div className="bl-actions" role="group" aria-label="Save the baseline">
            <Button type="submit" disabled={saving || !dirty}>
              {saving ? 'Saving…' : isNew ? 'Create baseline' : 'Save'}
            </Button>
            {!isNew && dirty ? (
              <>
                <Badge value="Unsaved changes" tone="warn" />
                <Button
                  kind="secondary"
                  onClick={() => {
                    if (saved !== undefined) setDraft(saved);
                    clearErrors();
                  }}
                >
                  Discard changes
                </Button>
              </>
            ) : null}
          </div>
        ) : null}
      </form>

      <PreviewCard
        accountId={accountId}
        onAccountChange={isNew || predefined ? setAccountId : undefined}
        accounts={isNew ? managed : session.accounts}
        draft={canEdit ? draft : null}
        baselineId={isNew ? null : baselineId}
        onProblems={(err) => {
          showError(err);
          return problemsOf(err).length > 0;
        }}
        onStart={clearErrors}
      />

      {isNew ? null : <WhereItAppliesCard baseline={loaded!} accountId={accountId} onAccountChange={predefined ? setAccountId : undefined} />}
      {!isNew && canEdit ? <DeleteCard baseline={loaded!} /> : null}
    </Page>
  );
}

/** "Preview": what the draft (or the saved baseline) approves on nodes of the account now, without saving. */
function PreviewCard(props: {
  accountId: string;
  onAccountChange: ((id: string) => void) | undefined;
  accounts: { id: string; name: string }[];
  draft: Draft | null;
  baselineId: string | null;
  onProblems: (err: unknown) => boolean;
  onStart: () => void;
}) {
  const session = useSession();
  const [target, setTarget] = useState<'all' | 'patchGroup' | 'tag'>('all');
  const [patchGroup, setPatchGroup] = useState('');
  const [tag, setTag] = useState('');
  const [at, setAt] = useState('');
  const [offset, setOffset] = useState(0);
  const [result, setResult] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const resultRef = useRef<HTMLDivElement>(null);
  const limit = 25;
  // A draft needs the operator role in the account; without it the saved baseline is previewed.
  const useDraft = props.draft !== null && session.can(props.accountId, 'operate');

  const run = async (nextOffset: number) => {
    props.onStart();
    setError(undefined);
    setBusy(true);
    try {
      let tags: { key: string; values: string[] }[] | undefined;
      if (target === 'tag') {
        const [key, values] = tag.split('=', 2);
        tags = [{ key: (key ?? '').trim(), values: (values ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '') }];
      }
      const body: Body<'previewBaseline'> = {
        ...(useDraft ? { rules: rulesOf(props.draft!) } : { baselineId: props.baselineId! }),
        ...(target === 'patchGroup' ? { patchGroup: patchGroup.trim() } : {}),
        ...(tags === undefined ? {} : { tags }),
        ...(at === '' ? {} : { at: new Date(at).toISOString() }),
        limit,
        offset: nextOffset,
      };
      const r = await api.post<Preview>(pathOf('/api/v1/accounts/{accountId}/baselines/preview', { accountId: props.accountId }), body);
      setResult(r);
      setOffset(nextOffset);
      requestAnimationFrame(() => resultRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' }));
    } catch (err) {
      setResult(null);
      if (!props.onProblems(err)) setError(err);
    } finally {
      setBusy(false);
    }
  };

  const canPreview = props.accountId !== '' && (useDraft || props.baselineId !== null);
  return (
    <Card title="Preview on the fleet" testId="preview">
      <p className="muted small">
        {useDraft ? 'Shows what the rules above (saved or not) approve on the nodes right now. Nothing is saved.' : 'Shows what the saved baseline approves on the nodes right now.'}
      </p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run(0);
        }}
      >
        <Field label="Nodes of account">
          {(id) =>
            props.onAccountChange === undefined ? (
              <input id={id} value={session.accounts.find((a) => a.id === props.accountId)?.name ?? props.accountId} readOnly />
            ) : (
              <AccountSelect id={id} accounts={props.accounts} value={props.accountId} onChange={props.onAccountChange} />
            )
          }
        </Field>
        <Field label="Which nodes">
          {(id) => (
            <select id={id} value={target} onChange={(e) => setTarget(e.target.value as typeof target)}>
              <option value="all">Every node of the account</option>
              <option value="patchGroup">A patch group</option>
              <option value="tag">Nodes with a tag</option>
            </select>
          )}
        </Field>
        {target === 'patchGroup' ? <Field label="Patch group">{(id) => <input id={id} value={patchGroup} onChange={(e) => setPatchGroup(e.target.value)} placeholder="web" required />}</Field> : null}
        {target === 'tag' ? <Field label="Tag (Key=value1,value2)">{(id) => <input id={id} value={tag} onChange={(e) => setTag(e.target.value)} placeholder="Env=prod" required />}</Field> : null}
        <Field label="As of (optional)" hint="Later: what delay rules will have approved by then.">
          {(id) => <input id={id} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />}
        </Field>
        <Button type="submit" disabled={busy || !canPreview}>
          {busy ? 'Previewing…' : 'Preview'}
        </Button>
      </form>
      <ErrorBox error={error} title="The preview failed" />
      <div ref={resultRef}>{result === null ? null : <PreviewResult result={result} offset={offset} limit={limit} onPage={(o) => void run(o)} />}</div>
    </Card>
  );
}

function PreviewResult(props: { result: Preview; offset: number; limit: number; onPage: (offset: number) => void }) {
  const { result } = props;
  const t = result.totals;
  return (
    <div data-testid="preview-results" aria-live="polite">
      <p>
        {result.baseline.id === null ? 'The draft' : result.baseline.name} on {t.nodes} node{t.nodes === 1 ? '' : 's'} as of <Time value={result.at} />
        {t.notApplicable > 0 ? ` (${t.notApplicable} run another OS)` : ''}:
      </p>
      <div className="stats">
        <Stat label="Pending updates" value={t.updates} />
        <Stat label="Approved" value={t.approved} tone="good" />
        <Stat label="Waiting for a delay" value={t.pendingApproval} tone="warn" />
        <Stat label="Security updates not approved" value={t.notApprovedSecurity} tone={t.notApprovedSecurity > 0 ? 'bad' : undefined} />
        <Stat label="Rejected" value={t.rejected} />
      </div>
      {result.nodes.items.length === 0 ? (
        <EmptyState title="No nodes selected">
          <p>The account has no registered nodes matching this choice. Enroll nodes, or choose every node of the account.</p>
        </EmptyState>
      ) : (
        result.nodes.items.map((n) => <PreviewNodeBlock key={n.nodeId} node={n} open={result.nodes.items.length <= 5} />)
      )}
      <Pager total={result.nodes.total} limit={props.limit} offset={props.offset} onChange={props.onPage} />
    </div>
  );
}

function Stat(props: { label: string; value: number; tone?: 'good' | 'bad' | 'warn' | undefined }) {
  return (
    <div className={`stat ${props.tone ?? ''}`}>
      <div className="value">{props.value.toLocaleString()}</div>
      <div className="label">{props.label}</div>
    </div>
  );
}

function PreviewNodeBlock(props: { node: PreviewNode; open: boolean }) {
  const n = props.node;
  return (
    <details className="preview-node" open={props.open} data-testid={`preview-node-${n.hostname}`}>
      <summary>
        <strong>{n.hostname}</strong>{' '}
        {n.applicable ? (
          <span className="muted">
            {n.counts.approved} approved of {n.counts.updates} pending · {n.counts.pendingApproval} waiting · {n.counts.notApprovedSecurity} security not approved · {n.counts.rejected} rejected
          </span>
        ) : (
          <span className="muted">{n.reason}</span>
        )}{' '}
        · <Link to={`/nodes/${encodeURIComponent(n.nodeId)}`}>node page</Link>
      </summary>
      {n.applicable ? (
        <>
          <PatchTable title="Approved" patches={n.approved} empty="Nothing approved on this node." testId="preview-approved" />
          {n.notApprovedSecurity.length > 0 ? <PatchTable title="Security updates not approved" patches={n.notApprovedSecurity} empty="" testId="preview-not-approved" /> : null}
        </>
      ) : null}
    </details>
  );
}

function PatchTable(props: { title: string; patches: PreviewPatch[]; empty: string; testId: string }) {
  return (
    <div className="table-wrap">
      <table className="data-table compact" data-testid={props.testId}>
        <caption className="table-title">{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Package</th>
            <th scope="col">Installed → candidate</th>
            <th scope="col">Level</th>
            <th scope="col">Severity</th>
            <th scope="col">CVEs</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {props.patches.length === 0 ? (
            <tr>
              <td colSpan={6} className="empty-row">
                {props.empty}
              </td>
            </tr>
          ) : (
            props.patches.map((p) => (
              <tr key={`${p.name}:${p.arch}`}>
                <td>
                  <span className="package-name">{p.name}</span>
                  <span className="muted">:{p.arch}</span>
                </td>
                <td className="bl-version">
                  {p.installedVersion} → {p.candidateVersion}
                </td>
                <td>
                  <Badge value={p.complianceLevel} />
                </td>
                <td>{p.severity}</td>
                <td>
                  {p.cves.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    p.cves.map((c) => (
                      <Link key={c} to={`/advisories?cve=${encodeURIComponent(c)}`} className="bl-chip">
                        {c}
                      </Link>
                    ))
                  )}
                </td>
                <td className="reason">
                  {p.reason}
                  {p.pendingUntil === null ? null : (
                    <div className="muted">
                      approved on <Time value={p.pendingUntil} />
                    </div>
                  )}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Where the baseline applies in an account: the default for its OS, and patch groups; admins change them. */
function WhereItAppliesCard(props: { baseline: Baseline; accountId: string; onAccountChange: ((id: string) => void) | undefined }) {
  const { baseline, accountId } = props;
  const session = useSession();
  const os = baseline.operatingSystem;
  const defaults = useApi<Res<'listDefaultBaselines'>>(accountId === '' ? null : pathOf('/api/v1/accounts/{accountId}/default-baselines', { accountId }));
  const groups = useApi<Res<'listPatchGroups'>>(accountId === '' ? null : pathOf('/api/v1/accounts/{accountId}/patch-groups', { accountId }));
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [group, setGroup] = useState('');
  const [busy, setBusy] = useState(false);
  const manage = accountId !== '' && session.can(accountId, 'manage');
  const accountName = session.accounts.find((a) => a.id === accountId)?.name ?? accountId;
  const current = defaults.data?.items.find((d) => d.operatingSystem === os);
  const isDefault = current?.baselineId === baseline.id;
  const mine = (groups.data?.items ?? []).filter((g) => g.baselineId === baseline.id);

  const act = async (what: () => Promise<unknown>, done: string) => {
    setError(undefined);
    setMessage(null);
    setBusy(true);
    try {
      await what();
      setMessage(done);
      defaults.reload();
      groups.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const defaultPath = pathOf('/api/v1/accounts/{accountId}/default-baselines/{operatingSystem}', { accountId, operatingSystem: os });
  const groupPath = (g: string) => pathOf('/api/v1/accounts/{accountId}/patch-groups/{patchGroup}/baselines/{operatingSystem}', { accountId, patchGroup: g, operatingSystem: os });

  return (
    <Card title="Where it applies" testId="where-it-applies">
      {props.onAccountChange === undefined ? null : (
        <div className="filters">
          <Field label="Account">{(id) => <AccountSelect id={id} accounts={session.accounts} value={accountId} onChange={props.onAccountChange!} />}</Field>
        </div>
      )}
      {message === null ? null : <Notice kind="success">{message}</Notice>}
      <ErrorBox error={error ?? defaults.error ?? groups.error} />
      <dl className="facts">
        <dt>
          Default for {osName(os)} in {accountName}
        </dt>
        <dd data-testid="default-status">
          {current === undefined ? (
            <span className="muted">…</span>
          ) : isDefault ? (
            <>
              <strong>This baseline</strong> {current.registered ? '(registered)' : '(no other baseline registered)'}
            </>
          ) : (
            <>
              <Link to={`/baselines/${encodeURIComponent(current.baselineId)}`}>{current.baselineName}</Link> {current.registered ? '' : '(predefined, none registered)'}
            </>
          )}
        </dd>
        <dt>Patch groups</dt>
        <dd>
          {mine.length === 0 ? (
            <span className="muted">No patch group of {accountName} uses it.</span>
          ) : (
            <ul className="bl-list">
              {mine.map((g) => (
                <li key={g.patchGroup}>
                  <code>{g.patchGroup}</code> <span className="muted">(nodes tagged PatchGroup={g.patchGroup})</span>{' '}
                  {manage ? (
                    <Button kind="secondary" disabled={busy} onClick={() => void act(() => api.delete(groupPath(g.patchGroup)), `Patch group ${g.patchGroup} no longer uses ${baseline.name}; its nodes fall back to the account default.`)}>
                      Remove
                    </Button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      {manage ? (
        <div className="apply-actions">
          {!isDefault ? (
            <Button disabled={busy || current === undefined} onClick={() => void act(() => api.put(defaultPath, { baselineId: baseline.id }), `${baseline.name} is now the default for ${osName(os)} in ${accountName}.`)}>
              Make default for {osName(os)} in {accountName}
            </Button>
          ) : current?.registered === true && !baseline.predefined ? (
            <Button kind="secondary" disabled={busy} onClick={() => void act(() => api.delete(defaultPath), `${accountName} uses the predefined ${osName(os)} baseline again.`)}>
              Stop being the default (use the predefined one)
            </Button>
          ) : null}
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const g = group.trim();
              if (g === '') return;
              void act(() => api.put(groupPath(g), { baselineId: baseline.id }), `Patch group ${g} now uses ${baseline.name} for ${osName(os)} nodes.`).then(() => setGroup(''));
            }}
          >
            <Field label="Use for patch group">{(id) => <input id={id} value={group} onChange={(e) => setGroup(e.target.value)} placeholder="web" />}</Field>
            <Button type="submit" kind="secondary" disabled={busy || group.trim() === ''}>
              Register
            </Button>
          </form>
        </div>
      ) : null}
    </Card>
  );
}

function DeleteCard(props: { baseline: Baseline }) {
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <Card title="Delete">
      <ErrorBox error={error} title="The baseline was not deleted" />
      {confirming ? (
        <div className="confirm" role="group" aria-label="Confirm deletion">
          <p>
            Delete <strong>{props.baseline.name}</strong>? This cannot be undone.
          </p>
          <Button
            kind="danger"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              setError(undefined);
              api.delete(pathOf('/api/v1/baselines/{baselineId}', { baselineId: props.baseline.id })).then(
                () => navigate('/baselines'),
                (err: unknown) => {
                  setError(err);
                  setBusy(false);
                  setConfirming(false);
                },
              );
            }}
          >
            Yes, delete it
          </Button>{' '}
          <Button kind="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
        </div>
      ) : (
        <>
          <p className="muted small">A baseline still registered as a default or for a patch group cannot be deleted.</p>
          <Button kind="danger" onClick={() => setConfirming(true)}>
            Delete baseline
          </Button>
        </>
      )}
    </Card>
  );
}
