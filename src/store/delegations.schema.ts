/** Row types of the delegations tables (migration 0009-delegations). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DelegationsTables {}
