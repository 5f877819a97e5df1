/**
 * Small pieces the administration pages share: a mutation runner (busy, error, done), an inline
 * confirmation for destructive actions, field problems of a validation error by path, and the
 * role selects.
 */
import { useCallback, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { Button } from './ui';

export const ACCOUNT_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AccountRoleName = (typeof ACCOUNT_ROLES)[number];
export const ORG_ROLES = ['org-admin', 'org-auditor'] as const;

export const ROLE_WORDS: Record<string, string> = {
  viewer: 'viewer — reads',
  operator: 'operator — reads and runs operations',
  admin: 'admin — also manages the account and its members',
  'org-admin': 'org-admin — may do everything',
  'org-auditor': 'org-auditor — reads everything, changes nothing',
};

export interface Action {
  busy: boolean;
  error: unknown;
  /** Runs `fn`; on success clears the error and resolves with its value, on failure keeps the error (resolves undefined). */
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  /** Runs `fn` (e.g. a DELETE answering 204); resolves true when it succeeded. */
  ok: (fn: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

/** State of one change at a time: `const save = useAction(); await save.run(() => api.post(…))`. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const ok = useCallback(
    async (fn: () => Promise<unknown>): Promise<boolean> => {
      let failed = false;
      await run(async () => {
        try {
          return await fn();
        } catch (err) {
          failed = true;
          throw err;
        }
      });
      return !failed;
    },
    [run],
  );
  const clear = useCallback(() => setError(undefined), []);
  return { busy, error, run, ok, clear };
}

/** The server's message for one field of a validation error (`details[].path`), if any. */
export function problemAt(err: unknown, ...paths: string[]): string | undefined {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return undefined;
  for (const d of err.details as { path?: unknown; message?: unknown }[]) {
    if (typeof d.path !== 'string') continue;
    if (paths.some((p) => d.path === p || (d.path as string).startsWith(`${p}.`))) return String(d.message);
  }
  return undefined;
}

/**
 * A destructive action behind a confirmation: the first click asks the question in words next to
 * the button, "Yes, …" does it, "Cancel" goes back.
 */
export function ConfirmButton(props: {
  label: string;
  question: ReactNode;
  confirmLabel?: string;
  onConfirm: () => void | Promise<void>;
  disabled?: boolean;
  kind?: 'danger' | 'secondary';
  ariaLabel?: string;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <Button kind={props.kind ?? 'danger'} disabled={props.disabled} aria-label={props.ariaLabel} onClick={() => setAsking(true)}>
        {props.label}
      </Button>
    );
  }
  return (
    <span className="admin-confirm" role="group" aria-label="Confirm">
      <span className="admin-confirm-question">{props.question}</span>
      <Button
        kind="danger"
        disabled={props.disabled}
        onClick={() => {
          setAsking(false);
          void props.onConfirm();
        }}
      >
        {props.confirmLabel ?? `Yes, ${props.label.toLowerCase()}`}
      </Button>
      <Button kind="secondary" onClick={() => setAsking(false)}>
        Cancel
      </Button>
    </span>
  );
}

/** `key=value` lines (or comma-separated) → a tag record; throws in words on a malformed entry. */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const raw of text.split(/[\n,]/)) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`"${entry}" is not a tag: write key=value (one per line)`);
    tags[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return tags;
}

/** A tag record as `key=value` words. */
export function tagsText(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** A datetime-local input value (local time) → ISO instant, or undefined when empty. */
export function localToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** An ISO instant → a datetime-local input value (local time). */
export function isoToLocal(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A number input's value, or undefined when empty. */
export function intOrUndefined(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
