import { useEffect, useId, useState, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { Link } from 'react-router';
import { describeError, fieldProblems } from '../api/client';

/** A page: its heading, optional actions on the right, and its content. */
export function Page(props: { title: string; subtitle?: ReactNode; actions?: ReactNode; children: ReactNode; testId?: string; busy?: boolean }) {
  return (
    <section className="page" data-testid={props.testId} aria-busy={props.busy === true ? 'true' : 'false'}>
      <header className="page-header">
        <div>
          <h1>{props.title}</h1>
          {props.subtitle === undefined ? null : <p className="subtitle">{props.subtitle}</p>}
        </div>
        {props.actions === undefined ? null : <div className="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

/** A titled panel. */
export function Card(props: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; testId?: string }) {
  return (
    <div className={`card ${props.className ?? ''}`} data-testid={props.testId}>
      {props.title === undefined && props.actions === undefined ? null : (
        <div className="card-header">
          {props.title === undefined ? <span /> : <h2>{props.title}</h2>}
          {props.actions}
        </div>
      )}
      {props.children}
    </div>
  );
}

/** An error in plain words (the server's message, and each field problem), with an optional retry. */
export function ErrorBox(props: { error: unknown; onRetry?: () => void; title?: string }) {
  if (props.error === undefined || props.error === null) return null;
  const problems = fieldProblems(props.error);
  return (
    <div className="error-box" role="alert">
      <strong>{props.title ?? 'Something went wrong'}</strong>
      <p>{describeError(props.error)}</p>
      {problems.length > 1 ? (
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      {props.onRetry === undefined ? null : (
        <button type="button" className="button secondary" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <div className="loading" role="status">
      {props.label ?? 'Loading…'}
    </div>
  );
}

/** What an empty list means, and what to do about it. */
export function EmptyState(props: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <h3>{props.title}</h3>
      {props.children}
    </div>
  );
}

/** A success or information message (role=status, read out by screen readers). */
export function Notice(props: { children: ReactNode; kind?: 'success' | 'info' | 'warning' }) {
  return (
    <div className={`notice ${props.kind ?? 'info'}`} role="status">
      {props.children}
    </div>
  );
}

const TONE: Record<string, string> = {
  COMPLIANT: 'good',
  NON_COMPLIANT: 'bad',
  UNKNOWN: 'muted',
  Online: 'good',
  ConnectionLost: 'bad',
  Inactive: 'muted',
  Success: 'good',
  Succeeded: 'good',
  InProgress: 'info',
  Running: 'info',
  Pending: 'muted',
  Waiting: 'warn',
  WaitingForApproval: 'warn',
  Failed: 'bad',
  TimedOut: 'bad',
  Cancelled: 'muted',
  Cancelling: 'muted',
  Halted: 'bad',
  INSTALLED: 'good',
  INSTALLED_OTHER: 'good',
  INSTALLED_PENDING_REBOOT: 'warn',
  INSTALLED_REJECTED: 'bad',
  MISSING: 'bad',
  FAILED: 'bad',
  NOT_APPLICABLE: 'muted',
  AVAILABLE_SECURITY_UPDATE: 'warn',
  CRITICAL: 'bad',
  HIGH: 'bad',
  MEDIUM: 'warn',
  LOW: 'info',
  INFORMATIONAL: 'muted',
  UNSPECIFIED: 'muted',
};

/** A status word in a coloured pill (the word itself carries the meaning, not only the colour). */
export function Badge(props: { value: string | null | undefined; tone?: 'good' | 'bad' | 'warn' | 'info' | 'muted' }) {
  if (props.value === null || props.value === undefined || props.value === '') return <span className="muted">—</span>;
  const tone = props.tone ?? TONE[props.value] ?? 'muted';
  return <span className={`badge ${tone}`}>{props.value.replace(/_/g, ' ')}</span>;
}

/** An instant as a short local date-time, with the exact ISO value as a tooltip. */
export function Time(props: { value: string | null | undefined }) {
  if (props.value === null || props.value === undefined) return <span className="muted">—</span>;
  const d = new Date(props.value);
  return (
    <time dateTime={props.value} title={props.value}>
      {d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })}
    </time>
  );
}

export function Button(props: ButtonHTMLAttributes<HTMLButtonElement> & { kind?: 'primary' | 'secondary' | 'danger' }) {
  const { kind, className, type, ...rest } = props;
  return <button type={type ?? 'button'} className={`button ${kind ?? 'primary'} ${className ?? ''}`} {...rest} />;
}

/** A labelled form field; `hint` explains, `error` says what is wrong with the value. */
export function Field(props: { label: string; hint?: ReactNode; error?: string | undefined; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className={`field ${props.error === undefined ? '' : 'invalid'}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id)}
      {props.hint === undefined ? null : <div className="hint">{props.hint}</div>}
      {props.error === undefined ? null : (
        <div className="field-error" role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

/** A command or secret to copy: shown in full, with a Copy button. */
export function CopyBlock(props: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <div className="copy-block">
      <pre aria-label={props.label}>
        <code>{props.text}</code>
      </pre>
      <button
        type="button"
        className="button secondary"
        aria-label={`Copy ${props.label}`}
        onClick={() => {
          void navigator.clipboard?.writeText(props.text).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** "Showing 51–100 of 10,000" with Previous/Next. */
export function Pager(props: { total: number; limit: number; offset: number; onChange: (offset: number) => void }) {
  const { total, limit, offset } = props;
  if (total === 0) return null;
  const last = Math.min(offset + limit, total);
  return (
    <nav className="pager" aria-label="Pages">
      <span>
        Showing {(offset + 1).toLocaleString()}–{last.toLocaleString()} of {total.toLocaleString()}
      </span>
      <button type="button" className="button secondary" disabled={offset === 0} onClick={() => props.onChange(Math.max(0, offset - limit))}>
        Previous
      </button>
      <button type="button" className="button secondary" disabled={last >= total} onClick={() => props.onChange(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

export interface Column<T> {
  key: string;
  header: string;
  /** The API's sort field, when the column can be sorted by the server. */
  sort?: string;
  render: (row: T) => ReactNode;
  className?: string;
}

/**
 * A table over one page of rows. Sortable headers are buttons (keyboard reachable) that ask for
 * `sort` / `-sort`; the current sort is announced with aria-sort.
 */
export function DataTable<T>(props: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  sort?: string;
  onSort?: (sort: string) => void;
  caption?: string;
  empty?: ReactNode;
  testId?: string;
}) {
  const { columns, rows, sort } = props;
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid={props.testId}>
        {props.caption === undefined ? null : <caption className="visually-hidden">{props.caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort === c.sort ? 'ascending' : sort === `-${c.sort}` ? 'descending' : 'none';
              return (
                <th key={c.key} scope="col" aria-sort={c.sort === undefined ? undefined : active} className={c.className}>
                  {c.sort === undefined || props.onSort === undefined ? (
                    c.header
                  ) : (
                    <button type="button" className="sort-button" onClick={() => props.onSort?.(active === 'ascending' ? `-${c.sort}` : c.sort!)}>
                      {c.header}
                      <span aria-hidden="true">{active === 'ascending' ? ' ▲' : active === 'descending' ? ' ▼' : ''}</span>
                    </button>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="empty-row">
                {props.empty ?? 'Nothing to show.'}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={props.rowKey(row)}>
                {columns.map((c) => (
                  <td key={c.key} className={c.className}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A select of the accounts given, with "All accounts" when `allLabel` is set. */
export function AccountSelect(props: {
  id: string;
  accounts: { id: string; name: string }[];
  value: string;
  onChange: (accountId: string) => void;
  allLabel?: string;
}) {
  return (
    <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      {props.allLabel === undefined ? null : <option value="">{props.allLabel}</option>}
      {props.accounts.map((a) => (
        <option key={a.id} value={a.id}>
          {a.name}
        </option>
      ))}
    </select>
  );
}

/** A link to a node's page. */
export function NodeLink(props: { id: string; name: string }) {
  return <Link to={`/nodes/${encodeURIComponent(props.id)}`}>{props.name}</Link>;
}

/**
 * A server-paged list: the error (with retry), loading, the table over the current page, and the
 * pager. `state` is the `useApi` state of a list endpoint (`{ items, total }`).
 */
export function PagedTable<T>(props: {
  state: { data: { items: T[]; total: number } | undefined; error: unknown; reload: () => void };
  errorTitle: string;
  loadingLabel?: string;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  caption?: string;
  testId?: string;
  sort?: string;
  onSort?: (sort: string) => void;
  empty?: ReactNode;
  limit: number;
  offset: number;
  onPage: (offset: number) => void;
}) {
  const { state } = props;
  return (
    <>
      <ErrorBox error={state.error} onRetry={state.reload} title={props.errorTitle} />
      {state.data === undefined ? (
        state.error === undefined ? (
          <Loading {...(props.loadingLabel === undefined ? {} : { label: props.loadingLabel })} />
        ) : null
      ) : (
        <>
          <DataTable
            columns={props.columns}
            rows={state.data.items}
            rowKey={props.rowKey}
            {...(props.caption === undefined ? {} : { caption: props.caption })}
            {...(props.testId === undefined ? {} : { testId: props.testId })}
            {...(props.sort === undefined ? {} : { sort: props.sort })}
            {...(props.onSort === undefined ? {} : { onSort: props.onSort })}
            {...(props.empty === undefined ? {} : { empty: props.empty })}
          />
          <Pager total={state.data.total} limit={props.limit} offset={props.offset} onChange={props.onPage} />
        </>
      )}
    </>
  );
}

/**
 * A free-text search kept in the URL by the caller: typed text is applied once typing pauses
 * (300 ms), and the field follows the value when it changes elsewhere (back button, "Clear filters").
 */
export function SearchField(props: { value: string; onChange: (value: string) => void; placeholder: string; label?: string }) {
  const [text, setText] = useState(props.value);
  const { value, onChange } = props;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => onChange(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  return <Field label={props.label ?? 'Search'}>{(id) => <input id={id} type="search" placeholder={props.placeholder} value={text} onChange={(e) => setText(e.target.value)} />}</Field>;
}
