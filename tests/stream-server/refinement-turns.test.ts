/** Refinement turns on a live stream: "#n" means the overlay's picks, "undo" and "start over" step back. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRefinement } from '../../recommend/refinement/apply.js';
import { EMPTY_STATE } from '../../recommend/refinement/state.js';
import { TagVocabulary } from '../../recommend/refinement/vocabulary.js';
import type { RecommendRequest, RecommendResult, RefinementState } from '../../recommend/types.js';
import type { PicksPayload, SessionSummary } from '../../stream-server/events.js';
import { CatalogPickSource } from './support/catalog-picks.js';
import { closeClients, overlay, producer, request, startTestServer, waitFor, type TestServer } from './support/server.js';

/** The test catalog's picks with recommend/'s real refinement parsing and pick exclusions. */
class RefiningPickSource extends CatalogPickSource {
  readonly shownSeen: (readonly string[])[] = [];
  readonly statesSeen: (RefinementState | undefined)[] = [];
  override refine(state: RefinementState | undefined, text: string, shown?: readonly string[]): RefinementState {
    this.shownSeen.push(shown ?? []);
    this.statesSeen.push(state);
    return applyRefinement(state ?? EMPTY_STATE, text, { vocabulary: new TagVocabulary([]), shown: shown ?? [] });
  }
  override async recommend(request: RecommendRequest): Promise<RecommendResult> {
    const excluded = [...(request.excludeTrackIds ?? []), ...(request.state?.excludeTrackIds ?? [])];
    return super.recommend({ ...request, excludeTrackIds: excluded });
  }
}

let server: TestServer;
let picks: RefiningPickSource;
beforeEach(async () => {
  picks = new RefiningPickSource();
  server = await startTestServer({}, { picks });
});
afterEach(async () => {
  closeClients();
  await server.close();
});

describe('stream refinements', () => {
  it('given "not #1", leaves out the first pick the overlay showed; "undo" brings it back into play', async () => {
    const viewer = overlay(server.url);
    await waitFor(viewer, 'state');
    const cam = producer(server.url);
    const prompted = waitFor<PicksPayload>(viewer, 'picks');
    await request<SessionSummary>(cam, 'prompt', 'calm water at night');
    const shown = (await prompted).tracks.map((t) => t.id);

    const refined = waitFor<PicksPayload>(viewer, 'picks');
    expect(await request<SessionSummary>(cam, 'refine', 'not #1')).toMatchObject({ data: { refinements: ['not #1'] } });
    expect(picks.shownSeen.at(-1)).toEqual(shown);
    expect((await refined).tracks.map((t) => t.id)).not.toContain(shown[0]);

    expect(await request<SessionSummary>(cam, 'refine', 'undo')).toMatchObject({ data: { refinements: [] } });
    await request<SessionSummary>(cam, 'refine', 'slower');
    expect(picks.statesSeen.at(-1)?.excludeTrackIds).toEqual([]);
  });

  it('given "start over", clears the refinements; "undo" after it restores them in the state', async () => {
    const cam = producer(server.url);
    await request<SessionSummary>(cam, 'prompt', 'calm water at night');
    await request<SessionSummary>(cam, 'refine', 'faster');
    expect(await request<SessionSummary>(cam, 'refine', 'start over')).toMatchObject({ data: { refinements: [] } });
    await request<SessionSummary>(cam, 'refine', 'undo');
    await request<SessionSummary>(cam, 'refine', 'no vocals');
    expect(picks.statesSeen.at(-1)?.tempo).toBe('faster');
  });
});
