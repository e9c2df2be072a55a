/* eslint-disable @typescript-eslint/require-await -- the in-memory guards answer at once behind the async UserGuard interface the PostgreSQL guards need */
/** Per-user cooldown and a global concurrency limit, so one busy user cannot starve the others. */

export type GuardResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly identifier: 'cooldown' | 'actions';
      readonly remainingMs: number;
      /** Whether this user was already refused since their last allowed use (to answer a flood once). */
      readonly repeated: boolean;
    };

/**
 * A per-user guard (cooldown, action rate). Guards return results instead of throwing: the caller turns
 * a refusal into a polite reply. The classes here keep their state in this process's memory (one bot
 * process); `bot/state/pg-guards.ts` keeps it in PostgreSQL so that every shard sees the same user.
 */
export interface UserGuard {
  take(userId: string): Promise<GuardResult>;
  /** Forgets users whose state no longer matters; returns how many. */
  sweep?(): Promise<number>;
}

export class Cooldown implements UserGuard {
  private readonly lastUse = new Map<string, number>();

  constructor(
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a use when allowed; a refused attempt does not extend the wait. */
  async take(userId: string): Promise<GuardResult> {
    const now = this.now();
    const last = this.lastUse.get(userId);
    if (last !== undefined && now - last < this.cooldownMs) return { ok: false, identifier: 'cooldown', remainingMs: this.cooldownMs - (now - last), repeated: false };
    this.lastUse.set(userId, now);
    if (this.lastUse.size > 10_000) this.prune(now);
    return { ok: true };
  }

  private prune(now: number): void {
    for (const [user, at] of this.lastUse) if (now - at >= this.cooldownMs) this.lastUse.delete(user);
  }
}

export interface ActionRate {
  /** Actions a user may take at once after being idle (the bucket's size). */
  readonly burst: number;
  /** Sustained actions per minute (the bucket's refill rate). */
  readonly perMinute: number;
}

/** Milliseconds per refilled token, after checking the rate makes sense. */
export function msPerToken(rate: ActionRate): number {
  if (!(rate.burst >= 1) || !(rate.perMinute > 0)) throw new RangeError(`action rate needs burst >= 1 and perMinute > 0, got ${rate.burst} and ${rate.perMinute}`);
  return 60_000 / rate.perMinute;
}

/**
 * A token bucket per user for what follows a request (refinements typed in the thread, buttons, the
 * pick select, `/refine`): short bursts pass, a flood is refused before it reaches the shared queue.
 */
export class ActionRateLimit implements UserGuard {
  private readonly buckets = new Map<string, { tokens: number; at: number; refused: boolean }>();
  private readonly msPerToken: number;

  constructor(
    private readonly rate: ActionRate,
    private readonly now: () => number = Date.now,
  ) {
    this.msPerToken = msPerToken(rate);
  }

  /** Spends a token when one is left; a refused attempt spends nothing. */
  async take(userId: string): Promise<GuardResult> {
    const now = this.now();
    const bucket = this.buckets.get(userId) ?? { tokens: this.rate.burst, at: now, refused: false };
    bucket.tokens = Math.min(this.rate.burst, bucket.tokens + (now - bucket.at) / this.msPerToken);
    bucket.at = now;
    this.buckets.set(userId, bucket);
    if (this.buckets.size > 10_000) this.prune(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.refused = false;
      return { ok: true };
    }
    const repeated = bucket.refused;
    bucket.refused = true;
    return { ok: false, identifier: 'actions', remainingMs: Math.ceil((1 - bucket.tokens) * this.msPerToken), repeated };
  }

  private prune(now: number): void {
    // A bucket that has refilled completely is the same as no bucket.
    for (const [user, b] of this.buckets) if (b.tokens + (now - b.at) / this.msPerToken >= this.rate.burst) this.buckets.delete(user);
  }
}

/** A release function, called exactly once when the work is done. */
export type Release = () => void;

/**
 * At most `limit` jobs at once; later ones wait in FIFO order. `onQueued` tells a waiting caller its
 * 1-based position whenever it changes, so the bot can show it.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: { grant: (release: Release) => void; onQueued: (position: number) => void }[] = [];

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  acquire(onQueued: (position: number) => void = () => {}, signal?: AbortSignal): Promise<Release> {
    if (this.running < this.limit) {
      this.running += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const entry = {
        grant: (release: Release) => {
          signal?.removeEventListener('abort', abort);
          resolve(release);
        },
        onQueued,
      };
      const abort = (): void => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        this.notifyPositions(index);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an aborted wait rejects with the signal's reason, as fetch and node's timers do
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(entry);
      onQueued(this.waiting.length);
    });
  }

  /** Runs `job` under the limit. */
  async run<T>(job: () => Promise<T>, onQueued?: (position: number) => void, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(onQueued, signal);
    try {
      return await job();
    } finally {
      release();
    }
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) {
        next.grant(this.releaser());
        this.notifyPositions(0);
      } else {
        this.running -= 1;
      }
    };
  }

  private notifyPositions(from: number): void {
    for (let i = Math.max(0, from); i < this.waiting.length; i++) this.waiting[i]!.onQueued(i + 1);
  }
}
