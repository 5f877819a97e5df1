import { randomBytes } from 'node:crypto';
import { randomSecret, sha256 } from './secrets.js';

/** Node credentials: `pwn_<nodeId>.<secret>`, sent as `Authorization: Bearer …`; the server keeps sha256(secret). */
export const NODE_CREDENTIAL_PREFIX = 'pwn_';

/** A node id in the style of AWS managed nodes: `mi-` and 17 hex digits. */
export function newNodeId(): string {
  return `mi-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export const NODE_ID_PATTERN = /^mi-[0-9a-f]{17}$/;

/** A fresh credential for a node: the string the agent keeps and the hash the server keeps. */
export function newNodeCredential(nodeId: string): { credential: string; secretHash: string } {
  const secret = randomSecret(32);
  return { credential: `${NODE_CREDENTIAL_PREFIX}${nodeId}.${secret}`, secretHash: sha256(secret) };
}

/** Splits a node credential; undefined when it does not have the shape. */
export function parseNodeCredential(value: string): { nodeId: string; secret: string } | undefined {
  if (!value.startsWith(NODE_CREDENTIAL_PREFIX)) return undefined;
  const dot = value.indexOf('.');
  if (dot < 0) return undefined;
  const nodeId = value.slice(NODE_CREDENTIAL_PREFIX.length, dot);
  const secret = value.slice(dot + 1);
  if (!NODE_ID_PATTERN.test(nodeId) || secret.length === 0 || secret.length > 256) return undefined;
  return { nodeId, secret };
}

/** A high-entropy activation code (shown once; the server keeps its sha256). */
export function newActivationCode(): { code: string; codeHash: string } {
  const code = randomSecret(24);
  return { code, codeHash: sha256(code) };
}
