/**
 * What each client event costs from its connection's budget (stream.eventBudgetPerSecond), roughly in
 * proportion to the main-thread and encoder work it causes: a frame is one image for the shared encoder;
 * a prompt or refinement is parsed on the main thread and re-encoded by the text encoders; an ingest
 * starts (or stops) an ffmpeg child. Events not listed (unknown ones, `state`) cost 1.
 */
export const EVENT_COSTS: Readonly<Record<string, number>> = {
  frame: 1,
  prompt: 5,
  refine: 5,
  ingest: 10,
  state: 1,
};

const DEFAULT_COST = 1;

export function eventCost(event: string): number {
  return Object.hasOwn(EVENT_COSTS, event) ? EVENT_COSTS[event]! : DEFAULT_COST;
}

/** The event name for metrics: a known one, or `other` (clients choose names; labels must stay few). */
export const eventLabel = (event: string): string => (Object.hasOwn(EVENT_COSTS, event) ? event : 'other');
