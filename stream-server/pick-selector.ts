import type { Pick } from '../recommend/types.js';

export interface HysteresisOptions {
  /** How much higher (cosine score) a challenger must score than the current pick. */
  readonly margin: number;
  /** For how many consecutive updates a challenger must lead by the margin before the pick switches. */
  readonly confirmUpdates: number;
  /**
   * And for how long (ms, from the first update of the streak): picks are recomputed as frames arrive,
   * so updates come at an uneven pace; this keeps the evidence a switch needs a span of time, not a
   * number of updates. 0 or absent: updates alone count.
   */
  readonly confirmMs?: number;
  /** Tracks picked this recently (by count) are not picked again. */
  readonly historySize: number;
}

export interface Selection {
  /** Whether the current pick is a different track than before this update. */
  readonly changed: boolean;
  /** The current pick first, then the best alternatives. */
  readonly tracks: readonly Pick[];
}

interface Current {
  pick: Pick;
  /** When it became the pick (ms), to know when its segment has played out. */
  readonly since: number;
}

/**
 * Keeps the music steady while the scene is: the pick changes only when another track beats it by
 * `margin` for `confirmUpdates` updates in a row spanning at least `confirmMs`, when its segment has played out, or when the
 * streamer changed the prompt (forced: the best track wins at once, which may be the current one).
 * Recently played tracks are not picked again.
 */
export class PickSelector {
  private current: Current | undefined;
  private streak = 0;
  /** When the current streak's first update ran (ms). */
  private streakSince = 0;
  private readonly history: string[] = [];

  constructor(private readonly options: HysteresisOptions) {}

  get currentPick(): Pick | undefined {
    return this.current?.pick;
  }

  /** Track ids the recommender should leave out: recent picks other than the current one. */
  excludedTrackIds(): string[] {
    return this.history.filter((id) => id !== this.current?.pick.trackId);
  }

  update(ranked: readonly Pick[], now: number, options: { force?: boolean } = {}): Selection {
    const currentId = this.current?.pick.trackId;
    const recent = new Set(this.excludedTrackIds());
    const fresh = ranked.filter((pick) => pick.trackId !== currentId && !recent.has(pick.trackId));
    const challenger = fresh[0];
    let changed = false;

    if (!this.current) {
      if (challenger) changed = this.adopt(challenger, now);
    } else {
      const latest = ranked.find((pick) => pick.trackId === currentId);
      if (latest) this.current.pick = latest;
      const { pick, since } = this.current;
      const playedOut = now - since >= Math.max(1, pick.segmentEnd - pick.segmentStart) * 1000;
      // A forced update (new prompt) takes the best track at once, which may well be the current one.
      const best = ranked.find((p) => p.trackId === currentId || !recent.has(p.trackId));
      if (playedOut && challenger) {
        changed = this.adopt(challenger, now);
      } else if (options.force === true && best) {
        changed = best.trackId !== currentId && this.adopt(best, now);
        this.streak = 0;
      } else if (challenger) {
        // A current pick the recommender no longer returns (filtered out) loses to any challenger.
        const currentScore = latest?.score ?? -Infinity;
        if (challenger.score >= currentScore + this.options.margin) {
          if (this.streak === 0) this.streakSince = now;
          this.streak += 1;
        } else {
          this.streak = 0;
        }
        const confirmed = this.streak >= this.options.confirmUpdates && now - this.streakSince >= (this.options.confirmMs ?? 0);
        if (confirmed) changed = this.adopt(challenger, now);
      } else {
        this.streak = 0;
      }
    }

    const head = this.current ? [this.current.pick] : [];
    const shown = new Set(this.history);
    const rest = ranked.filter((pick) => !shown.has(pick.trackId));
    return { changed, tracks: [...head, ...rest] };
  }

  private adopt(pick: Pick, now: number): true {
    this.current = { pick, since: now };
    this.streak = 0;
    this.history.push(pick.trackId);
    if (this.history.length > this.options.historySize) this.history.splice(0, this.history.length - this.options.historySize);
    return true;
  }
}
