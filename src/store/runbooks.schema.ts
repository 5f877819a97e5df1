/** Row types of the runbooks tables (migration 0007-runbooks). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RunbooksTables {}
