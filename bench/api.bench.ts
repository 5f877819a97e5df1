import pino from 'pino';
import { hashPassword, verifyPassword } from '../src/server/auth/secrets.js';
import { testDialects } from '../test/helpers/databases.js';
import { createTestApp } from '../test/helpers/app.js';
import type { Benchmark } from './run.js';

async function rate(label: string, n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(50, n); i++) await fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = n / seconds;
  process.stdout.write(`  ${label.padEnd(64)} ${perSecond.toFixed(0).padStart(8)} /s   (${((seconds / n) * 1000).toFixed(3)} ms each)\n`);
  return perSecond;
}

/** API request throughput through the full stack (auth, validation, store, serialisation), in process. */
export const api: Benchmark = {
  name: 'api',
  description: 'authenticated API requests per second vs. an unauthenticated /healthz, on each database',
  async run() {
    const hash = await hashPassword('benchmark-password');
    await rate('scrypt password verification (sign-in cost)', 20, () => verifyPassword('benchmark-password', hash));
    for (const dialect of testDialects()) {
      const t = await createTestApp(dialect, { logger: pino({ level: 'silent' }) });
      try {
        let target = '';
        for (let i = 0; i < 200; i++) target = await t.createAccount(`bench-${i}`);
        process.stdout.write(`  [${dialect}]\n`);
        await rate('reference: GET /healthz (no auth, no database)', 3000, () => t.app.inject({ method: 'GET', url: '/healthz' }));
        await rate('GET /api/v1/me (token auth + user lookup)', 2000, () => t.as(t.adminToken, 'GET', '/api/v1/me'));
        await rate('GET /api/v1/accounts?limit=50 (of 201, sorted)', 2000, () => t.as(t.adminToken, 'GET', '/api/v1/accounts?limit=50&sort=-createdAt'));
        await rate('PATCH /api/v1/accounts/{id} (change + audit, one transaction)', 1000, (i) =>
          t.as(t.adminToken, 'PATCH', `/api/v1/accounts/${target}`, { description: `d${i}` }),
        );
      } finally {
        await t.close();
      }
    }
  },
};
