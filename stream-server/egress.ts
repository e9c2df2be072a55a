import { CuecastError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AddressPolicy } from '../core/net/address-policy.js';
import { resolveAllowed, type Lookup } from '../core/net/resolve.js';
import { startEgressProxy } from './egress-proxy.js';
import type { FrameSource } from './ingest.js';

const PROXIED = new Set(['http:', 'https:']);

/** Checks an ingest URL's host before anything is started: a refused host fails the `ingest` event itself. */
export async function checkIngestTarget(url: URL, policy: AddressPolicy, lookup?: Lookup): Promise<void> {
  if (url.protocol === 'file:') return;
  await resolveAllowed(url.hostname, policy, lookup);
}

/**
 * A frame source whose every connection obeys the address policy: http(s) through a checking proxy
 * (redirects, playlists, segments and keys included); rtmp and srt, which make one connection to the
 * URL's host, to the address checked here (the URL is rewritten to it).
 */
export function checkedFrameSource(inner: FrameSource, policy: AddressPolicy, log: Logger, lookup?: Lookup): FrameSource {
  return async function* (url, options) {
    const target = new URL(url);
    if (target.protocol === 'file:') {
      yield* inner(url, options);
      return;
    }
    if (!PROXIED.has(target.protocol)) {
      const [address] = await resolveAllowed(target.hostname, policy, lookup);
      const pinned = new URL(target.href);
      pinned.hostname = address!.includes(':') ? `[${address}]` : address!;
      yield* inner(pinned.href, options);
      return;
    }
    const proxy = await startEgressProxy({ policy, log, ...(lookup ? { lookup } : {}) });
    try {
      yield* inner(url, { ...options, httpProxy: proxy.url });
    } catch (error) {
      // ffmpeg only saw a 403 from the proxy; the reason is the policy's.
      if (proxy.refused) throw proxy.refused;
      throw error;
    } finally {
      await proxy.close();
    }
    if (proxy.refused) throw new CuecastError('URL_FORBIDDEN', proxy.refused.message, proxy.refused.details);
  };
}
