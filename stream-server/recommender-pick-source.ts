import type { Recommender } from '../recommend/recommender.js';
import { EMPTY_STATE } from '../recommend/refinement/state.js';
import type { PickSource } from './session.js';

/** recommend/'s engine as the sessions' pick source. */
export function recommenderPickSource(recommender: Pick<Recommender, 'recommend' | 'refine'>): PickSource {
  return {
    recommend: (request) => recommender.recommend(request),
    refine: (state, text, shown) => recommender.refine(state ?? EMPTY_STATE, text, shown ?? []),
  };
}
