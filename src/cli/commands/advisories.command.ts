import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { importAdvisories, type ImportFormat, type ImportProgress, type ImportReport } from '../../advisories/importers/index.js';
import { AdvisoryIndex, type Finding, type PackageInstance } from '../../advisories/matcher.js';
import { eventsInWords } from '../../advisories/describe.js';
import type { OsvAffected } from '../../advisories/osv.schema.js';
import { recordSeverity } from '../../advisories/severity.js';
import { AppError, isAppError } from '../../domain/errors.js';
import { loadServerConfig, sqliteFileOf } from '../../server/config.js';
import { createStore, migrateToLatest, openDatabase, type StoredAdvisory, type Store } from '../../store/index.js';
import { UsageError, type CliIo } from '../io.js';
import { collect } from '../options.js';
import { formatFields, formatJson, formatTable } from '../output.js';

export interface StoreOptions {
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
}

/** The server's database (same settings as `patchwarden server`), migrated. */
async function openLocalStore(opts: StoreOptions, io: CliIo): Promise<Store> {
  const config = loadServerConfig({ file: opts.config ?? io.env.PATCHWARDEN_CONFIG, env: io.env, flags: { dataDir: opts.dataDir, databaseUrl: opts.databaseUrl } });
  const handle = openDatabase({ url: config.databaseUrl, sqliteFile: sqliteFileOf(config) });
  try {
    await migrateToLatest(handle);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return createStore(handle);
}

export async function withStore<T>(opts: StoreOptions, io: CliIo, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openLocalStore(opts, io);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function withStoreOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'data directory of the server, holds the SQLite database (env PATCHWARDEN_DATA_DIR, default ./.patchwarden)')
    .option('--database-url <url>', 'PostgreSQL URL postgres://… instead of SQLite (env PATCHWARDEN_DATABASE_URL)')
    .option('-c, --config <file>', 'server config file, for its dataDir/databaseUrl (env PATCHWARDEN_CONFIG)');
}

const n = (value: number): string => value.toLocaleString('en-US');

function printImport(io: CliIo, report: ImportReport): void {
  const out = [
    `Imported ${report.source} (${report.kind}, ${report.format}) in ${report.seconds.toFixed(1)} s: ${n(report.read)} records read, ` +
      `${n(report.inserted)} inserted, ${n(report.updated)} updated, ${n(report.unchanged)} unchanged, ${n(report.bad.length)} bad.`,
    ...report.notes.map((note) => `  ${note}`),
  ];
  if (report.inserted + report.updated === 0 && report.read > 0) out.push('Nothing changed: every record is already stored (with the same or a later "modified", or the same content).');
  if (report.bad.length > 0) {
    out.push(`Bad records (${n(report.bad.length)}), skipped:`);
    for (const bad of report.bad) out.push(`  ${bad.file}: ${bad.reason}`);
  }
  io.stdout.write(`${out.join('\n')}\n`);
}

function registerImport(advisories: Command, io: CliIo): void {
  withStoreOptions(
    advisories
      .command('import')
      .description('Import OSV records or the Debian security tracker JSON into the local database (idempotent)')
      .argument('<source>', 'a directory of OSV .json/.yaml files, an OSV zip (all.zip layout), a JSON file, or an http(s) URL')
      .option('--ecosystem <name>', 'mirror URLs: sync this ecosystem (repeatable, or comma-separated); none: the whole database', collect, [])
      .addOption(new Option('--format <format>', 'the source format (default: detected)').choices(['osv', 'debian-tracker']))
      .option('--full', 'mirror URLs: download all.zip even when the last sync position is known')
      .option('--quiet', 'no progress lines on stderr')
      .option('--json', 'print the import report as JSON'),
  )
    .addHelpText(
      'after',
      `
Sources:
  DIR                 every *.json, *.yaml, *.yml below it, one OSV record per file (hidden files skipped)
  FILE.zip            OSV all.zip layout: one JSON record per entry; read entry by entry
  FILE.json           one OSV record, a JSON array of records, or the Debian tracker's JSON (detected)
  URL                 an OSV mirror (<url>/<ecosystem>/all.zip, modified_id.csv, <id>.json): the first
                      sync downloads all.zip, later ones fetch only the records modified since
  URL ending .zip / .json   downloaded, then imported as the file

A record replaces the stored one with its id only when its "modified" is later and its content
differs, so importing the same data again changes nothing. Bad records (invalid JSON/YAML, not OSV,
corrupt zip entries) are listed with the reason and skipped; the rest is imported.

Exit codes: 0 the import ran (also with bad records: they are listed), 6 nothing could be read
(missing or unreadable source, mirror unreachable, every record bad), 2 wrong command line.

Examples:
  patchwarden advisories import ./advisory-database/vulns
  patchwarden advisories import ~/Downloads/PyPI-all.zip --data-dir /var/lib/patchwarden
  patchwarden advisories import https://osv-vulnerabilities.storage.googleapis.com --ecosystem PyPI --ecosystem npm
  patchwarden advisories import https://security-tracker.debian.org/tracker/data/json --format debian-tracker
  patchwarden advisories import tracker.json --json`,
    )
    .action(async (source: string, opts: StoreOptions & { ecosystem: string[]; format?: ImportFormat; full?: boolean; quiet?: boolean; json?: boolean }) => {
      const ecosystems = opts.ecosystem.flatMap((e) => e.split(',')).map((e) => e.trim()).filter((e) => e !== '');
      await withStore(opts, io, async (store) => {
        let printed = false;
        const onProgress = (p: ImportProgress): void => {
          if (opts.quiet === true || (p.done && !printed)) return;
          printed = true;
          io.stderr.write(`imported ${n(p.processed)}${p.total === null ? '' : ` / ${n(p.total)}`} (bad ${n(p.bad)})\n`);
        };
        let report: ImportReport;
        try {
          report = await importAdvisories(source, { sink: store.advisories, format: opts.format, ecosystems, full: opts.full, onProgress });
        } catch (err) {
          // Whatever kept the source from being read (missing, not a zip, mirror unreachable): exit 6.
          if (isAppError(err)) throw new AppError('validation', `Nothing imported: ${err.message}`, { cause: err });
          throw err;
        }
        if (opts.json === true) io.stdout.write(formatJson(report));
        else printImport(io, report);
        if (report.read === 0 && report.bad.length > 0) {
          throw new AppError('validation', `Nothing could be imported from ${source}: all ${report.bad.length} record(s) are bad.`);
        }
        if (report.bad.length > 0) {
          io.stderr.write(`patchwarden: ${n(report.bad.length)} bad record(s) skipped (listed ${opts.json === true ? 'in "bad"' : 'above'}); the other ${n(report.read)} were imported.\n`);
        }
      });
    });
}

/** One line of `match --input`. */
const MatchInput = z.strictObject({
  ecosystem: z.string().min(1),
  name: z.string().min(1),
  version: z.string().min(1),
  sourceName: z.string().min(1).optional(),
  sourceVersion: z.string().min(1).optional(),
});

/** An index over the stored records of these instance ecosystems (and, optionally, only these names). */
async function loadIndex(store: Store, ecosystems: readonly string[], names?: readonly string[]): Promise<AdvisoryIndex> {
  const index = new AdvisoryIndex();
  for await (const batch of store.advisories.loadRecords({ ecosystems, names })) for (const record of batch) index.add(record);
  return index;
}

function severityText(f: { severity: { rating: string; score: number | null } }): string {
  return f.severity.score === null ? f.severity.rating : `${f.severity.rating} ${f.severity.score.toFixed(1)}`;
}

function short(text: string | null, max: number): string {
  if (text === null) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function printFindings(io: CliIo, instance: PackageInstance, findings: readonly Finding[], loaded: number): void {
  const what = `${instance.ecosystem} ${instance.name} ${instance.version}${instance.sourceName ? ` (source ${instance.sourceName} ${instance.sourceVersion ?? instance.version})` : ''}`;
  if (findings.length === 0) {
    io.stdout.write(`No advisory affects ${what} (${n(loaded)} ${loaded === 1 ? "advisory" : "advisories"} of that package checked).\n`);
    return;
  }
  io.stdout.write(`${findings.length} ${findings.length === 1 ? 'advisory affects' : 'advisories affect'} ${what}:\n`);
  io.stdout.write(
    formatTable(findings, [
      { header: 'ADVISORY', value: (f) => f.advisoryId },
      { header: 'CVES', value: (f) => f.cves.join(',') },
      { header: 'SEVERITY', value: severityText },
      { header: 'LOWEST FIX', value: (f) => f.lowestFixed ?? 'none' },
      { header: 'FIXED IN', value: (f) => f.fixedVersions.join(', ') },
      { header: 'SUMMARY', value: (f) => short(f.summary, 70) },
    ]),
  );
}

async function readLines(input: string, io: CliIo): Promise<string[]> {
  const stream = input === '-' ? io.stdin : createReadStream(input, 'utf8');
  const lines: string[] = [];
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) lines.push(line);
  } catch (err) {
    throw new AppError('validation', `Cannot read ${input}: ${(err as Error).message}`, { cause: err });
  }
  return lines;
}

/** `--input`: one JSON instance per line in, one JSON array of findings (or {"error"}) per line out. Returns the number of bad lines. */
async function matchBatch(store: Store, input: string, io: CliIo): Promise<number> {
  const lines = await readLines(input, io);
  const parsed = lines.map((line): PackageInstance | string | null => {
    if (line.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return `not valid JSON: ${(err as Error).message}`;
    }
    const checked = MatchInput.safeParse(value);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return `expected {"ecosystem","name","version","sourceName"?,"sourceVersion"?}: ${issue ? `${issue.path.join('.') || '(line)'}: ${issue.message}` : 'invalid'}`;
    }
    return checked.data;
  });
  const ecosystems = [...new Set(parsed.filter((p): p is PackageInstance => typeof p === 'object' && p !== null).map((p) => p.ecosystem))];
  const index = await loadIndex(store, ecosystems);
  let bad = 0;
  let out = '';
  for (const [i, item] of parsed.entries()) {
    if (item === null) continue;
    let problem = typeof item === 'string' ? item : null;
    if (typeof item === 'object') {
      try {
        out += `${JSON.stringify(index.match(item))}\n`;
      } catch (err) {
        if (!isAppError(err)) throw err;
        problem = err.message;
      }
    }
    if (problem !== null) {
      bad += 1;
      out += `${JSON.stringify({ error: problem })}\n`;
      io.stderr.write(`patchwarden: line ${i + 1}: ${problem}\n`);
    }
    if (out.length > 64 * 1024) {
      io.stdout.write(out);
      out = '';
    }
  }
  io.stdout.write(out);
  return bad;
}

function registerMatch(advisories: Command, io: CliIo): void {
  withStoreOptions(
    advisories
      .command('match')
      .description('Which imported advisories affect a package version (or every line of a JSONL file)')
      .option('--ecosystem <ecosystem>', 'OSV ecosystem: npm, PyPI, Go, crates.io, Maven, Debian:12, Ubuntu:22.04:LTS, AlmaLinux:9, …')
      .option('--package <name>', 'package name (deb/rpm: the binary package)')
      .option('--version <version>', 'installed version of the package')
      .option('-v, --package-version <version>', 'the same as --version')
      .option('--source-name <name>', 'Debian/Ubuntu/Alpine: the source package (dpkg-query ${source:Package})')
      .option('--source-version <version>', 'its version (default: the package version)')
      .option('--input <file>', 'JSON lines {ecosystem,name,version,sourceName?,sourceVersion?}; "-" reads stdin')
      .option('--json', 'print the findings as JSON'),
  )
    .addHelpText(
      'after',
      `
Each finding names the advisory, its CVEs, severity, every fixed version it gives and the lowest
fixed version above the installed one. Withdrawn advisories never match. Debian, Ubuntu and Alpine
advisories name source packages: give --source-name/--source-version for a binary package.

With --input every line gets one output line: a JSON array of findings, or {"error": "..."} for a
malformed line (the reason and the line number also go to stderr, and the exit code is 6). The
advisories of the ecosystems in the input are loaded once.

Examples:
  patchwarden advisories match --ecosystem PyPI --package jinja2 --version 2.10
  patchwarden advisories match --ecosystem Debian:12 --package libssl3 --package-version 3.0.11-1~deb12u1 \\
      --source-name openssl --source-version 3.0.11-1~deb12u1 --json
  printf '%s\\n' '{"ecosystem":"npm","name":"lodash","version":"4.17.20"}' | patchwarden advisories match --input -`,
    )
    .action(
      async (
        opts: StoreOptions & {
          ecosystem?: string;
          package?: string;
          packageVersion?: string;
          version?: string;
          sourceName?: string;
          sourceVersion?: string;
          input?: string;
          json?: boolean;
        },
      ) => {
        const version = opts.packageVersion ?? opts.version;
        if (opts.input !== undefined) {
          if (opts.ecosystem !== undefined || opts.package !== undefined || version !== undefined) {
            throw new UsageError('give either --input or --ecosystem/--package/--package-version, not both');
          }
          const bad = await withStore(opts, io, (store) => matchBatch(store, opts.input!, io));
          if (bad > 0) throw new AppError('validation', `${bad} malformed input line(s) (see the messages above)`);
          return;
        }
        if (opts.ecosystem === undefined || opts.package === undefined || version === undefined) {
          throw new UsageError('give --ecosystem, --package and --version (or --input FILE)');
        }
        const instance: PackageInstance = {
          ecosystem: opts.ecosystem,
          name: opts.package,
          version,
          sourceName: opts.sourceName,
          sourceVersion: opts.sourceVersion,
        };
        await withStore(opts, io, async (store) => {
          const names = [opts.package!, ...(opts.sourceName === undefined ? [] : [opts.sourceName])];
          const index = await loadIndex(store, [instance.ecosystem], names);
          const findings = index.match(instance);
          if (opts.json === true) io.stdout.write(formatJson(findings));
          else printFindings(io, instance, findings, index.size);
          if (index.size === 0 && (await store.advisories.count({ ecosystem: instance.ecosystem.split(':')[0] })) === 0) {
            io.stderr.write(`patchwarden: no advisories of ${instance.ecosystem.split(':')[0]} are imported; import some with "patchwarden advisories import".\n`);
          }
        });
      },
    );
}

function affectedLines(affected: readonly OsvAffected[]): string[] {
  const out: string[] = [];
  for (const a of affected) {
    out.push(`  ${a.package ? `${a.package.ecosystem} ${a.package.name}` : '(no package)'}`);
    for (const range of a.ranges ?? []) out.push(`    ${range.type}${range.repo ? ` ${range.repo}` : ''}: ${eventsInWords(range.events)}`);
    const versions = a.versions ?? [];
    if (versions.length > 0) out.push(`    versions (${versions.length}): ${short(versions.join(', '), 200)}`);
  }
  return out;
}

function printAdvisory(io: CliIo, stored: StoredAdvisory): void {
  const { record } = stored;
  const sev = recordSeverity(record);
  const severity = `${severityText(stored)}${sev.vector ? ` (${sev.source} ${sev.vector})` : sev.source !== 'none' ? ` (${sev.source})` : ''}`;
  io.stdout.write(
    formatFields([
      ['id', record.id],
      ['summary', record.summary],
      ['withdrawn', record.withdrawn],
      ['aliases', stored.aliases.join(', ')],
      ['cves', stored.cves.join(', ')],
      ['severity', severity],
      ['published', record.published],
      ['modified', record.modified],
      ['source', stored.source],
      ['imported', stored.importedAt],
    ]),
  );
  const lines = ['affected:', ...affectedLines(record.affected ?? [])];
  if ((record.references ?? []).length > 0) lines.push('references:', ...(record.references ?? []).map((r) => `  ${r.type} ${r.url}`));
  io.stdout.write(`${lines.join('\n')}\n`);
}

function registerShow(advisories: Command, io: CliIo): void {
  withStoreOptions(
    advisories
      .command('show')
      .description('Print an imported advisory by its id, or every advisory with that alias (CVE)')
      .argument('<id>', 'advisory id (GHSA-…, PYSEC-…, USN-…, DEBIAN-CVE-…) or an alias such as CVE-2024-3094')
      .option('--json', 'print {"query", "advisories": [{record, source, importedAt, severity, cves, aliases}]}'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden advisories show GHSA-h755-8qp9-cq85\n  patchwarden advisories show CVE-2023-4911 --json')
    .action(async (id: string, opts: StoreOptions & { json?: boolean }) => {
      await withStore(opts, io, async (store) => {
        const found = await store.advisories.findByIdOrAlias(id.trim());
        if (found.length === 0) {
          throw new AppError('not_found', `No imported advisory has the id or alias "${id}"; import advisories with "patchwarden advisories import", or check the id.`);
        }
        if (opts.json === true) {
          io.stdout.write(formatJson({ query: id, advisories: found }));
          return;
        }
        found.forEach((stored, i) => {
          if (i > 0) io.stdout.write('\n');
          printAdvisory(io, stored);
        });
      });
    });
}

/** `patchwarden advisories import|match|show`: local commands on the server's database (no server needed). */
export function registerAdvisoriesCommand(program: Command, io: CliIo): void {
  const advisories = program
    .command('advisories')
    .description('Advisories on the local database: import OSV and Debian tracker data, match package versions, show records')
    .addHelpText(
      'after',
      `
These commands work on the server's database directly (the same --data-dir / PATCHWARDEN_DATA_DIR or
--database-url / PATCHWARDEN_DATABASE_URL as "patchwarden server"); no server needs to run.`,
    );
  registerImport(advisories, io);
  registerMatch(advisories, io);
  registerShow(advisories, io);
}
