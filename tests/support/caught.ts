import type { CuecastError } from '../../core/errors.js';

/** The error a promise rejects with (to inspect its code and details); throws when it resolves instead. */
export async function caught(promise: Promise<unknown>): Promise<CuecastError> {
  try {
    await promise;
  } catch (error) {
    return error as CuecastError;
  }
  throw new Error('expected a rejection');
}
