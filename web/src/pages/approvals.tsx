import { Link } from 'react-router';
import { pathOf, type Res } from '../api/client';
import { ApprovalForm, useAccountName, type ExecutionDetail, type PendingApproval } from '../components/ops-common';
import { Badge, Card, EmptyState, ErrorBox, Loading, Page, Pager, Time } from '../components/ui';
import { useApi, useQueryState, useTitle } from '../hooks';

const PAGE = 20;

/** The approve steps waiting for the signed-in user, oldest first, each with Approve / Deny. */
export function ApprovalsPage() {
  const [query, setQuery] = useQueryState();
  const offset = Number(query.get('offset') ?? '0') || 0;
  const list = useApi<Res<'listApprovals'>>(pathOf('/api/v1/approvals', {}, { limit: PAGE, offset }), { refreshMs: 5000 });
  const total = list.data?.total;
  useTitle(total === undefined || total === 0 ? 'Approvals' : `Approvals (${total})`);
  return (
    <Page
      title="Approvals"
      subtitle="Runbook steps waiting for your decision. Approving lets the execution go on; one denial stops it."
      testId="approvals-page"
      busy={list.loading}
      actions={total === undefined ? undefined : <Badge value={`${total} waiting`} tone={total === 0 ? 'muted' : 'warn'} />}
    >
      <ErrorBox error={list.error} onRetry={list.reload} title="The approvals could not be loaded" />
      {list.data === undefined ? (
        list.error === undefined ? <Loading label="Loading approvals…" /> : null
      ) : list.data.items.length === 0 ? (
        <Card>
          <EmptyState title="Nothing waits for you">
            <p>
              When a runbook reaches an approve step that names you (or one of your roles), it shows up here. See every run in <Link to="/executions">Executions</Link>.
            </p>
          </EmptyState>
        </Card>
      ) : (
        <>
          {list.data.items.map((a) => (
            <ApprovalCard key={a.stepRunId} approval={a} onDone={list.reload} />
          ))}
          <Pager total={list.data.total} limit={PAGE} offset={offset} onChange={(o) => setQuery({ offset: o === 0 ? undefined : o })} />
        </>
      )}
    </Page>
  );
}

function ApprovalCard(props: { approval: PendingApproval; onDone: () => void }) {
  const a = props.approval;
  const accountName = useAccountName();
  // Who asked: the user (or window / policy) that started the execution.
  const execution = useApi<ExecutionDetail>(pathOf('/api/v1/executions/{executionId}', { executionId: a.executionId }));
  const e = execution.data;
  const askedBy = e === undefined ? '…' : e.source.kind === 'user' ? e.createdBy : `${e.createdBy} (${e.source.kind === 'window' ? 'maintenance window' : 'patch policy'})`;
  return (
    <Card
      title={
        <>
          {a.runbookName}: step <code>{a.stepName}</code>
        </>
      }
      actions={<Badge value={`${a.approvals} of ${a.minApprovals} approved`} tone="warn" />}
      className="ops-approval"
      testId={`approval-${a.executionId}`}
    >
      {a.message === '' ? null : <p className="ops-approval-message">{a.message}</p>}
      <dl className="facts">
        <dt>Execution</dt>
        <dd>
          <Link to={`/executions/${encodeURIComponent(a.executionId)}`}>{a.executionId}</Link>
        </dd>
        <dt>Account</dt>
        <dd>{accountName(a.accountId)}</dd>
        <dt>Asked by</dt>
        <dd data-testid="asked-by">{askedBy}</dd>
        <dt>Waiting since</dt>
        <dd>
          <Time value={a.waitingSince} />
        </dd>
        {a.deadlineAt === null ? null : (
          <>
            <dt>Decide before</dt>
            <dd>
              <Time value={a.deadlineAt} /> <span className="muted">(then the step times out)</span>
            </dd>
          </>
        )}
      </dl>
      <ApprovalForm executionId={a.executionId} onDone={() => setTimeout(props.onDone, 1500)} />
    </Card>
  );
}
