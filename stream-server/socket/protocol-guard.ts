/**
 * What every client event passes before a namespace's handler sees it: the connection's event budget,
 * the list of known events, and the shape `(...arguments, ack)` that every acknowledged event has.
 * Refusals answer that client only: in its acknowledgement when it sent one, else as a `problem`.
 */
import type { Event } from 'socket.io';
import { isCuecastError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { eventCost, eventLabel } from '../event-budget.js';
import type { Ack, AckCallback, ProblemPayload, ProtocolError } from '../events.js';
import type { StreamMetrics } from '../metrics.js';
import { TokenBucket } from '../rate-limiter.js';

/** The parts of a connection the guard uses: both namespaces' sockets fit. */
export interface GuardedSocket {
  use(middleware: (packet: Event, next: (err?: Error) => void) => void): unknown;
  /** socket.io passes event names as the client sent them: a string, or a number. */
  onAny(listener: (event: unknown, ...args: unknown[]) => void): unknown;
  emit(event: 'problem', problem: ProblemPayload): boolean;
}

export interface EventBudget {
  /** Cost units (EVENT_COSTS) a connection may spend per second, and the burst above that. */
  readonly perSecond: number;
  readonly burst: number;
  readonly now: () => number;
  readonly metrics: StreamMetrics;
}

/** The listener `acknowledged` makes: it accepts whatever a client sends and answers with `AckCallback<T>`. */
export type AcknowledgedListener<T> = (...args: [...unknown[], AckCallback<T>]) => void;

/** Budget, then unknown events: the order in which a new connection's events are checked. */
export function guardConnection(socket: GuardedSocket, known: readonly string[], budget: EventBudget): void {
  chargeEvents(socket, budget);
  refuseUnknownEvents(socket, known);
}

/**
 * Every event a client sends is paid for from its connection's budget before anything looks at it
 * (a refinement costs more than a frame, see EVENT_COSTS); past the budget it is answered RATE_LIMITED.
 */
function chargeEvents(socket: GuardedSocket, budget: EventBudget): void {
  const bucket = new TokenBucket(budget.perSecond, budget.burst, budget.now);
  socket.use((packet, next) => {
    const name: unknown = packet[0];
    const event = String(name);
    const cost = eventCost(event);
    if (bucket.take(cost)) {
      next();
      return;
    }
    budget.metrics.eventsRefused.inc({ event: eventLabel(event) });
    const error: ProtocolError = {
      code: 'RATE_LIMITED',
      message: `This connection is over its event budget (${budget.perSecond} units/s, "${event.slice(0, 64)}" costs ${cost}); slow down`,
    };
    const ack: unknown = packet.at(-1);
    if (isAckCallback(ack)) ack({ error });
    // Without an acknowledgement the event is dropped silently: answering every one would let a flood cost us writes.
  });
}

function refuseUnknownEvents(socket: GuardedSocket, known: readonly string[]): void {
  socket.onAny((event, ...args) => {
    if (typeof event === 'string' && known.includes(event)) return;
    const name = String(event).slice(0, 64);
    const error: ProtocolError = { code: 'INPUT_INVALID', message: `Unknown event "${name}"; expected one of: ${known.join(', ')}` };
    const ack = args.at(-1);
    if (isAckCallback(ack)) ack({ error });
    else socket.emit('problem', { event: name, error });
  });
}

/**
 * The listener of an acknowledged event that takes `arity` arguments: the arguments are the client's
 * (unknown until `run` checks them); what `run` returns, or the error it throws, goes back in the
 * acknowledgement, to this client only. `T` must be what the event map's acknowledgement carries.
 */
export function acknowledged<T>(socket: GuardedSocket, event: string, arity: number, run: (...args: unknown[]) => Promise<T> | T, log: Logger): AcknowledgedListener<T> {
  return (...args: unknown[]) => {
    const ack = args.at(-1);
    if (!isAckCallback<T>(ack) || args.length !== arity + 1) {
      if (isAckCallback(ack)) ack({ error: { code: 'INPUT_INVALID', message: `"${event}" takes ${arity} argument(s) and an acknowledgement` } });
      else socket.emit('problem', { event, error: { code: 'INPUT_INVALID', message: `"${event}" must be sent with an acknowledgement` } });
      return;
    }
    Promise.resolve()
      .then(() => run(...args.slice(0, arity)))
      .then(
        (data) => {
          ack({ data });
        },
        (error: unknown) => {
          ack({ error: toProtocolError(error, log) });
        },
      );
  };
}

/** A client's last argument is its acknowledgement when it is a function (socket.io passes one then). */
function isAckCallback<T = never>(value: unknown): value is (response: Ack<T>) => void {
  return typeof value === 'function';
}

/** Only our own (typed) errors reach clients with their message; anything else is INTERNAL. */
export function toProtocolError(error: unknown, log: Logger): ProtocolError {
  if (isCuecastError(error) && error.code !== 'INTERNAL') return { code: error.code, message: error.message };
  log.error({ err: error }, 'unexpected failure handling a stream event');
  return { code: 'INTERNAL', message: 'Internal error' };
}
