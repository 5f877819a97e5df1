import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '../../src/agent/enroll.js';
import { AgentLoop } from '../../src/agent/loop.js';
import { endpoints } from '../../src/contracts/api.js';
import type { RunningServer } from '../../src/server/server.js';
import { makeWorkDir, mkroot } from '../helpers/apt-root.js';
import { requireComponent } from '../helpers/components.js';
import { admin, startTestServer, type Admin } from '../helpers/fleet.js';
import { inventory, pkg } from '../nodes/helpers.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const available = requireComponent('openssl', hasOpenssl, 'install openssl: apt-get install openssl');

/** A CA and a server certificate for 127.0.0.1 signed by it. */
function makeCerts(dir: string): { ca: string; cert: string; key: string; otherCa: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test CA']);
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=Other CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), otherCa: join(dir, 'other.pem') };
}

describe.runIf(available)('agent over https with a pinned CA', () => {
  let work: string;
  let server: RunningServer;
  let a: Admin;
  let certs: ReturnType<typeof makeCerts>;

  beforeAll(async () => {
    work = makeWorkDir('pw-tls-');
    certs = makeCerts(work);
    server = await startTestServer(join(work, 'data'), 0, { PATCHWARDEN_TLS_CERT_FILE: certs.cert, PATCHWARDEN_TLS_KEY_FILE: certs.key });
    const ca = readFileSync(certs.ca, 'utf8');
    // The admin client (global fetch) cannot be given a CA: it skips verification; the agent pins the CA.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    a = await admin(server.url, 'tls');
    delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    expect(server.url).toMatch(/^https:/);
    expect(ca).toContain('BEGIN CERTIFICATE');
  });
  afterAll(async () => {
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('enrolls and reports only when the server certificate chains to the pinned CA', async () => {
    const root = mkroot(join(work, 'root'), []);
    const act = await a.activation(2);
    const stateDir = join(work, 'state');
    await expect(enrollAgent({ server: server.url, activationId: act.id, activationCode: act.code, root, stateDir, ca: readFileSync(certs.otherCa, 'utf8') })).rejects.toThrow(/cannot reach/);
    await expect(enrollAgent({ server: server.url, activationId: act.id, activationCode: act.code, root, stateDir })).rejects.toThrow(/cannot reach/);
    const { enrollment } = await enrollAgent({ server: server.url, activationId: act.id, activationCode: act.code, root, stateDir, ca: readFileSync(certs.ca, 'utf8') });
    expect(enrollment.ca).toContain('BEGIN CERTIFICATE');
    const loop = new AgentLoop({ enrollment, stateDir, root, once: true, scan: async () => inventory('tls-node', [pkg('openssl', '3.0.15')]) });
    await loop.run();
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const node = await a.client.call(endpoints.getNode, { params: { nodeId: enrollment.nodeId } });
      expect(node).toMatchObject({ inventoryRevision: 1, packageCount: 1 });
    } finally {
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    }
  });
});
