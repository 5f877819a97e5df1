/** Row types of the windows tables (migration 0010-windows). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WindowsTables {}
