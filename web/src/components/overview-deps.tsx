/**
 * The overview's dependency section: repositories compliant vs non-compliant per account (one
 * aggregate request, getDependencyCompliance), and the open dependency findings past their SLA.
 * In the main bundle with the overview; the repository pages themselves load lazily.
 */
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Res } from '../api/client';
import { Chart, COLORS, type ChartOption } from './chart';
import { EmptyState } from './ui';

type Summary = Res<'getDependencyCompliance'>;
type Group = Summary['groups'][number];

const n = (value: number) => value.toLocaleString('en-US');
const plural = (count: number, one: string, many = `${one}s`) => `${n(count)} ${count === 1 ? one : many}`;
const axisLabel = { color: '#5f6b7a', fontSize: 12 };

/** Where a click on an account's bar (or its link) leads: its non-compliant repositories. */
const listOf = (g: Group) => `/repositories?${new URLSearchParams({ accountId: g.key, complianceStatus: 'NON_COMPLIANT' }).toString()}`;

export function DependencyCompliance(props: { summary: Summary }) {
  const navigate = useNavigate();
  const { groups, totals } = props.summary;
  const rows = useMemo(() => [...groups].sort((a, b) => b.repositories - a.repositories || a.label.localeCompare(b.label)), [groups]);
  const option = useMemo<ChartOption>(() => {
    const series = (name: string, color: string, pick: (g: Group) => number) => ({
      name,
      type: 'bar',
      stack: 'repositories',
      barMaxWidth: 26,
      itemStyle: { color },
      emphasis: { focus: 'series' },
      data: rows.map(pick).reverse(),
      cursor: 'pointer',
    });
    return {
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 12 },
      xAxis: { type: 'value', minInterval: 1, axisLabel },
      yAxis: { type: 'category', data: rows.map((g) => g.label).reverse(), axisLabel: { ...axisLabel, width: 160, overflow: 'truncate' } },
      series: [series('Compliant', COLORS.compliant, (g) => g.compliant), series('Non-compliant', COLORS.nonCompliant, (g) => g.nonCompliant), series('Unknown', COLORS.unknown, (g) => g.unknown)],
    };
  }, [rows]);

  if (totals.repositories === 0) {
    return (
      <EmptyState title="No repository is watched yet.">
        <p>
          <Link to="/repositories">Register a repository</Link> to scan its lockfiles for vulnerable dependencies and count them here.
        </p>
      </EmptyState>
    );
  }
  const summary = `Compliant vs non-compliant repositories per account: ${rows
    .map((g) => `${g.label}: ${plural(g.repositories, 'repository', 'repositories')}, ${n(g.compliant)} compliant, ${n(g.nonCompliant)} non-compliant, ${n(g.unknown)} unknown`)
    .join('; ')}.`;
  const byLabel = new Map(rows.map((g) => [g.label, g] as const));
  return (
    <>
      <div className="stats deps-stats" data-testid="deps-stats">
        <Link className="stat stat-link" to="/repositories">
          <div className="value" data-testid="stat-repositories">
            {n(totals.repositories)}
          </div>
          <div className="label">
            Repositories ({n(totals.compliant)} compliant, {n(totals.unknown)} unknown)
          </div>
        </Link>
        <Link className={`stat stat-link ${totals.nonCompliant > 0 ? 'bad' : ''}`} to="/repositories?complianceStatus=NON_COMPLIANT">
          <div className="value" data-testid="stat-repositories-non-compliant">
            {n(totals.nonCompliant)}
          </div>
          <div className="label">Non-compliant repositories</div>
        </Link>
        <Link className={`stat stat-link ${totals.overdueFindings > 0 ? 'warn' : ''}`} to="/dependencies?overdue=true">
          <div className="value" data-testid="stat-deps-overdue">
            {n(totals.overdueFindings)}
          </div>
          <div className="label">SLA breaches: overdue dependency findings in {plural(totals.overdueRepositories, 'repository', 'repositories')}</div>
        </Link>
        <Link className="stat stat-link" to="/dependencies?tab=pull-requests&state=open">
          <div className="value" data-testid="stat-deps-prs">
            {n(totals.openPullRequests)}
          </div>
          <div className="label">Open fix pull requests</div>
        </Link>
      </div>
      <Chart
        option={option}
        summary={summary}
        testId="chart-repositories"
        height={Math.min(420, Math.max(120, 60 + rows.length * 34))}
        onClick={(name) => {
          const g = byLabel.get(name);
          if (g !== undefined) void navigate(listOf(g));
        }}
      />
      <p className="muted small ov-chart-hint">
        Click a bar to list that account's non-compliant repositories. Or:{' '}
        {rows
          .filter((g) => g.nonCompliant > 0)
          .slice(0, 8)
          .map((g, i) => (
            <span key={g.key}>
              {i === 0 ? '' : ', '}
              <Link to={listOf(g)}>{g.label}</Link>
            </span>
          ))}
        {rows.some((g) => g.nonCompliant > 0) ? null : 'no account has non-compliant repositories.'}
      </p>
    </>
  );
}
