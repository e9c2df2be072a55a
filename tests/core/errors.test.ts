import { describe, expect, it } from 'vitest';
import { CuecastError, MediaError, isCuecastError, toCuecastError } from '../../core/errors.js';

describe('typed errors', () => {
  it('carry a stable code, a readable name and structured details', () => {
    const error = new MediaError('MEDIA_UNREADABLE', 'clip.mp4 is not a video ffmpeg can read', { input: 'clip.mp4' });
    expect(error).toBeInstanceOf(CuecastError);
    expect(error.name).toBe('CuecastError[MEDIA_UNREADABLE]');
    expect(error.toJSON()).toEqual({ code: 'MEDIA_UNREADABLE', message: 'clip.mp4 is not a video ffmpeg can read', details: { input: 'clip.mp4' } });
    expect(isCuecastError(error)).toBe(true);
  });

  it('wrap unknown failures as INTERNAL and keep the cause', () => {
    const cause = new TypeError('x is undefined');
    const wrapped = toCuecastError(cause);
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.cause).toBe(cause);
    expect(toCuecastError(wrapped)).toBe(wrapped);
    expect(toCuecastError('plain string').message).toMatch(/plain string/);
  });
});
