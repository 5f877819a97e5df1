import { InvalidArgumentError, Option, type Command } from 'commander';
import { endpoints, type AuditEntry } from '../../contracts/api.js';
import type { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { defined, pageQuery, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf, userIdOf } from '../resolve.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * A commander parser for --since/--until: an ISO timestamp, a date (UTC midnight), or a duration
 * back from now (`30m`, `12h`, `7d`, `2w`).
 */
export function timeArg(now: () => Date = () => new Date()): (value: string) => string {
  return (value) => {
    const v = value.trim();
    const duration = /^(\d+)([mhdw])$/.exec(v);
    if (duration !== null) return new Date(now().getTime() - Number(duration[1]) * (UNIT_MS[duration[2] ?? 'd'] ?? 0)).toISOString();
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (Number.isNaN(ms)) throw new InvalidArgumentError('expected a time like 2026-11-27T12:00:00Z, a date like 2026-11-27, or a duration back from now like 30m, 12h, 7d, 2w.');
    return new Date(ms).toISOString();
  };
}

/** Account names for the ACCOUNT column; ids stay when the names cannot be read. */
async function accountNames(client: ApiClient): Promise<Map<string, string>> {
  try {
    const page = await client.call(endpoints.listAccounts, { query: { limit: 500 } });
    return new Map(page.items.map((a) => [a.id, a.name]));
  } catch {
    return new Map();
  }
}

function targetOf(e: AuditEntry): string {
  if (e.targetType === null && e.targetId === null) return '';
  const label = [e.details.username, e.details.name].find((v): v is string => typeof v === 'string') ?? e.targetId ?? '';
  return e.targetType === null ? label : `${e.targetType}:${label}`;
}

interface AuditListOptions extends ListOptions {
  account?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  target?: string;
  since?: string;
  until?: string;
  search?: string;
}

/** `patchwarden audit list`: read the append-only audit log. */
export function registerAuditCommand(program: Command, cli: CliContext): void {
  const audit = program.command('audit').description('Read the audit log (org-admin, org-auditor; account admins for their accounts)');

  withListOptions(audit.command('list').description('List audit entries, newest first'), endpoints.listAudit)
    .option('--account <account>', 'only entries of this account (id or name)')
    .option('--actor <user>', 'only entries by this user (id or username)')
    .option('--action <action>', 'only this action, e.g. account.create; "user.*" matches a prefix')
    .addOption(new Option('--outcome <outcome>', 'only entries with this outcome').choices(['success', 'denied', 'failure']))
    .option('--target <id>', 'only entries about this object id')
    .option('--since <time>', 'from this time on (ISO time, date, or 30m/12h/7d/2w ago)', timeArg())
    .option('--until <time>', 'before this time (same forms as --since)', timeArg())
    .option('-q, --search <text>', 'only entries whose actor, action or details contain the text')
    .addHelpText(
      'after',
      `
Examples:
  patchwarden audit list --since 24h
  patchwarden audit list --action 'account.*' --account production
  patchwarden audit list --outcome denied --json`,
    )
    .action(async (opts: AuditListOptions, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const actorId = opts.actor === undefined ? undefined : await userIdOf(client, opts.actor);
      const filters = defined({ accountId, actorId, action: opts.action, outcome: opts.outcome, targetId: opts.target, since: opts.since, until: opts.until, q: opts.search });
      const { data, raw } = await client.request(endpoints.listAudit, { query: { ...pageQuery(opts), ...filters } as never });
      if (opts.json === true) return cli.json(raw);
      const names = data.items.some((e) => e.accountId !== null) ? await accountNames(client) : new Map<string, string>();
      const columns: Column<AuditEntry>[] = [
        { header: 'TIME', value: (e) => formatTime(e.at) },
        { header: 'ACTOR', value: (e) => (e.via === null ? e.actorName : `${e.actorName} (${e.via})`) },
        { header: 'ACTION', value: (e) => e.action },
        { header: 'OUTCOME', value: (e) => e.outcome },
        { header: 'TARGET', value: targetOf },
        { header: 'ACCOUNT', value: (e) => (e.accountId === null ? null : (names.get(e.accountId) ?? e.accountId)) },
        { header: 'IP', value: (e) => e.ip },
      ];
      cli.table(data, columns, 'audit entries');
    });
}
