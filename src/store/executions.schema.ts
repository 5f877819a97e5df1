/** Row types of the executions tables (migration 0008-executions). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ExecutionsTables {}
