import type { Logger } from '../../core/logger.js';
import { roomOf, type PicksPayload } from '../events.js';
import { isStreamId, type TokenTable } from '../tokens.js';
import type { SocketServer } from './server.js';

/** Where a stream's picks go: its overlays and producers here, and (with an adapter) the other nodes. */
export interface PicksRelay {
  publish(picks: PicksPayload): void;
  /** The latest picks of a stream this node has seen: published here or received from another node. */
  latest(streamId: string): PicksPayload | undefined;
}

export interface PicksRelayOptions {
  /** Whether other nodes share this one's picks (a socket.io adapter is configured). */
  readonly shareWithNodes: boolean;
  /** Picks are remembered only for streams this node knows. */
  readonly overlayTokens: TokenTable;
  readonly log: Logger;
}

export function createPicksRelay(server: SocketServer, options: PicksRelayOptions): PicksRelay {
  const latest = new Map<string, PicksPayload>();

  // Picks computed on another node: remember them so this node can answer `state` and audio requests.
  server.io.on('picks', (picks: unknown) => {
    if (!isKnownStreamPicks(picks, options.overlayTokens)) return;
    const known = latest.get(picks.streamId);
    if (!known || known.seq < picks.seq || known.at < picks.at) latest.set(picks.streamId, picks);
  });

  return {
    publish(picks) {
      latest.set(picks.streamId, picks);
      server.overlays.to(roomOf(picks.streamId)).emit('picks', picks);
      server.producers.to(roomOf(picks.streamId)).emit('picks', picks);
      if (!options.shareWithNodes) return;
      try {
        server.io.serverSideEmit('picks', picks);
      } catch (error) {
        options.log.warn({ err: error }, 'could not share picks with other nodes');
      }
    },
    latest: (streamId) => latest.get(streamId),
  };
}

/** Picks another node shared, of the right shape and for a stream this node has an overlay token for. */
function isKnownStreamPicks(value: unknown, overlayTokens: TokenTable): value is PicksPayload {
  if (typeof value !== 'object' || value === null) return false;
  const picks: Partial<Record<keyof PicksPayload, unknown>> = value;
  return isStreamId(picks.streamId) && overlayTokens.has(picks.streamId) && Number.isInteger(picks.seq);
}
