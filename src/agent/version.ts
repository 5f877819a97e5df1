import { readFileSync } from 'node:fs';

/** The agent's version: package.json's (found from src/agent/, dist/agent/ or the dist/agent.mjs bundle). */
export const AGENT_VERSION: string = (() => {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'patchwarden' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
})();
