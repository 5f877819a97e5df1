/**
 * Pieces of the baseline and policy editors: the server's field problems mapped to the fields that
 * caused them, filter rows, and one-entry-per-line list fields.
 */
import { ApiError } from '../api/client';
import type { FilterKey, OperatingSystem, PatchFilter } from '../../../src/contracts/baselines.contract';
import { Button } from './ui';

export const OPERATING_SYSTEMS: OperatingSystem[] = [
  'DEBIAN',
  'UBUNTU',
  'REDHAT_ENTERPRISE_LINUX',
  'ROCKY_LINUX',
  'ALMA_LINUX',
  'CENTOS',
  'ORACLE_LINUX',
  'AMAZON_LINUX_2023',
  'FEDORA',
];

const OS_NAMES: Record<OperatingSystem, string> = {
  DEBIAN: 'Debian',
  UBUNTU: 'Ubuntu',
  REDHAT_ENTERPRISE_LINUX: 'Red Hat Enterprise Linux',
  ROCKY_LINUX: 'Rocky Linux',
  ALMA_LINUX: 'AlmaLinux',
  CENTOS: 'CentOS',
  ORACLE_LINUX: 'Oracle Linux',
  AMAZON_LINUX_2023: 'Amazon Linux 2023',
  FEDORA: 'Fedora',
};

/** "DEBIAN" → "Debian" (unknown values as given). */
export function osName(os: string | null | undefined): string {
  if (os === null || os === undefined) return '—';
  return OS_NAMES[os as OperatingSystem] ?? os;
}

export const COMPLIANCE_LEVELS = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNSPECIFIED'] as const;

const usesApt = (os: OperatingSystem) => os === 'DEBIAN' || os === 'UBUNTU';

/** The filter keys a baseline of the OS accepts (docs/baselines.md). */
export function filterKeysFor(os: OperatingSystem): FilterKey[] {
  return usesApt(os) ? ['PRODUCT', 'CLASSIFICATION', 'SEVERITY', 'SECTION', 'PRIORITY', 'SECURITY'] : ['PRODUCT', 'CLASSIFICATION', 'SEVERITY', 'SECURITY'];
}

/** Suggested values of a filter key (free text for PRODUCT and SECTION). */
export function filterValuesFor(os: OperatingSystem, key: FilterKey): string[] {
  switch (key) {
    case 'CLASSIFICATION':
      return usesApt(os) ? ['Security', 'Other'] : ['Security', 'Bugfix', 'Enhancement', 'Newpackage'];
    case 'SEVERITY':
      return ['Critical', 'High', 'Important', 'Medium', 'Moderate', 'Low', 'None'];
    case 'PRIORITY':
      return ['Required', 'Important', 'Standard', 'Optional', 'Extra'];
    case 'SECURITY':
      return ['true', 'false'];
    case 'PRODUCT':
      return usesApt(os) ? (os === 'DEBIAN' ? ['Debian12', 'Debian11', 'Debian'] : ['Ubuntu24.04', 'Ubuntu22.04', 'Ubuntu']) : [];
    case 'SECTION':
      return ['admin', 'net', 'libs', 'utils', 'web', 'database', 'kernel'];
  }
}

/** A problem the server reported for one field; `path` normalised to dots (`approvalRules.0.approveAfterDays`). */
export interface Problem {
  path: string;
  message: string;
}

/** `rules.approvalRules[1].filters[0]` → `approvalRules.1.filters.0` (the prefix of a preview removed). */
export function normalisePath(path: string): string {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^rules\./, '')
    .replace(/^\./, '');
}

const WORDS: [RegExp, (...m: string[]) => string][] = [
  [/(?:rules\.)?approvalRules(?:\[(\d+)\]|\.(\d+))/g, (_m, a, b) => `Rule ${Number(a ?? b) + 1}`],
  [/(?:rules\.)?globalFilters(?:\[(\d+)\]|\.(\d+))/g, (_m, a, b) => `Global filter ${Number(a ?? b) + 1}`],
  [/\.filters(?:\[(\d+)\]|\.(\d+))/g, (_m, a, b) => `, filter ${Number(a ?? b) + 1}`],
  [/\.values(?:\[(\d+)\]|\.(\d+))/g, (_m, a, b) => `, value ${Number(a ?? b) + 1}`],
  [/(?:rules\.)?(approvedPatches|rejectedPatches|sources)(?:\[(\d+)\]|\.(\d+))/g, (_m, f, a, b) => `${LABELS[f] ?? f} entry ${Number(a ?? b) + 1}`],
  [/\.approveAfterDays\b/g, () => ', "approve after days"'],
  [/\.approveUntilDate\b/g, () => ', "approve until date"'],
  [/\.complianceLevel\b/g, () => ', compliance level'],
  [/\.key\b/g, () => ' key'],
];

const LABELS: Record<string, string> = { approvedPatches: 'Approved patches', rejectedPatches: 'Rejected patches', sources: 'Sources' };

/** The server's message with field paths in words: `approvalRules[0].approveAfterDays 400 …` → `Rule 1, "approve after days" 400 …`. */
export function inWords(message: string): string {
  let out = message;
  for (const [re, fn] of WORDS) out = out.replace(re, fn);
  return out;
}

/** The field problems of a validation error (empty for other errors). */
export function problemsOf(err: unknown): Problem[] {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return [];
  return err.details.flatMap((d: unknown) => {
    const item = d as { path?: unknown; message?: unknown };
    if (typeof item.message !== 'string') return [];
    return [{ path: normalisePath(typeof item.path === 'string' ? item.path : ''), message: inWords(item.message) }];
  });
}

/** Looks up the problems of a field: exact path, or (with `nested`) anything under it. */
export class ProblemIndex {
  constructor(readonly all: Problem[]) {}

  for(path: string, nested = false): string | undefined {
    const hits = this.all.filter((p) => p.path === path || (nested && p.path.startsWith(`${path}.`)));
    return hits.length === 0 ? undefined : hits.map((h) => h.message).join(' ');
  }
}

/** "a\n b \n\n c" → ['a', 'b', 'c'] */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Filter rows (key + comma-separated values) with add/remove; read-only renders them as text. */
export function FilterRows(props: {
  os: OperatingSystem;
  filters: PatchFilter[];
  onChange: (filters: PatchFilter[]) => void;
  readOnly: boolean;
  label: string;
  max: number;
  problems: ProblemIndex;
  path: string;
  idPrefix: string;
}) {
  const { os, filters, readOnly } = props;
  const keys = filterKeysFor(os);
  if (readOnly) {
    return filters.length === 0 ? (
      <p className="muted">No filters: every update passes.</p>
    ) : (
      <ul className="filter-list">
        {filters.map((f, i) => (
          <li key={i}>
            <code>{f.key}</code> is {f.values.join(' or ')}
          </li>
        ))}
      </ul>
    );
  }
  const set = (i: number, next: PatchFilter) => props.onChange(filters.map((f, j) => (j === i ? next : f)));
  return (
    <div className="filter-rows">
      {filters.length === 0 ? <p className="muted">No filters: every update passes.</p> : null}
      {filters.map((f, i) => {
        const error = props.problems.for(`${props.path}.${i}`, true);
        const keyId = `${props.idPrefix}-key-${i}`;
        const valuesId = `${props.idPrefix}-values-${i}`;
        const listId = `${props.idPrefix}-suggest-${i}`;
        const suggestions = filterValuesFor(os, f.key);
        return (
          <div key={i} className={`filter-row field ${error === undefined ? '' : 'invalid'}`}>
            <div className="filter-row-controls">
              <label htmlFor={keyId} className="visually-hidden">
                {props.label} {i + 1} key
              </label>
              <select id={keyId} value={f.key} onChange={(e) => set(i, { ...f, key: e.target.value as FilterKey })}>
                {keys.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
                {keys.includes(f.key) ? null : <option value={f.key}>{f.key}</option>}
              </select>
              <label htmlFor={valuesId} className="visually-hidden">
                {props.label} {i + 1} values
              </label>
              <input
                id={valuesId}
                list={listId}
                value={f.values.join(', ')}
                placeholder={suggestions.length > 0 ? suggestions.slice(0, 3).join(', ') : 'values, comma separated'}
                onChange={(e) => set(i, { ...f, values: e.target.value.split(',').map((v) => v.trimStart()) })}
                onBlur={(e) => set(i, { ...f, values: e.target.value.split(',').map((v) => v.trim()).filter((v) => v !== '') })}
              />
              <datalist id={listId}>
                {suggestions.map((s) => (
                  <option key={s} value={s} />
                ))}
              </datalist>
              <Button kind="secondary" aria-label={`Remove ${props.label.toLowerCase()} ${i + 1}`} onClick={() => props.onChange(filters.filter((_f, j) => j !== i))}>
                Remove
              </Button>
            </div>
            {suggestions.length > 0 ? <div className="hint">Values are OR-ed; * matches anything. Known: {suggestions.join(', ')}</div> : null}
            {error === undefined ? null : (
              <div className="field-error" role="alert">
                {error}
              </div>
            )}
          </div>
        );
      })}
      {filters.length < props.max ? (
        <Button kind="secondary" aria-label={`Add to ${props.label.toLowerCase()}`} onClick={() => props.onChange([...filters, { key: keys.find((k) => !filters.some((f) => f.key === k)) ?? keys[0]!, values: [] }])}>
          Add filter
        </Button>
      ) : null}
    </div>
  );
}
