export { openDatabase, migrateToLatest, type DatabaseHandle, type DatabaseOptions, type Dialect } from './database.js';
export { createStore, type Repositories, type Store } from './store.js';
export { newId } from './ids.js';
export type { Page, PageRequest } from './paging.js';
export { toUser, type UserRecord } from './users.repository.js';
export { toApiToken, type SessionRecord, type TokenRecord } from './credentials.repository.js';
export type { NewAuditEntry } from './audit.repository.js';
export { isUniqueViolation } from './errors.js';
export type { AdvisoriesRepository, AdvisoryFilter, AdvisorySummary, LoadRecordsOptions, StoredAdvisory } from './advisories.repository.js';
