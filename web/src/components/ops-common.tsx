/**
 * Small pieces shared by the operations pages (commands, executions, approvals, the new-operation
 * form): account names, targets in words, the progress bar of a command, the approve/deny form.
 */
import { useState } from 'react';
import { api, type Body, type Res } from '../api/client';
import { useSession } from '../session';
import { Button, ErrorBox, Field, Notice } from './ui';

export type CommandSummary = Res<'listCommands'>['items'][number];
export type CommandDetail = Res<'getCommand'>;
export type Targets = CommandDetail['targets'];
export type ExecutionDetail = Res<'getExecution'>;
export type PendingApproval = Res<'listApprovals'>['items'][number];

export const COMMAND_FINISHED = ['Success', 'Failed', 'Cancelled'];
export const EXECUTION_FINISHED = ['Success', 'Failed', 'Cancelled'];

/** The name of an account the user can see (else its id). */
export function useAccountName(): (accountId: string | null | undefined) => string {
  const { accounts } = useSession();
  return (accountId) => {
    if (accountId === null || accountId === undefined) return '—';
    return accounts.find((a) => a.id === accountId)?.name ?? accountId;
  };
}

/** A command's targets in words: "2 chosen nodes", "nodes tagged Env=prod", "every node of the account". */
export function describeTargets(t: Targets, groupName?: (id: string) => string): string {
  const parts: string[] = [];
  if (t.allNodes === true) parts.push('every node of the account');
  if (t.nodeIds !== undefined) parts.push(t.nodeIds.length === 1 ? `node ${t.nodeIds[0]}` : `${t.nodeIds.length} chosen nodes`);
  if (t.tags !== undefined) parts.push(`nodes tagged ${t.tags.map((f) => `${f.key}=${f.values.join(' or ')}`).join(' and ')}`);
  if (t.resourceGroupIds !== undefined) parts.push(`resource group${t.resourceGroupIds.length === 1 ? '' : 's'} ${t.resourceGroupIds.map((g) => groupName?.(g) ?? g).join(', ')}`);
  return parts.length === 0 ? 'no targets' : parts.join(', plus ');
}

const SEGMENTS: { status: string; tone: string; label: string }[] = [
  { status: 'Success', tone: 'good', label: 'succeeded' },
  { status: 'Failed', tone: 'bad', label: 'failed' },
  { status: 'TimedOut', tone: 'bad', label: 'timed out' },
  { status: 'Undeliverable', tone: 'bad', label: 'undeliverable' },
  { status: 'Cancelled', tone: 'muted-strong', label: 'cancelled' },
  { status: 'InProgress', tone: 'info', label: 'in progress' },
];

/** How many of a command's invocations have ended (every status but Pending and InProgress). */
export function endedCount(counts: Record<string, number>, total: number): number {
  return total - (counts.Pending ?? 0) - (counts.InProgress ?? 0);
}

/** A segmented bar of a command's invocations by status, with the figures in words for screen readers. */
export function CommandProgress(props: { counts: Record<string, number>; total: number; compact?: boolean }) {
  const { counts, total } = props;
  const ended = endedCount(counts, total);
  const words = SEGMENTS.filter((s) => (counts[s.status] ?? 0) > 0).map((s) => `${counts[s.status]} ${s.label}`);
  const waiting = counts.Pending ?? 0;
  if (waiting > 0) words.push(`${waiting} pending`);
  const label = `${ended} of ${total} ended${words.length === 0 ? '' : `: ${words.join(', ')}`}`;
  return (
    <div className={`ops-progress ${props.compact === true ? 'compact' : ''}`}>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={ended} aria-label={label}>
        {SEGMENTS.map((s) => {
          const n = counts[s.status] ?? 0;
          return n === 0 || total === 0 ? null : <span key={s.status} className={`seg-${s.tone}`} style={{ width: `${(n / total) * 100}%` }} />;
        })}
      </div>
      <span className="ops-progress-label" data-testid="progress-label">
        {props.compact === true ? `${ended}/${total}` : label}
      </span>
    </div>
  );
}

/**
 * Approve or deny the approve step an execution waits on, with a comment. `onDone` runs after the
 * server accepted the decision (the engine acts on it at its next tick).
 */
export function ApprovalForm(props: { executionId: string; onDone: (decision: 'approve' | 'deny') => void; compact?: boolean }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<'approve' | 'deny' | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<'approve' | 'deny' | null>(null);

  async function decide(decision: 'approve' | 'deny') {
    setBusy(decision);
    setError(undefined);
    try {
      const body: Body<'decideApproval'> = comment.trim() === '' ? { decision } : { decision, comment: comment.trim() };
      await api.post(`/api/v1/executions/${encodeURIComponent(props.executionId)}/approvals`, body);
      setDone(decision);
      props.onDone(decision);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  if (done !== null) {
    return (
      <Notice kind={done === 'approve' ? 'success' : 'warning'}>
        {done === 'approve' ? 'You approved this step. The execution goes on once enough people have approved.' : 'You denied this step: the execution stops at it.'}
      </Notice>
    );
  }
  return (
    <div className="ops-approval-form">
      <ErrorBox error={error} title="Your decision was not recorded" />
      <Field label="Comment" hint="Optional: why you approve or deny (kept in the audit log and the timeline).">
        {(id) => <textarea id={id} rows={2} maxLength={500} value={comment} onChange={(e) => setComment(e.target.value)} />}
      </Field>
      <div className="ops-buttons">
        <Button onClick={() => void decide('approve')} disabled={busy !== null}>
          {busy === 'approve' ? 'Approving…' : 'Approve'}
        </Button>
        <Button kind="danger" onClick={() => void decide('deny')} disabled={busy !== null}>
          {busy === 'deny' ? 'Denying…' : 'Deny'}
        </Button>
      </div>
    </div>
  );
}

/** A dangerous action behind an inline confirmation: the button, then "Are you sure? [Yes] [No]". */
export function ConfirmButton(props: { label: string; question: string; confirmLabel: string; onConfirm: () => Promise<void>; kind?: 'danger' | 'secondary' }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  if (!asking) {
    return (
      <Button kind={props.kind ?? 'danger'} onClick={() => setAsking(true)}>
        {props.label}
      </Button>
    );
  }
  return (
    <div className="ops-confirm" role="group" aria-label={props.question}>
      <span>{props.question}</span>
      <Button
        kind="danger"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          props.onConfirm().then(
            () => {
              setBusy(false);
              setAsking(false);
            },
            (err: unknown) => {
              setBusy(false);
              setError(err);
            },
          );
        }}
      >
        {busy ? 'Working…' : props.confirmLabel}
      </Button>
      <Button kind="secondary" disabled={busy} onClick={() => setAsking(false)}>
        Keep going
      </Button>
      <ErrorBox error={error} title="That did not work" />
    </div>
  );
}

/** An instant to the second, on one line (live operations), with the exact ISO value as a tooltip. */
export function ShortTime(props: { value: string | null | undefined }) {
  if (props.value === null || props.value === undefined) return <span className="muted">—</span>;
  const d = new Date(props.value);
  return (
    <time className="ops-time" dateTime={props.value} title={props.value}>
      {d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })}
    </time>
  );
}

/** maxErrors in words: "the first failure", "more than 3 failures", "more than 10% of the nodes failed". */
export function maxErrorsWords(v: string): string {
  if (v === '0' || v === '0%') return 'the first failure';
  return v.endsWith('%') ? `more than ${v} of the nodes failed` : `more than ${v} failure${v === '1' ? '' : 's'}`;
}
