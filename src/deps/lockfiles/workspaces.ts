/**
 * Workspace globs of package.json (`packages/*`, `apps/**`, `tools/cli`, `!packages/old`) expanded
 * to folders relative to the lockfile, through the input's folder lister. Sorted, deduplicated;
 * `node_modules` and hidden folders are never entered.
 */
import type { LockfileInput } from './types.js';

const MAX_DEPTH = 6;

function expandOne(input: LockfileInput, segments: readonly string[], base: string, out: Set<string>, depth: number): void {
  if (segments.length === 0) {
    if (input.read(`${base}/package.json`) !== null) out.add(base);
    return;
  }
  const [head, ...rest] = segments as [string, ...string[]];
  const join = (name: string): string => (base === '.' ? name : `${base}/${name}`);
  if (head === '**') {
    if (depth > MAX_DEPTH) return;
    expandOne(input, rest, base, out, depth + 1);
    for (const name of input.list(base)) if (name !== 'node_modules' && !name.startsWith('.')) expandOne(input, segments, join(name), out, depth + 1);
    return;
  }
  if (head.includes('*')) {
    const re = new RegExp(`^${head.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    for (const name of input.list(base)) if (name !== 'node_modules' && !name.startsWith('.') && re.test(name)) expandOne(input, rest, join(name), out, depth);
    return;
  }
  if (head === '.' || head === '') expandOne(input, rest, base, out, depth);
  else expandOne(input, rest, join(head), out, depth);
}

/** @example expandWorkspaces(input, ['packages/*']) // ['packages/a', 'packages/b'] */
export function expandWorkspaces(input: LockfileInput, globs: readonly string[]): string[] {
  const included = new Set<string>();
  const excluded = new Set<string>();
  for (const glob of globs) {
    const negated = glob.startsWith('!');
    const segments = (negated ? glob.slice(1) : glob).replace(/^\.\//, '').replace(/\/+$/, '').split('/');
    expandOne(input, segments, '.', negated ? excluded : included, 0);
  }
  return [...included].filter((f) => !excluded.has(f)).sort();
}
