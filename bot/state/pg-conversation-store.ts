import type pg from 'pg';
import { inTransaction } from '../../index-data/storage/pg/pool.js';
import { fromRow, newConversationKey, toRow, type Conversation, type ConversationRow, type ConversationStore, type NewConversation } from '../conversation-store.js';

/**
 * Conversations in PostgreSQL, shared by every bot process (shard) and serve node: a shard that
 * restarts, or another one, continues any conversation. Same rows and expiry as the SQLite store.
 */
export class PgConversationStore implements ConversationStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async create(conversation: NewConversation): Promise<Conversation> {
    const stored: Conversation = { ...conversation, key: newConversationKey(), updatedAt: this.now() };
    await this.write(stored);
    return stored;
  }

  async save(conversation: Conversation): Promise<Conversation> {
    const stored = { ...conversation, updatedAt: this.now() };
    await this.write(stored);
    return stored;
  }

  async get(key: string): Promise<Conversation | undefined> {
    return this.live('SELECT * FROM cuecast_bot_conversations WHERE key = $1 AND updated_at >= $2', key);
  }

  async byThread(threadId: string): Promise<Conversation | undefined> {
    return this.live('SELECT * FROM cuecast_bot_conversations WHERE thread_id = $1 AND updated_at >= $2', threadId);
  }

  async sweep(): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM cuecast_bot_conversations WHERE updated_at < $1', [this.now() - this.ttlMs]);
    return rowCount ?? 0;
  }

  /** The pool belongs to whoever opened it (`openBotState`). */
  async close(): Promise<void> {}

  private async write(c: Conversation): Promise<void> {
    const row = toRow(c);
    await inTransaction(this.pool, async (client) => {
      // A thread holds one conversation: a new one started in it takes the thread over.
      if (row.thread_id) await client.query('UPDATE cuecast_bot_conversations SET thread_id = NULL WHERE thread_id = $1 AND key <> $2', [row.thread_id, row.key]);
      await client.query(
        `INSERT INTO cuecast_bot_conversations (key, thread_id, message_id, data, frames, dim, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (key) DO UPDATE SET thread_id = excluded.thread_id, message_id = excluded.message_id, data = excluded.data, frames = excluded.frames, dim = excluded.dim, updated_at = excluded.updated_at`,
        [row.key, row.thread_id, row.message_id, row.data, row.frames, row.dim, row.updated_at],
      );
    });
  }

  private async live(sql: string, id: string): Promise<Conversation | undefined> {
    const { rows } = await this.pool.query<ConversationRow>(sql, [id, this.now() - this.ttlMs]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }
}
