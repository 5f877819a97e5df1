import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, pathOf, type Body, type Res } from '../api/client';
import { Badge, Button, Card, DataTable, EmptyState, ErrorBox, Field, Loading, Notice, Page, Pager, Time, type Column } from '../components/ui';
import { useApi, useTitle } from '../hooks';
import { useSession } from '../session';

type NodeDetail = Res<'getNode'>;
type NodeBaseline = Res<'getNodeBaseline'>;
type ComplianceDetail = Res<'getNodeCompliance'>;
type PatchState = ComplianceDetail['patches'][number];
type HistoryEntry = Res<'getNodeComplianceHistory'>['items'][number];
type CommandSummary = Res<'listCommands'>['items'][number];

const PATCH_STATES = ['MISSING', 'FAILED', 'INSTALLED_PENDING_REBOOT', 'INSTALLED_REJECTED', 'AVAILABLE_SECURITY_UPDATE', 'INSTALLED', 'NOT_APPLICABLE'] as const;
const STATE_ORDER = new Map<string, number>(PATCH_STATES.map((s, i) => [s, i]));
const STATE_WORDS: Record<string, string> = {
  MISSING: 'Missing',
  FAILED: 'Failed',
  INSTALLED_PENDING_REBOOT: 'Installed, reboot pending',
  INSTALLED_REJECTED: 'Installed but rejected',
  AVAILABLE_SECURITY_UPDATE: 'Security update not approved',
  INSTALLED: 'Installed',
  NOT_APPLICABLE: 'Not applicable',
};
const FINISHED = ['Success', 'Failed', 'Cancelled'];
const PATCH_PAGE = 50;
const HISTORY_PAGE = 10;
const COMMANDS_PAGE = 10;
const REBOOT_REASONS: Record<string, string> = {
  'reboot-required-file': 'a package asked for it (/var/run/reboot-required)',
  'needs-restarting': 'needs-restarting says so',
  'newer-kernel-installed': 'a newer kernel is installed than the one running',
};

/** One node: platform, tags, baseline and why, per-patch states, history, and the commands that touched it. */
export function NodePage() {
  const { nodeId = '' } = useParams();
  const session = useSession();
  const node = useApi<NodeDetail>(pathOf('/api/v1/nodes/{nodeId}', { nodeId }));
  const baseline = useApi<NodeBaseline>(pathOf('/api/v1/nodes/{nodeId}/baseline', { nodeId }));
  const [stateFilter, setStateFilter] = useState('');
  const compliance = useApi<ComplianceDetail>(pathOf('/api/v1/nodes/{nodeId}/compliance', { nodeId }, { state: stateFilter }));
  const [historyOffset, setHistoryOffset] = useState(0);
  const history = useApi<Res<'getNodeComplianceHistory'>>(pathOf('/api/v1/nodes/{nodeId}/compliance/history', { nodeId }, { limit: HISTORY_PAGE, offset: historyOffset }));
  const [commandsOffset, setCommandsOffset] = useState(0);
  const [live, setLive] = useState(false);
  const commands = useApi<Res<'listCommands'>>(pathOf('/api/v1/commands', {}, { nodeId, limit: COMMANDS_PAGE, offset: commandsOffset }), live ? { refreshMs: 2000 } : {});
  const running = commands.data?.items.some((c) => !FINISHED.includes(c.status)) ?? false;
  if (running !== live) {
    setLive(running);
    // A command just ended: its result changed the node's state and history.
    if (!running) {
      node.reload();
      compliance.reload();
      history.reload();
    }
  }

  const n = node.data;
  useTitle(n === undefined ? 'Node' : n.hostname);
  if (n === undefined) {
    const notFound = node.error instanceof ApiError && node.error.status === 404;
    return (
      <Page title="Node" testId="node-page" busy={node.error === undefined}>
        {notFound ? (
          <EmptyState title="There is no such node, or it is in an account you cannot see.">
            <p>
              Back to the <Link to="/nodes">nodes</Link>.
            </p>
          </EmptyState>
        ) : (
          <ErrorBox error={node.error} onRetry={node.reload} title="The node could not be loaded" />
        )}
        {node.error === undefined ? <Loading label="Loading the node…" /> : null}
      </Page>
    );
  }

  const accountName = session.accounts.find((a) => a.id === n.accountId)?.name ?? n.accountId;
  const canOperate = session.can(n.accountId, 'operate') && n.deregisteredAt === null;
  const c = compliance.data?.node;

  return (
    <Page
      title={n.hostname}
      subtitle={
        <>
          Node <code>{n.id}</code> in account <Link to={`/nodes?${new URLSearchParams({ accountId: n.accountId }).toString()}`}>{accountName}</Link>
          {n.deregisteredAt === null ? null : (
            <>
              {' '}
              — deregistered <Time value={n.deregisteredAt} />
            </>
          )}
        </>
      }
      testId="node-page"
      busy={node.loading || compliance.loading}
      actions={canOperate ? <ScanButton node={n} onSent={() => setLive(true)} reloadCommands={commands.reload} /> : undefined}
    >
      <div className="stats">
        <div className="stat">
          <div className="value" data-testid="node-compliance">
            {c === undefined ? <span className="muted">—</span> : <Badge value={c.status} />}
          </div>
          <div className="label">{c === undefined ? 'Compliance' : c.status === 'UNKNOWN' ? (c.reason ?? 'Compliance unknown') : <>Evaluated <Time value={c.evaluatedAt} /></>}</div>
        </div>
        <Stat label="Missing or failed patches" value={c === undefined ? null : c.counts.MISSING + c.counts.FAILED} tone={c !== undefined && c.counts.MISSING + c.counts.FAILED > 0 ? 'bad' : undefined} />
        <Stat label="Overdue (past SLA)" value={c === undefined ? null : c.overdue} tone={c !== undefined && c.overdue > 0 ? 'warn' : undefined} />
        <Stat label={`Pending updates (${n.securityUpdateCount} security)`} value={n.updateCount} />
        <div className={`stat ${n.reboot.required ? 'warn' : ''}`}>
          <div className="value">{n.reboot.required ? 'Reboot' : 'No reboot'}</div>
          <div className="label">{n.reboot.required ? 'required' : 'needed'}</div>
        </div>
      </div>

      <div className="node-grid">
        <Card title="Platform" testId="node-platform">
          <dl className="facts">
            <dt>Operating system</dt>
            <dd>
              {n.prettyName} <span className="muted">({n.osId} {n.osVersion}{n.codename === '' ? '' : ` ${n.codename}`})</span>
            </dd>
            <dt>Architecture</dt>
            <dd>{n.arch}</dd>
            <dt>Kernel</dt>
            <dd>
              {n.kernel.running === '' ? <span className="muted">not reported</span> : n.kernel.running}
              {n.kernel.installed.filter((k) => k !== n.kernel.running).length > 0 ? (
                <div className="muted small">also installed: {n.kernel.installed.filter((k) => k !== n.kernel.running).join(', ')}</div>
              ) : null}
            </dd>
            <dt>Package manager</dt>
            <dd>
              {n.packageManager} <span className="muted">({n.packageCount.toLocaleString('en-US')} packages)</span>
            </dd>
            <dt>Agent</dt>
            <dd>{n.agentVersion}</dd>
            <dt>Addresses</dt>
            <dd>{n.addresses.length === 0 ? <span className="muted">none reported</span> : n.addresses.join(', ')}</dd>
            <dt>Ping</dt>
            <dd>
              <Badge value={n.pingStatus} /> last seen <Time value={n.lastSeenAt} />
            </dd>
            <dt>Inventory</dt>
            <dd>{n.inventoryAt === null ? <span className="muted">none yet: the agent sends it after enrolling</span> : <>revision {n.inventoryRevision}, <Time value={n.inventoryAt} /></>}</dd>
            <dt>Registered</dt>
            <dd>
              <Time value={n.registeredAt} />
              {n.activationId === null ? null : <span className="muted"> with activation {n.activationId}</span>}
            </dd>
            <dt>Reboot</dt>
            <dd data-testid="node-reboot">
              {n.reboot.required ? (
                <>
                  <Badge value="required" tone="warn" /> {n.reboot.reasons.map((r) => REBOOT_REASONS[r] ?? r).join('; ') || 'reason not reported'}
                  {n.reboot.packages.length > 0 ? <div className="muted small">asked for by {n.reboot.packages.slice(0, 10).join(', ')}{n.reboot.packages.length > 10 ? ` and ${n.reboot.packages.length - 10} more` : ''}</div> : null}
                </>
              ) : (
                'not required'
              )}
            </dd>
          </dl>
        </Card>

        <div className="node-side">
          <Card title="Tags" testId="node-tags">
            {Object.keys(n.tags).length === 0 ? (
              <p className="muted">No tags. Tags choose the targets of operations and the patch group; admins set them with the CLI or API.</p>
            ) : (
              <ul className="node-tags">
                {Object.entries(n.tags)
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([k, v]) => (
                    <li key={k}>
                      <Link to={`/nodes?${new URLSearchParams({ tag: `${k}=${v}` }).toString()}`} title="Nodes with this tag">
                        {k}={v}
                      </Link>
                    </li>
                  ))}
              </ul>
            )}
          </Card>
          <Card title="Effective baseline" testId="node-baseline">
            <BaselineFacts state={baseline} />
          </Card>
        </div>
      </div>

      <Card
        title="Patches"
        testId="node-patches"
        actions={
          <div className="node-inline-filter">
            <Field label="State">
              {(id) => (
                <select id={id} value={stateFilter} onChange={(e) => setStateFilter(e.target.value)}>
                  <option value="">Every state</option>
                  {PATCH_STATES.map((s) => (
                    <option key={s} value={s}>
                      {STATE_WORDS[s]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        }
      >
        <ErrorBox error={compliance.error} onRetry={compliance.reload} title="The patch states could not be loaded" />
        {compliance.data === undefined ? compliance.error === undefined ? <Loading label="Loading patch states…" /> : null : <PatchTable key={stateFilter} detail={compliance.data} filtered={stateFilter !== ''} />}
      </Card>

      <div className="node-grid-even">
        <Card title="Compliance history" testId="node-history">
          <ErrorBox error={history.error} onRetry={history.reload} title="The history could not be loaded" />
          {history.data === undefined ? (
            history.error === undefined ? <Loading label="Loading history…" /> : null
          ) : (
            <>
              <HistoryTable items={history.data.items} />
              <Pager total={history.data.total} limit={HISTORY_PAGE} offset={historyOffset} onChange={setHistoryOffset} />
            </>
          )}
        </Card>
        <Card
          title="Commands that touched it"
          testId="node-commands"
          actions={
            <Link to={`/commands?${new URLSearchParams({ accountId: n.accountId }).toString()}`} className="small">
              All commands of {accountName}
            </Link>
          }
        >
          <ErrorBox error={commands.error} onRetry={commands.reload} title="The commands could not be loaded" />
          {commands.data === undefined ? (
            commands.error === undefined ? <Loading label="Loading commands…" /> : null
          ) : (
            <>
              <CommandsTable items={commands.data.items} canOperate={canOperate} />
              <Pager total={commands.data.total} limit={COMMANDS_PAGE} offset={commandsOffset} onChange={setCommandsOffset} />
            </>
          )}
        </Card>
      </div>
    </Page>
  );
}

function Stat(props: { label: string; value: number | null; tone?: 'good' | 'bad' | 'warn' | undefined }) {
  return (
    <div className={`stat ${props.tone ?? ''}`}>
      <div className="value">{props.value === null ? <span className="muted">—</span> : props.value.toLocaleString('en-US')}</div>
      <div className="label">{props.label}</div>
    </div>
  );
}

/** "Scan now": a Scan of this node alone (operators and admins of its account). */
function ScanButton(props: { node: NodeDetail; onSent: () => void; reloadCommands: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [sent, setSent] = useState<string | null>(null);
  const scan = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body: Body<'sendCommand'> = { document: 'Scan', targets: { nodeIds: [props.node.id] }, comment: `Scan of ${props.node.hostname} from its page` };
      const command = await api.post<Res<'sendCommand'>>(pathOf('/api/v1/accounts/{accountId}/commands', { accountId: props.node.accountId }), body);
      setSent(command.id);
      props.onSent();
      props.reloadCommands();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="node-scan">
      <Button onClick={() => void scan()} disabled={busy}>
        {busy ? 'Sending…' : 'Scan now'}
      </Button>
      {sent === null ? null : (
        <Notice kind="success">
          Scan sent: <Link to={`/commands/${encodeURIComponent(sent)}`}>follow it</Link>.
        </Notice>
      )}
      <ErrorBox error={error} title="The scan could not be sent" />
    </div>
  );
}

function BaselineFacts(props: { state: { data: NodeBaseline | undefined; error: unknown; reload: () => void } }) {
  const { data, error, reload } = props.state;
  if (data === undefined) return error === undefined ? <Loading label="Loading the baseline…" /> : <ErrorBox error={error} onRetry={reload} title="The baseline could not be loaded" />;
  return (
    <>
      {data.baseline === null ? (
        <p>
          <strong>No baseline applies.</strong> {data.reason}
        </p>
      ) : (
        <p>
          <Link to={`/baselines/${encodeURIComponent(data.baseline.id)}`}>{data.baseline.name}</Link> <span className="muted">version {data.baseline.version}</span>
          {data.baseline.predefined && data.source !== 'predefined' ? <span className="muted"> (predefined)</span> : null}
          {data.source === null ? null : (
            <>
              {' '}
              <Badge value={data.source} tone="info" />
            </>
          )}
          <br />
          <span className="muted">{data.reason}</span>
        </p>
      )}
      {data.patchGroup === null ? null : (
        <p className="small">
          Patch group: <strong>{data.patchGroup}</strong>
        </p>
      )}
      <details className="node-chain">
        <summary>Why this baseline (precedence, highest first)</summary>
        <ol>
          {data.chain.map((l) => (
            <li key={l.level}>
              <strong>{l.level}</strong> <Badge value={l.status} tone={l.status === 'applies' ? 'good' : 'muted'} /> <span className="muted">{l.reason}</span>
            </li>
          ))}
        </ol>
      </details>
    </>
  );
}

function PatchTable(props: { detail: ComplianceDetail; filtered: boolean }) {
  const [offset, setOffset] = useState(0);
  const rows = useMemo(
    () => [...props.detail.patches].sort((a, b) => (STATE_ORDER.get(a.state) ?? 99) - (STATE_ORDER.get(b.state) ?? 99) || a.name.localeCompare(b.name)),
    [props.detail.patches],
  );
  const columns: Column<PatchState>[] = [
    {
      key: 'name',
      header: 'Package',
      render: (p) => (
        <>
          <Link to={`/patches?${new URLSearchParams({ name: p.name }).toString()}`}>{p.name}</Link>
          <span className="muted small"> {p.arch}</span>
        </>
      ),
    },
    {
      key: 'state',
      header: 'State',
      render: (p) => (
        <>
          <Badge value={p.state} />
          {p.overdue ? <div className="ov-overdue small">overdue{p.dueAt === null ? '' : ' since '}{p.dueAt === null ? null : <Time value={p.dueAt} />}</div> : p.dueAt !== null && (p.state === 'MISSING' || p.state === 'FAILED') ? <div className="muted small">due <Time value={p.dueAt} /></div> : null}
        </>
      ),
    },
    {
      key: 'versions',
      header: 'Installed → approved',
      render: (p) => (
        <span className="node-versions">
          {p.installedVersion ?? <span className="muted">not installed</span>}
          {p.approvedVersion !== null && p.approvedVersion !== p.installedVersion ? <> → <strong>{p.approvedVersion}</strong></> : null}
          {p.candidateVersion !== null && p.candidateVersion !== p.approvedVersion && p.candidateVersion !== p.installedVersion ? <div className="muted small">available {p.candidateVersion}</div> : null}
        </span>
      ),
    },
    {
      key: 'severity',
      header: 'Severity',
      render: (p) => (
        <>
          <Badge value={p.severity.toUpperCase()} />
          <div className="muted small">level {p.complianceLevel.toLowerCase()}{p.security ? ', security' : ''}</div>
        </>
      ),
    },
    {
      key: 'cves',
      header: 'CVEs and advisories',
      render: (p) =>
        p.cves.length === 0 && p.advisoryIds.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <span className="node-refs">
            {p.cves.map((cve) => (
              <Link key={cve} to={`/advisories?${new URLSearchParams({ cve }).toString()}`}>
                {cve}
              </Link>
            ))}
            {p.advisoryIds
              .filter((a) => !p.cves.includes(a))
              .map((a) => (
                <Link key={a} to={`/advisories/${encodeURIComponent(a)}`} className="node-advisory">
                  {a}
                </Link>
              ))}
          </span>
        ),
    },
    {
      key: 'reason',
      header: 'Why',
      className: 'node-reason',
      render: (p) => (
        <>
          {p.reason}
          {p.failureMessage === null ? null : <div className="ops-error-text small">{p.failureMessage}</div>}
        </>
      ),
    },
  ];
  const detail = props.detail;
  return (
    <>
      {detail.baseline === null && detail.node.status === 'UNKNOWN' ? <Notice kind="warning">{detail.node.reason ?? 'The compliance of this node is unknown.'}</Notice> : null}
      <DataTable
        caption="Patch states"
        testId="node-patch-table"
        columns={columns}
        rows={rows.slice(offset, offset + PATCH_PAGE)}
        rowKey={(p) => `${p.name}:${p.arch}`}
        empty={props.filtered ? 'No patch is in this state.' : 'No patch applies yet: the node has not reported updates its baseline approves. Scan it to check again.'}
      />
      <Pager total={rows.length} limit={PATCH_PAGE} offset={offset} onChange={setOffset} />
    </>
  );
}

function HistoryTable(props: { items: HistoryEntry[] }) {
  const columns: Column<HistoryEntry>[] = [
    { key: 'at', header: 'When', render: (h) => <Time value={h.at} /> },
    {
      key: 'operation',
      header: 'What',
      render: (h) => (h.commandId === null ? h.operation : <Link to={`/commands/${encodeURIComponent(h.commandId)}`}>{h.operation}</Link>),
    },
    { key: 'status', header: 'Status', render: (h) => <Badge value={h.status} /> },
    {
      key: 'missing',
      header: 'Missing / failed',
      render: (h) =>
        h.missing.length === 0 && h.failed.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <span className="node-history-missing">
            {[...h.missing, ...h.failed.map((f) => `${f} (failed)`)].slice(0, 4).join(', ')}
            {h.missing.length + h.failed.length > 4 ? ` +${h.missing.length + h.failed.length - 4} more` : ''}
          </span>
        ),
    },
    { key: 'overdue', header: 'Overdue', className: 'num', render: (h) => h.overdue },
  ];
  return <DataTable caption="Compliance history" testId="node-history-table" columns={columns} rows={props.items} rowKey={(h) => h.id} empty="No evaluation yet: the history starts with the node's first inventory." />;
}

function CommandsTable(props: { items: CommandSummary[]; canOperate: boolean }) {
  const columns: Column<CommandSummary>[] = [
    { key: 'id', header: 'Command', render: (c) => <Link to={`/commands/${encodeURIComponent(c.id)}`}>{c.document}</Link> },
    { key: 'status', header: 'Status', render: (c) => <Badge value={c.status} /> },
    { key: 'targets', header: 'Nodes', className: 'num', render: (c) => c.targetCount },
    { key: 'by', header: 'Sent by', render: (c) => c.createdBy ?? <span className="muted">system</span> },
    { key: 'at', header: 'Sent', render: (c) => <Time value={c.createdAt} /> },
  ];
  return (
    <DataTable
      caption="Commands that touched this node"
      testId="node-commands-table"
      columns={columns}
      rows={props.items}
      rowKey={(c) => c.id}
      empty={props.canOperate ? 'No command has run on this node yet. "Scan now" checks it against its baseline.' : 'No command has run on this node yet.'}
    />
  );
}
