/**
 * For an afterAll: a beforeAll that failed part-way leaves the variables it had not reached unset,
 * although their declared types say they are set. `ifSet(h)?.stop()` closes only what was set.
 */
export const ifSet = <T>(value: T): T | undefined => value;
