import { foundation } from './0001-foundation.js';
import { advisories } from './0002-advisories.js';
import { nodes } from './0003-nodes.js';
import { baselines } from './0004-baselines.js';
import { targets } from './0005-targets.js';
import { compliance } from './0006-compliance.js';
import { runbooksMigration } from './0007-runbooks.js';
import { executionsMigration } from './0008-executions.js';
import { delegationsMigration } from './0009-delegations.js';
import { windowsMigration } from './0010-windows.js';
import { patchCvesMigration } from './0011-patch-cves.js';
import { patchSummaryMigration } from './0012-patch-summary.js';
import { dependenciesMigration } from './0013-dependencies.js';
import type { Migration } from './migration.js';

export type { Dialect, Migration } from './migration.js';

/** Every migration, in order. */
export const migrations: readonly Migration[] = [foundation, advisories, nodes, baselines, targets, compliance, runbooksMigration, executionsMigration, delegationsMigration, windowsMigration, patchCvesMigration, patchSummaryMigration, dependenciesMigration];
