import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createStore, migrateToLatest, openDatabase, type Dialect, type Store } from '../../src/store/index.js';
import { requireComponent } from './components.js';

/** The PostgreSQL the tests use: PATCHWARDEN_TEST_DATABASE_URL, default the project machines' local one. */
export const TEST_PG_URL = process.env.PATCHWARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgAvailable = await probePostgres();

// vitest only inside test runs: benchmarks (`npm run bench`) use these helpers outside of vitest.
const vitest = process.env.VITEST === undefined ? undefined : await import('vitest');

export interface TestDatabase {
  dialect: Dialect;
  /** Database options for a server/app on the same data (SQLite file or PostgreSQL schema). */
  options: { url?: string; sqliteFile?: string; pgSchema?: string };
  store: Store;
}

/** Creates a fresh, migrated database of the given dialect; `drop` removes it. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase & { drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'pw-test-'));
    const options = { sqliteFile: join(dir, 'patchwarden.db') };
    const handle = openDatabase(options);
    await migrateToLatest(handle);
    const store = createStore(handle);
    return {
      dialect,
      options,
      store,
      async drop() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `pw_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const options = { url: TEST_PG_URL, pgSchema: schema };
  const handle = openDatabase({ ...options, poolSize: 4 });
  await migrateToLatest(handle);
  const store = createStore(handle);
  return {
    dialect,
    options,
    store,
    async drop() {
      await store.close();
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/** The dialects to run store tests on: SQLite always, PostgreSQL when reachable (required under CI). */
export function testDialects(): Dialect[] {
  const withPg = requireComponent('PostgreSQL', pgAvailable, `nothing answers at ${TEST_PG_URL}; start it or set PATCHWARDEN_TEST_DATABASE_URL`);
  return withPg ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * Runs the same test body on SQLite and on PostgreSQL: `describe('[sqlite] title')` and
 * `describe('[postgres] title')`, each with a fresh migrated database.
 */
export function describeEachDatabase(title: string, body: (db: () => TestDatabase) => void): void {
  if (vitest === undefined) throw new Error('describeEachDatabase runs only under vitest');
  const { afterAll, beforeAll, describe } = vitest;
  for (const dialect of testDialects()) {
    describe(`[${dialect}] ${title}`, () => {
      let current: (TestDatabase & { drop(): Promise<void> }) | undefined;
      beforeAll(async () => {
        current = await createTestDatabase(dialect);
      });
      afterAll(async () => {
        await current?.drop();
      });
      body(() => {
        if (current === undefined) throw new Error('test database not ready');
        return current;
      });
    });
  }
}
