import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { AppError } from '../domain/errors.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type { Dialect } from './migrations/migration.js';
import type { Dialect } from './migrations/migration.js';

export interface DatabaseOptions {
  /** `postgres://…` or `postgresql://…`; when absent, the SQLite file is used. */
  url?: string | undefined;
  /** Path of the SQLite file (created with its directory when missing). */
  sqliteFile?: string | undefined;
  /** PostgreSQL only: the schema to work in (tests use one schema per run). */
  pgSchema?: string | undefined;
  /** PostgreSQL only: pool size (default 10). */
  poolSize?: number | undefined;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, without credentials (for logs and `patchwarden server` output). */
  location: string;
  /** PostgreSQL: the schema worked in, when not the default search path. */
  schema?: string | undefined;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the database (SQLite file in WAL mode or a PostgreSQL pool). Does not migrate. */
export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.url !== undefined && options.url !== '') {
    if (!/^postgres(ql)?:\/\//.test(options.url)) {
      throw new AppError(
        'validation',
        'PATCHWARDEN_DATABASE_URL must start with postgres:// or postgresql://; leave it unset to use the SQLite file in the data directory.',
      );
    }
    return openPostgres(options.url, options);
  }
  if (options.sqliteFile === undefined) throw new AppError('validation', 'No database: give a SQLite file or a PostgreSQL URL.');
  return openSqlite(options.sqliteFile);
}

function openSqlite(file: string): DatabaseHandle {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const native = new SQLite(file);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: native }) });
  return {
    db,
    dialect: 'sqlite',
    location: `sqlite:${file}`,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function openPostgres(url: string, options: DatabaseOptions): DatabaseHandle {
  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new AppError('validation', `Invalid PostgreSQL schema name "${schema}".`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types: {
      getTypeParser: ((oid: number, format?: string): unknown =>
        oid === INT8_OID || oid === NUMERIC_OID ? (v: string) => Number(v) : (pg.types.getTypeParser(oid, format as 'text') as unknown)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client's error (server restart, network) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let location = 'postgres';
  try {
    const u = new URL(url);
    location = `postgres://${u.host}${u.pathname}${schema === undefined ? '' : ` (schema ${schema})`}`;
  } catch {
    // The URL is checked by pg when connecting; keep the generic location.
  }
  return {
    db,
    dialect: 'postgres',
    location,
    schema,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Brings the schema up to date. Safe to run concurrently from several replicas (PostgreSQL locks). */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations() {
      return Promise.resolve(
        Object.fromEntries(migrations.map((m) => [m.name, { up: (db: Kysely<unknown>) => m.up(db, handle.dialect) }])),
      );
    },
  };
  // The migration tables live in the schema worked in, so that several schemas of one database
  // (tests, or several installations) each keep their own migration state and lock.
  const migrator = new Migrator({ db: handle.db, provider, ...(handle.schema === undefined ? {} : { migrationTableSchema: handle.schema }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('unavailable', `Database migration ${failed} failed on ${handle.location}: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
