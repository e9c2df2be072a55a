/** The `/overlay` namespace: read-only viewers get their stream's picks as they change, and `state` on request. */
import type { Logger } from '../../core/logger.js';
import { OVERLAY_EVENTS, roomOf, type OverlayState } from '../events.js';
import type { StreamMetrics } from '../metrics.js';
import type { TokenTable } from '../tokens.js';
import { acknowledged, guardConnection, type EventBudget } from './protocol-guard.js';
import { authenticate, type OverlayNamespace } from './server.js';

export interface OverlayDeps {
  readonly tokens: TokenTable;
  /** Whether the server takes new connections (false while draining). */
  readonly accepting: () => boolean;
  /** A stream's latest picks and whether their audio can be played. */
  readonly stateOf: (streamId: string) => OverlayState;
  readonly budget: EventBudget;
  readonly metrics: StreamMetrics;
  readonly log: Logger;
}

export function serveOverlays(overlays: OverlayNamespace, deps: OverlayDeps): void {
  overlays.use(authenticate(deps.tokens, deps.accepting));
  overlays.on('connection', (socket) => {
    const { streamId } = socket.data;
    void socket.join(roomOf(streamId));
    deps.metrics.overlays.inc();
    guardConnection(socket, OVERLAY_EVENTS, deps.budget);
    socket.on(
      'state',
      acknowledged(socket, 'state', 0, () => deps.stateOf(streamId), deps.log),
    );
    socket.emit('state', deps.stateOf(streamId));
    socket.on('disconnect', () => deps.metrics.overlays.dec());
  });
}
