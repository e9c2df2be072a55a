import type { RecommendRequest, RecommendResult, RefinementState } from '../recommend/types.js';
import type { ClipAnalyser, ClipFeatures, MusicRecommender, TrackDirectory, TrackSummary } from './ports.js';

/**
 * Stand-ins for services that could not start (models missing, catalog absent or built with other
 * encoders): the bot still connects and answers every request with the reason, instead of staying
 * silent or crashing. Each call fails with the start-up error, whose code picks the user message.
 */
export class UnavailableServices implements ClipAnalyser, MusicRecommender, TrackDirectory {
  constructor(readonly reason: Error) {}

  analyse(): Promise<ClipFeatures> {
    return Promise.reject(this.reason);
  }

  recommend(_request: RecommendRequest): Promise<RecommendResult> {
    return Promise.reject(this.reason);
  }

  refine(_state: RefinementState): RefinementState {
    throw this.reason;
  }

  search(): TrackSummary[] {
    return [];
  }

  track(): TrackSummary | undefined {
    return undefined;
  }

  size(): number {
    return 0;
  }
}
