import type pg from 'pg';
import { msPerToken, type ActionRate, type GuardResult, type UserGuard } from '../fairness.js';

/**
 * The per-user guards of `bot/fairness.ts` with their state in PostgreSQL, so a user meets the same
 * cooldown and action rate whichever bot process (shard) or restart answers them. Each decision is one
 * statement (an upsert that only takes effect when allowed), so two processes cannot both spend the
 * last token. Clocks: the processes' own (keep them in sync, as Discord's rate limits require anyway).
 */
export class PgCooldown implements UserGuard {
  constructor(
    private readonly pool: pg.Pool,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async take(userId: string): Promise<GuardResult> {
    const now = this.now();
    // The update happens only when the cooldown has run out; a refused attempt changes nothing.
    const { rows } = await this.pool.query<{ allowed: boolean; last_use: string }>(
      `WITH taken AS (
         INSERT INTO cuecast_bot_cooldowns AS c (user_id, last_use) VALUES ($1, $2::bigint)
         ON CONFLICT (user_id) DO UPDATE SET last_use = excluded.last_use WHERE c.last_use <= $2::bigint - $3::bigint
         RETURNING last_use
       )
       SELECT true AS allowed, last_use FROM taken
       UNION ALL SELECT false, last_use FROM cuecast_bot_cooldowns WHERE user_id = $1 AND NOT EXISTS (SELECT 1 FROM taken)`,
      [userId, now, this.cooldownMs],
    );
    const row = rows[0];
    if (row?.allowed) return { ok: true };
    // No row: another process took the first use between our snapshot and our insert.
    const lastUse = row ? Number(row.last_use) : now;
    return { ok: false, identifier: 'cooldown', remainingMs: Math.max(0, this.cooldownMs - (now - lastUse)), repeated: false };
  }

  async sweep(): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM cuecast_bot_cooldowns WHERE last_use < $1::bigint', [this.now() - this.cooldownMs]);
    return rowCount ?? 0;
  }
}

/** A token bucket per user (see `ActionRateLimit`), refilled and spent in one upsert. */
export class PgActionRateLimit implements UserGuard {
  private readonly msPerToken: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly rate: ActionRate,
    private readonly now: () => number = Date.now,
  ) {
    this.msPerToken = msPerToken(rate);
  }

  async take(userId: string): Promise<GuardResult> {
    // $2 now, $3 burst, $4 ms per token. `refilled` is the bucket after refilling up to now.
    const { rows } = await this.pool.query<{ tokens: number; refusals: number }>(
      `INSERT INTO cuecast_bot_action_buckets AS b (user_id, tokens, at, refusals) VALUES ($1, $3::float8 - 1, $2::bigint, 0)
       ON CONFLICT (user_id) DO UPDATE SET
         tokens = CASE WHEN least($3::float8, b.tokens + greatest(0, $2::bigint - b.at) / $4::float8) >= 1
                       THEN least($3::float8, b.tokens + greatest(0, $2::bigint - b.at) / $4::float8) - 1
                       ELSE least($3::float8, b.tokens + greatest(0, $2::bigint - b.at) / $4::float8) END,
         refusals = CASE WHEN least($3::float8, b.tokens + greatest(0, $2::bigint - b.at) / $4::float8) >= 1 THEN 0 ELSE b.refusals + 1 END,
         at = greatest(b.at, $2::bigint)
       RETURNING tokens, refusals`,
      [userId, this.now(), this.rate.burst, this.msPerToken],
    );
    const row = rows[0]!;
    if (row.refusals === 0) return { ok: true };
    return { ok: false, identifier: 'actions', remainingMs: Math.ceil((1 - row.tokens) * this.msPerToken), repeated: row.refusals > 1 };
  }

  /** A bucket that has refilled completely is the same as no bucket. */
  async sweep(): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM cuecast_bot_action_buckets WHERE tokens + greatest(0, $1::bigint - at) / $3::float8 >= $2::float8', [
      this.now(),
      this.rate.burst,
      this.msPerToken,
    ]);
    return rowCount ?? 0;
  }
}
