/** Checks of what a producer sends, before any of it reaches a session. */
import { InputError } from '../../core/errors.js';
import type { FramePayload } from '../events.js';

export interface CheckedFrame {
  readonly bytes: Uint8Array;
  readonly capturedAt: number;
}

/** A prompt or refinement: a string of at most `maxChars` characters. */
export function checkText(text: unknown, what: string, maxChars: number): string {
  if (typeof text !== 'string') throw new InputError('INPUT_INVALID', `The ${what} must be a string`);
  if (text.length > maxChars) {
    throw new InputError('PROMPT_TOO_LONG', `The ${what} is ${text.length} characters; the limit is ${maxChars}`);
  }
  return text;
}

/** A frame's shape (`{ image: <bytes>, capturedAt: <ms> }`) and a capture time within `maxClockSkewMs` of `now`. */
export function checkFrame(payload: unknown, now: number, maxClockSkewMs: number): CheckedFrame {
  if (typeof payload !== 'object' || payload === null) throw new InputError('INPUT_INVALID', 'A frame is { image: <bytes>, capturedAt: <ms> }');
  const frame: Partial<Record<keyof FramePayload, unknown>> = payload;
  const image = frame.image;
  const bytes = image instanceof Uint8Array ? image : image instanceof ArrayBuffer ? new Uint8Array(image) : undefined;
  if (!bytes) throw new InputError('INPUT_INVALID', 'The frame image must be binary (JPEG, PNG or WebP bytes)');
  const capturedAt = frame.capturedAt;
  if (typeof capturedAt !== 'number' || !Number.isFinite(capturedAt)) throw new InputError('INPUT_INVALID', 'capturedAt must be a time in ms since the epoch');
  if (Math.abs(capturedAt - now) > maxClockSkewMs) {
    throw new InputError('INPUT_INVALID', `capturedAt is more than ${Math.round(maxClockSkewMs / 1000)} s from the server clock`);
  }
  return { bytes, capturedAt };
}
