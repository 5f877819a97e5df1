import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { pathOf, type Res } from '../api/client';
import { Chart, COLORS, type ChartOption } from '../components/chart';
import { DependencyCompliance } from '../components/overview-deps';
import { EnrollCard } from '../components/overview-enroll';
import { Badge, Card, DataTable, EmptyState, ErrorBox, Loading, Page, type Column } from '../components/ui';
import { useApi, useTitle } from '../hooks';

type Summary = Res<'getComplianceSummary'>;
type Group = Summary['groups'][number];
type Trend = Res<'getComplianceTrend'>;
type PatchItem = Res<'getCompliancePatchSummary'>['items'][number];
type CveItem = Res<'listComplianceCves'>['items'][number];
type NodePage = Res<'listNodes'>;

const LEVELS = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNSPECIFIED'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];
const SEVERITY_COLORS: Record<string, string> = {
  critical: COLORS.CRITICAL,
  high: COLORS.HIGH,
  medium: COLORS.MEDIUM,
  low: COLORS.LOW,
  none: COLORS.INFORMATIONAL,
  unknown: COLORS.UNSPECIFIED,
};

const n = (value: number) => value.toLocaleString('en-US');
const plural = (count: number, one: string, many = `${one}s`) => `${n(count)} ${count === 1 ? one : many}`;
const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/**
 * The overview: where the fleet stands at a glance. Every section is fetched at once (one request
 * each, never per node) and the page is busy until all of them have answered and been drawn.
 */
export function OverviewPage() {
  useTitle('Overview');
  const navigate = useNavigate();
  const byAccount = useApi<Summary>(pathOf('/api/v1/compliance/summary', {}, { groupBy: 'account' }));
  const byOs = useApi<Summary>(pathOf('/api/v1/compliance/summary', {}, { groupBy: 'os' }));
  const bySeverity = useApi<Summary>(pathOf('/api/v1/compliance/summary', {}, { groupBy: 'severity' }));
  const trend = useApi<Trend>(pathOf('/api/v1/compliance/trend', {}, { days: 30 }));
  const patches = useApi<Res<'getCompliancePatchSummary'>>(pathOf('/api/v1/compliance/patches/summary', {}, { sort: '-missing', limit: 10 }));
  const cves = useApi<Res<'listComplianceCves'>>(pathOf('/api/v1/compliance/cves', {}, { sort: '-nodes', limit: 10 }));
  const deps = useApi<Res<'getDependencyCompliance'>>(pathOf('/api/v1/dependencies/compliance', {}, { groupBy: 'account' }));
  // Two nodes are enough to tell a first run (none, or only this machine's local node) from a fleet.
  const [probeRefresh, setProbeRefresh] = useState<number | undefined>(undefined);
  const probe = useApi<NodePage>(pathOf('/api/v1/nodes', {}, { limit: 2, sort: 'registeredAt' }), probeRefresh === undefined ? {} : { refreshMs: probeRefresh });

  const sections = [byAccount, byOs, bySeverity, trend, patches, cves, deps, probe];
  const answered = sections.every((s) => s.data !== undefined || s.error !== undefined);
  // Children's effects (the charts' setOption) run before this one: once it has run after every
  // section answered, the charts are drawn.
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    if (answered) setDrawn(true);
  }, [answered]);

  const firstRun = probe.data !== undefined && isFirstRun(probe.data);
  // While the fleet is empty, look again now and then: the local agent enrolls within a minute.
  const wantRefresh = probe.data !== undefined && probe.data.total === 0 ? 10_000 : undefined;
  if (wantRefresh !== probeRefresh) setProbeRefresh(wantRefresh);
  // The first node arrived while the page was open: load the sections again to show it.
  const [seenTotal, setSeenTotal] = useState<number | undefined>(undefined);
  if (probe.data !== undefined && probe.data.total !== seenTotal) {
    if (seenTotal === 0) for (const s of [byAccount, byOs, bySeverity, trend, patches, cves, deps]) s.reload();
    setSeenTotal(probe.data.total);
  }

  const totals = byAccount.data?.totals;
  const notEvaluated = probe.data !== undefined && totals !== undefined ? Math.max(0, probe.data.total - totals.nodes) : 0;

  return (
    <Page title="Overview" subtitle="Compliance across every account you can see, and what to patch next." testId="overview" busy={!drawn}>
      {firstRun && probe.data !== undefined ? <EnrollCard localNode={probe.data.items[0] ?? null} /> : null}

      <ErrorBox error={byAccount.error} onRetry={byAccount.reload} title="The compliance summary could not be loaded" />
      {totals === undefined ? (
        byAccount.error === undefined ? <Loading label="Loading the compliance summary…" /> : null
      ) : (
        <Stats totals={totals} notEvaluated={notEvaluated} />
      )}

      <div className="ov-grid">
        <Card title="Nodes per account" className="ov-wide" testId="section-accounts">
          <Section state={byAccount} what="the compliance per account">
            {(s) => (
              <StackedBars
                groups={s.groups}
                labelOf={accountLabel}
                testId="chart-accounts"
                title="Compliant vs non-compliant nodes per account"
                onPick={(g) => {
                  if (g.key !== null) void navigate(`/nodes?${new URLSearchParams({ accountId: g.key, complianceStatus: 'NON_COMPLIANT' }).toString()}`);
                }}
                hint="Click a bar to list that account's non-compliant nodes."
              />
            )}
          </Section>
        </Card>
        <Card
          title="Repositories per account: vulnerable dependencies"
          className="ov-wide"
          testId="section-repositories"
          actions={
            <Link to="/dependencies" className="small">
              All findings
            </Link>
          }
        >
          <Section state={deps} what="the dependency compliance">
            {(d) => <DependencyCompliance summary={d} />}
          </Section>
        </Card>
        <Card title="Nodes per operating system" testId="section-os">
          <Section state={byOs} what="the compliance per operating system">
            {(s) => <StackedBars groups={s.groups} labelOf={osGroupLabel} testId="chart-os" title="Compliant vs non-compliant nodes per operating system" />}
          </Section>
        </Card>
        <Card title="Non-compliant nodes by severity" testId="section-severity">
          <Section state={bySeverity} what="the non-compliant nodes by severity">
            {(s) => <SeverityChart summary={s} />}
          </Section>
        </Card>
        <Card title="Non-compliant nodes by compliance level" testId="section-levels">
          <Section state={byAccount} what="the non-compliant nodes by compliance level">
            {(s) => <LevelChart totals={s.totals} />}
          </Section>
        </Card>
        <Card title="Compliance over the last 30 days" testId="section-trend">
          <Section state={trend} what="the compliance trend">
            {(t) => <TrendChart trend={t} />}
          </Section>
        </Card>
        <Card
          title="Most urgent missing patches"
          className="ov-half"
          testId="section-patches"
          actions={
            <Link to="/patches" className="small">
              All patches
            </Link>
          }
        >
          <Section state={patches} what="the missing patches">
            {(p) => <UrgentPatches items={p.items} />}
          </Section>
        </Card>
        <Card
          title="CVEs with the widest exposure"
          className="ov-half"
          testId="section-cves"
          actions={
            <Link to="/advisories" className="small">
              All advisories
            </Link>
          }
        >
          <Section state={cves} what="the CVE exposure">
            {(c) => <CveTable items={c.items} />}
          </Section>
        </Card>
      </div>
    </Page>
  );
}

/** No node, or only this machine's own (the quick start's local agent): the fleet is still to be enrolled. */
function isFirstRun(nodes: NodePage): boolean {
  if (nodes.total === 0) return true;
  return nodes.total === 1 && nodes.items[0]?.tags['patchwarden:local'] === 'true';
}

/** A section's content once its data is there; its error in words (with retry) otherwise. */
function Section<T>(props: { state: { data: T | undefined; error: unknown; reload: () => void }; what: string; children: (data: T) => ReactNode }) {
  const { data, error, reload } = props.state;
  if (data === undefined) {
    return error === undefined ? <Loading label={`Loading ${props.what}…`} /> : <ErrorBox error={error} onRetry={reload} title={`Could not load ${props.what}`} />;
  }
  return <>{props.children(data)}</>;
}

function Stats(props: { totals: Group; notEvaluated: number }) {
  const t = props.totals;
  return (
    <div className="stats" data-testid="overview-stats">
      <div className="stat">
        <div className="value" data-testid="stat-nodes">
          {n(t.nodes + props.notEvaluated)}
        </div>
        <div className="label">{props.notEvaluated > 0 ? `Nodes (${n(props.notEvaluated)} not evaluated yet)` : 'Nodes'}</div>
      </div>
      <div className={`stat ${t.nodes > 0 && t.nonCompliant === 0 ? 'good' : ''}`}>
        <div className="value" data-testid="stat-compliant">
          {t.nodes === 0 ? '—' : `${pct(t.compliant, t.nodes)}%`}
        </div>
        <div className="label">Compliant ({n(t.compliant)} nodes)</div>
      </div>
      <Link className={`stat stat-link ${t.nonCompliant > 0 ? 'bad' : ''}`} to="/nodes?complianceStatus=NON_COMPLIANT">
        <div className="value" data-testid="stat-non-compliant">
          {n(t.nonCompliant)}
        </div>
        <div className="label">Non-compliant nodes</div>
      </Link>
      <Link className="stat stat-link" to="/nodes?complianceStatus=UNKNOWN">
        <div className="value" data-testid="stat-unknown">
          {n(t.unknown)}
        </div>
        <div className="label">Unknown (not scanned, no baseline)</div>
      </Link>
      <div className={`stat ${t.overduePatches > 0 ? 'warn' : ''}`}>
        <div className="value" data-testid="stat-overdue">
          {n(t.overduePatches)}
        </div>
        <div className="label">SLA breaches: overdue patches on {plural(t.overdueNodes, 'node')}</div>
      </div>
    </div>
  );
}

const accountLabel = (g: Group): string => g.label ?? g.key ?? 'no account';
const osGroupLabel = (g: Group): string => (g.key === null || g.key === '' ? 'unknown OS' : g.key.replace(/_/g, ' '));

const axisLabel = { color: '#5f6b7a', fontSize: 12 };

/** Horizontal stacked bars (compliant / non-compliant / unknown) per group, one row per group. */
function StackedBars(props: { groups: Group[]; labelOf: (g: Group) => string; testId: string; title: string; onPick?: (g: Group) => void; hint?: string }) {
  const { groups, labelOf } = props;
  const rows = useMemo(() => [...groups].sort((a, b) => b.nodes - a.nodes || labelOf(a).localeCompare(labelOf(b))), [groups, labelOf]);
  const clickable = props.onPick !== undefined;
  const option = useMemo<ChartOption>(() => {
    const names = rows.map(labelOf).reverse();
    const series = (name: string, color: string, pick: (g: Group) => number) => ({
      name,
      type: 'bar',
      stack: 'nodes',
      barMaxWidth: 26,
      itemStyle: { color },
      emphasis: { focus: 'series' },
      data: rows.map(pick).reverse(),
      cursor: clickable ? 'pointer' : 'default',
    });
    return {
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 12 },
      xAxis: { type: 'value', minInterval: 1, axisLabel },
      yAxis: { type: 'category', data: names, axisLabel: { ...axisLabel, width: 160, overflow: 'truncate' } },
      series: [series('Compliant', COLORS.compliant, (g) => g.compliant), series('Non-compliant', COLORS.nonCompliant, (g) => g.nonCompliant), series('Unknown', COLORS.unknown, (g) => g.unknown)],
    };
  }, [rows, labelOf, clickable]);
  if (rows.length === 0) return <EmptyState title="No node has been evaluated yet.">{noDataHint}</EmptyState>;
  const summary = `${props.title}: ${rows.map((g) => `${labelOf(g)}: ${plural(g.nodes, 'node')}, ${n(g.compliant)} compliant, ${n(g.nonCompliant)} non-compliant, ${n(g.unknown)} unknown`).join('; ')}.`;
  const byLabel = new Map(rows.map((g) => [labelOf(g), g] as const));
  return (
    <>
      <Chart
        option={option}
        summary={summary}
        testId={props.testId}
        height={Math.min(520, Math.max(150, 60 + rows.length * 34))}
        onClick={(name) => {
          const g = byLabel.get(name);
          if (g !== undefined) props.onPick?.(g);
        }}
      />
      {props.onPick === undefined ? null : (
        <p className="muted small ov-chart-hint">
          {props.hint} Or:{' '}
          {rows
            .filter((g) => g.key !== null && g.nonCompliant > 0)
            .slice(0, 8)
            .map((g, i) => (
              <span key={g.key}>
                {i === 0 ? '' : ', '}
                <Link to={`/nodes?${new URLSearchParams({ accountId: g.key!, complianceStatus: 'NON_COMPLIANT' }).toString()}`}>{labelOf(g)}</Link>
              </span>
            ))}
          {rows.some((g) => g.nonCompliant > 0) ? null : 'no account has non-compliant nodes.'}
        </p>
      )}
    </>
  );
}

const noDataHint = <p>Nodes appear here after their first inventory has been evaluated against their baseline.</p>;

function SeverityChart(props: { summary: Summary }) {
  const { groups } = props.summary;
  const counts = useMemo(() => {
    const out = new Map<string, number>();
    for (const g of groups) {
      if (g.nonCompliant === 0) continue;
      const key = (g.key ?? 'unknown').toLowerCase();
      out.set(key, (out.get(key) ?? 0) + g.nonCompliant);
    }
    return out;
  }, [groups]);
  const keys = useMemo(() => [...SEVERITIES.filter((s) => counts.has(s)), ...[...counts.keys()].filter((k) => !SEVERITIES.includes(k))], [counts]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: keys, axisLabel },
      yAxis: { type: 'value', minInterval: 1, axisLabel },
      series: [{ name: 'Non-compliant nodes', type: 'bar', barMaxWidth: 48, data: keys.map((k) => ({ value: counts.get(k) ?? 0, itemStyle: { color: SEVERITY_COLORS[k] ?? COLORS.unknown } })) }],
    }),
    [keys, counts],
  );
  if (keys.length === 0) return <EmptyState title="No non-compliant node.">{props.summary.totals.nodes === 0 ? noDataHint : <p>Every evaluated node has the patches its baseline approves.</p>}</EmptyState>;
  const summary = `Non-compliant nodes by the highest severity they miss: ${keys.map((k) => `${k} ${n(counts.get(k) ?? 0)}`).join(', ')}.`;
  return <Chart option={option} summary={summary} testId="chart-severity" height={220} />;
}

function LevelChart(props: { totals: Group }) {
  const byLevel = props.totals.nonCompliantByLevel;
  const levels = useMemo(() => LEVELS.filter((l) => (byLevel[l] ?? 0) > 0), [byLevel]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'category', data: levels, axisLabel },
      yAxis: { type: 'value', minInterval: 1, axisLabel },
      series: [{ name: 'Non-compliant nodes', type: 'bar', barMaxWidth: 48, data: levels.map((l) => ({ value: byLevel[l] ?? 0, itemStyle: { color: COLORS[l] } })) }],
    }),
    [levels, byLevel],
  );
  if (levels.length === 0) return <EmptyState title="No non-compliant node.">{props.totals.nodes === 0 ? noDataHint : <p>Nothing a baseline approves is missing.</p>}</EmptyState>;
  const summary = `Non-compliant nodes by the highest compliance level of what they miss: ${levels.map((l) => `${l.toLowerCase()} ${n(byLevel[l] ?? 0)}`).join(', ')}.`;
  return <Chart option={option} summary={summary} testId="chart-levels" height={220} />;
}

function TrendChart(props: { trend: Trend }) {
  const points = props.trend.points;
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 10 },
      xAxis: { type: 'category', data: points.map((p) => p.day), axisLabel, boundaryGap: false },
      yAxis: { type: 'value', minInterval: 1, axisLabel },
      series: [
        { name: 'Compliant', type: 'line', showSymbol: points.length < 2, data: points.map((p) => p.compliant), itemStyle: { color: COLORS.compliant } },
        { name: 'Non-compliant', type: 'line', showSymbol: points.length < 2, data: points.map((p) => p.nonCompliant), itemStyle: { color: COLORS.nonCompliant } },
        { name: 'Unknown', type: 'line', showSymbol: points.length < 2, data: points.map((p) => p.unknown), itemStyle: { color: COLORS.unknown } },
        { name: 'With overdue patches', type: 'line', showSymbol: points.length < 2, lineStyle: { type: 'dashed' }, data: points.map((p) => p.overdueNodes), itemStyle: { color: COLORS.overdue } },
      ],
    }),
    [points],
  );
  if (points.length === 0) return <EmptyState title="No history yet.">{noDataHint}</EmptyState>;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const summary =
    points.length === 1
      ? `Compliance on ${last.day}: ${n(last.compliant)} compliant, ${n(last.nonCompliant)} non-compliant, ${n(last.unknown)} unknown, ${n(last.overdueNodes)} with overdue patches.`
      : `Compliance from ${first.day} to ${last.day}: compliant nodes ${n(first.compliant)} → ${n(last.compliant)}, non-compliant ${n(first.nonCompliant)} → ${n(last.nonCompliant)}, unknown ${n(first.unknown)} → ${n(last.unknown)}, with overdue patches ${n(first.overdueNodes)} → ${n(last.overdueNodes)}.`;
  return <Chart option={option} summary={summary} testId="chart-trend" height={240} />;
}

function UrgentPatches(props: { items: PatchItem[] }) {
  const rows = props.items.filter((p) => (p.byState.MISSING ?? 0) + (p.byState.FAILED ?? 0) > 0);
  const columns: Column<PatchItem>[] = [
    { key: 'name', header: 'Package', className: 'ov-nowrap', render: (p) => <Link to={`/patches?${new URLSearchParams({ name: p.name }).toString()}`}>{p.name}</Link> },
    {
      key: 'missing',
      header: 'Missing on',
      className: 'num',
      render: (p) => (
        <>
          {n(p.byState.MISSING ?? 0)}
          {(p.byState.FAILED ?? 0) > 0 ? <span className="muted small"> +{n(p.byState.FAILED)} failed</span> : null}
        </>
      ),
    },
    { key: 'severity', header: 'Severity', render: (p) => <Badge value={p.highestSeverity.toUpperCase()} /> },
    { key: 'overdue', header: 'Overdue', className: 'num', render: (p) => (p.overdue > 0 ? <span className="ov-overdue">{n(p.overdue)}</span> : '0') },
    { key: 'cves', header: 'CVEs', render: (p) => <CveList cves={p.cves} /> },
  ];
  return (
    <DataTable
      caption="Most urgent missing patches"
      testId="urgent-patches"
      columns={columns}
      rows={rows}
      rowKey={(p) => p.name}
      empty="No approved patch is missing anywhere. Scan regularly to keep it so."
    />
  );
}

function CveList(props: { cves: string[]; max?: number }) {
  const max = props.max ?? 2;
  if (props.cves.length === 0) return <span className="muted">—</span>;
  return (
    <span className="ov-cves">
      {props.cves.slice(0, max).map((c, i) => (
        <span key={c}>
          {i === 0 ? '' : ', '}
          <Link to={`/advisories?${new URLSearchParams({ cve: c }).toString()}`}>{c}</Link>
        </span>
      ))}
      {props.cves.length > max ? <span className="muted"> +{props.cves.length - max} more</span> : null}
    </span>
  );
}

function CveTable(props: { items: CveItem[] }) {
  const columns: Column<CveItem>[] = [
    { key: 'cve', header: 'CVE', className: 'ov-nowrap', render: (c) => <Link to={`/advisories?${new URLSearchParams({ cve: c.cve }).toString()}`}>{c.cve}</Link> },
    { key: 'nodes', header: 'Nodes', className: 'num', render: (c) => n(c.nodes) },
    { key: 'accounts', header: 'Accounts', className: 'num', render: (c) => n(c.accounts) },
    { key: 'severity', header: 'Severity', render: (c) => <Badge value={c.severity.toUpperCase()} /> },
    { key: 'packages', header: 'Fixed by', render: (c) => (c.packages.length === 0 ? <span className="muted">—</span> : c.packages.slice(0, 3).join(', ') + (c.packages.length > 3 ? ` +${c.packages.length - 3}` : '')) },
    { key: 'overdue', header: 'Overdue', className: 'num', render: (c) => (c.overdueNodes > 0 ? <span className="ov-overdue">{n(c.overdueNodes)}</span> : '0') },
  ];
  return (
    <DataTable
      caption="CVEs with the widest exposure"
      testId="cve-exposure"
      columns={columns}
      rows={props.items}
      rowKey={(c) => c.cve}
      empty="No node is exposed to a known CVE. Import advisories to match more of them."
    />
  );
}
