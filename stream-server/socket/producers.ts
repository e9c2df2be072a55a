/** The `/stream` namespace: producers send frames, prompts, refinements and ingest URLs for their stream. */
import { CuecastError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AddressPolicy } from '../../core/net/address-policy.js';
import { checkIngestTarget } from '../egress.js';
import { STREAM_EVENTS, roomOf, type FrameResult, type SessionSummary } from '../events.js';
import { checkImage } from '../image-check.js';
import { parseIngestUrl } from '../ingest.js';
import type { StreamMetrics } from '../metrics.js';
import type { SessionRegistry } from '../session-registry.js';
import type { ProducerNotice } from '../session.js';
import type { TokenTable } from '../tokens.js';
import { acknowledged, guardConnection, type EventBudget } from './protocol-guard.js';
import { checkFrame, checkText, type CheckedFrame } from './producer-input.js';
import { authenticate, handshakeError, type ProducerNamespace, type ProducerSocket } from './server.js';

export interface ProducerLimits {
  readonly maxFrameBytes: number;
  readonly maxFramePixels: number;
  readonly maxFramesPerSecond: number;
  readonly maxPromptChars: number;
  readonly maxProducersPerStream: number;
  readonly maxClockSkewMs: number;
}

export interface ProducerDeps {
  readonly tokens: TokenTable;
  readonly sessions: SessionRegistry;
  readonly limits: ProducerLimits;
  readonly budget: EventBudget;
  readonly metrics: StreamMetrics;
  /** Where `ingest` may connect, and whether it may read `file:` URLs. */
  readonly egressPolicy: AddressPolicy;
  readonly allowFileUrls: boolean;
  readonly now: () => number;
  readonly log: Logger;
}

/** Admits producers with a valid stream token, up to `maxProducersPerStream` per stream, and serves their events. */
export function serveProducers(producers: ProducerNamespace, deps: ProducerDeps): void {
  const { sessions, limits } = deps;
  producers.use(authenticate(deps.tokens, () => sessions.accepting));
  producers.use((socket, next) => {
    const count = sessions.producerCount(socket.data.streamId);
    if (count >= limits.maxProducersPerStream) {
      next(handshakeError('RATE_LIMITED', `Stream ${socket.data.streamId} already has ${count} producer connections (the limit)`));
      return;
    }
    next();
  });
  producers.on('connection', (socket) => {
    if (!sessions.accepting) {
      socket.disconnect(true);
      return;
    }
    connectProducer(socket, deps);
  });
}

/** Tells a stream's producers what its session reports outside any acknowledgement. */
export function noticeProducers(producers: ProducerNamespace): (streamId: string, notice: ProducerNotice) => void {
  return (streamId, notice) => {
    const room = producers.to(roomOf(streamId));
    if (notice.event === 'ingest') room.emit('ingest', notice.status);
    else room.emit('problem', { event: 'picks', error: notice.error });
  };
}

function connectProducer(socket: ProducerSocket, deps: ProducerDeps): void {
  const { streamId } = socket.data;
  const { sessions, limits, log } = deps;
  sessions.addProducer(streamId, socket.id);
  void socket.join(roomOf(streamId));
  guardConnection(socket, STREAM_EVENTS, deps.budget);

  socket.on(
    'frame',
    acknowledged(socket, 'frame', 1, (payload) => addFrame(streamId, payload, deps), log),
  );
  socket.on(
    'prompt',
    acknowledged(socket, 'prompt', 1, (text): SessionSummary => sessions.open(streamId).session.setPrompt(checkText(text, 'prompt', limits.maxPromptChars)), log),
  );
  socket.on(
    'refine',
    acknowledged(socket, 'refine', 1, (text): SessionSummary => sessions.open(streamId).session.refine(checkText(text, 'refinement', limits.maxPromptChars)), log),
  );
  socket.on(
    'ingest',
    acknowledged(
      socket,
      'ingest',
      1,
      async (url): Promise<SessionSummary> => {
        const parsed = url === null ? null : parseIngestUrl(url, deps.allowFileUrls);
        if (parsed) await checkIngestTarget(parsed, deps.egressPolicy);
        return sessions.open(streamId).session.setIngest(parsed);
      },
      log,
    ),
  );
  socket.on('disconnect', () => {
    sessions.removeProducer(streamId, socket.id);
  });
}

/** A frame within the stream's frame rate, of a checked shape, size and format, into the session's window. */
async function addFrame(streamId: string, payload: unknown, deps: ProducerDeps): Promise<FrameResult> {
  const { limits, metrics } = deps;
  metrics.framesIn.inc({ source: 'socket' });
  const live = deps.sessions.open(streamId);
  if (!live.frames.take()) {
    metrics.dropped('rate_limited');
    throw new CuecastError('RATE_LIMITED', `More than ${limits.maxFramesPerSecond} frames per second; slow down`);
  }
  let frame: CheckedFrame;
  try {
    frame = checkFrame(payload, deps.now(), limits.maxClockSkewMs);
    checkImage(frame.bytes, { maxBytes: limits.maxFrameBytes, maxPixels: limits.maxFramePixels });
  } catch (error) {
    metrics.dropped('invalid');
    throw error;
  }
  return live.session.addFrame({ encoded: frame.bytes }, frame.capturedAt);
}
