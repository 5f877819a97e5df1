/**
 * A real Patchwarden server in-process (SQLite data dir, a port) with an admin API client, for the
 * agent loop and fleet tests: accounts, activations, commands and node reads through the API.
 */
import { ApiClient, sessionCookieOf } from '../../src/cli/client.js';
import { endpoints } from '../../src/contracts/api.js';
import type { CommandDetail, SendCommandRequest } from '../../src/contracts/commands.contract.js';
import { loadServerConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { ADMIN_PASSWORD } from './app.js';

export async function startTestServer(dataDir: string, port = 0, env: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadServerConfig({
    env: {
      PATCHWARDEN_DATA_DIR: dataDir,
      PATCHWARDEN_PORT: String(port),
      PATCHWARDEN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PATCHWARDEN_LOG_LEVEL: 'silent',
      PATCHWARDEN_AGENT_POLL_CHECK_MS: '100',
      ...env,
    },
  });
  return startServer(config, { out: { write: () => true } as unknown as NodeJS.WritableStream });
}

/** Signs in as the bootstrap admin and returns a client with an API token. */
export async function adminClient(url: string): Promise<ApiClient> {
  const anon = new ApiClient({ server: url, credentials: null, userAgent: 'test' });
  const session = await anon.request(endpoints.login, { body: { username: 'admin', password: ADMIN_PASSWORD } });
  const cookie = sessionCookieOf(session.headers, 'pw_session');
  if (cookie === undefined) throw new Error('login set no session cookie');
  const withSession = new ApiClient({ server: url, credentials: { sessionCookie: cookie, csrfToken: session.data.csrfToken }, userAgent: 'test' });
  const created = await withSession.call(endpoints.createToken, { body: { name: 'fleet-test' } });
  return new ApiClient({ server: url, credentials: { token: created.token }, userAgent: 'test' });
}

export interface Admin {
  client: ApiClient;
  accountId: string;
  activation(limit?: number): Promise<{ id: string; code: string }>;
  /** Sends a command to these node ids (the rest of the request as given). */
  send(body: Omit<SendCommandRequest, 'targets'> & { nodeIds: string[] }): Promise<CommandDetail>;
  command(id: string): Promise<CommandDetail>;
  /** Polls the command until every invocation has ended (or the timeout passes). */
  waitForCommand(id: string, timeoutMs?: number): Promise<CommandDetail>;
}

export async function admin(url: string, accountName: string): Promise<Admin> {
  const client = await adminClient(url);
  const account = await client.call(endpoints.createAccount, { body: { name: accountName } });
  const self: Admin = {
    client,
    accountId: account.id,
    async activation(limit = 1) {
      const a = await client.call(endpoints.createActivation, { params: { accountId: account.id }, body: { registrationLimit: limit } });
      return { id: a.id, code: a.activationCode };
    },
    send: ({ nodeIds, ...body }) => client.call(endpoints.sendCommand, { params: { accountId: account.id }, body: { ...body, targets: { nodeIds } } }),
    command: (id) => client.call(endpoints.getCommand, { params: { commandId: id } }),
    async waitForCommand(id, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const c = await self.command(id);
        if (c.invocations.every((i) => !['Pending', 'InProgress'].includes(i.status)) || Date.now() > until) return c;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
  return self;
}
