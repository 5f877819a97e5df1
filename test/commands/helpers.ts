import { expect } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { enrolledNode } from '../nodes/helpers.js';

/** A node the test acts as over the real agent protocol. */
export interface TestNode {
  nodeId: string;
  credential: string;
  hostname: string;
}

/** Enrolls `count` nodes with these tags (hostnames `prefix-1`…). */
export async function enrollMany(t: TestApp, accountId: string, count: number, prefix: string, tags: Record<string, string> = {}): Promise<TestNode[]> {
  const out: TestNode[] = [];
  for (let i = 1; i <= count; i++) {
    const hostname = `${prefix}-${i}`;
    const n = await enrolledNode(t, accountId, hostname, tags);
    out.push({ ...n, hostname });
  }
  return out;
}

export interface Delivered {
  invocationId: string;
  commandId: string;
  document: string;
  parameters: { items: { name: string; arch?: string; version: string }[]; snapshotId?: string; rebootOption: string };
}

/** One poll as the node (no waiting); the invocations delivered to it. */
export async function poll(t: TestApp, node: TestNode): Promise<Delivered[]> {
  const res = await t.as(node.credential, 'GET', '/api/v1/agent/commands?wait=0');
  expect(res.statusCode, res.body).toBe(200);
  return res.json().invocations as Delivered[];
}

let keys = 0;

/** Reports a result of an invocation as its node. */
export async function report(t: TestApp, node: TestNode, invocationId: string, status: 'Success' | 'Failed', output = status === 'Success' ? 'ok' : 'it broke'): Promise<void> {
  keys += 1;
  const now = new Date().toISOString();
  const res = await t.as(node.credential, 'POST', '/api/v1/agent/results', {
    invocationId,
    idempotencyKey: `key-${process.pid}-${keys}-${Math.random().toString(36).slice(2, 10)}`,
    status,
    output,
    startedAt: now,
    finishedAt: now,
    outcomes: [],
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** Sends a command as the bootstrap admin; returns the response. */
export function send(t: TestApp, accountId: string, body: Record<string, unknown>) {
  return t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/commands`, body);
}

export interface CommandView {
  id: string;
  status: string;
  targetCount: number;
  maxConcurrency: string;
  maxErrors: string;
  parameters: { snapshotId?: string; items: unknown[] };
  counts: Record<string, number>;
  invocations: { id: string; nodeId: string; status: string; output: string; releasedAt: string | null; items: { name: string; arch?: string; version: string }[] }[];
}

export async function command(t: TestApp, commandId: string): Promise<CommandView> {
  const res = await t.as(t.adminToken, 'GET', `/api/v1/commands/${commandId}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<CommandView>();
}
