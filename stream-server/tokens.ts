import { timingSafeEqual, createHash } from 'node:crypto';
import { ConfigError } from '../core/errors.js';

/** Which token opens which stream id, for one namespace. */
export class TokenTable {
  private readonly digests = new Map<string, Buffer>();

  constructor(entries: Iterable<readonly [streamId: string, token: string]>) {
    for (const [streamId, token] of entries) this.digests.set(streamId, digest(token));
  }

  /** Parses `streamId:token` pairs separated by commas (the CUECAST_*_TOKENS format). */
  static parse(spec: string, variable: string): TokenTable {
    const entries: [string, string][] = [];
    const issues: string[] = [];
    const parts = spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const [index, part] of parts.entries()) {
      const colon = part.indexOf(':');
      const streamId = colon > 0 ? part.slice(0, colon) : '';
      const token = colon > 0 ? part.slice(colon + 1) : '';
      if (!isStreamId(streamId) || token.length < 8) {
        // Named by position and id only: the token is a secret even when it is malformed.
        const which = isStreamId(streamId) ? `the entry for stream "${streamId}"` : `entry ${index + 1}${colon > 0 ? ' (its stream id is not valid)' : ' (no "streamId:" before the token)'}`;
        issues.push(`${variable}: ${which} is not streamId:token (ids are 1-64 letters, digits, _ or -; tokens at least 8 characters; the token is not shown)`);
      } else {
        entries.push([streamId, token]);
      }
    }
    if (issues.length > 0) throw new ConfigError(issues);
    return new TokenTable(entries);
  }

  get size(): number {
    return this.digests.size;
  }

  has(streamId: string): boolean {
    return this.digests.has(streamId);
  }

  /** Constant-time check of a token for a stream id. */
  verify(streamId: string, token: string): boolean {
    const expected = this.digests.get(streamId);
    return expected !== undefined && timingSafeEqual(expected, digest(token));
  }
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

export const isStreamId = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
