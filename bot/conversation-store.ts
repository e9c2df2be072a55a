import { randomBytes } from 'node:crypto';
import { openSqliteFile, type SqliteDatabase } from '../index-data/storage/sqlite.js';
import type { RefinementState } from '../recommend/types.js';

/** What the user saw of one pick, enough to answer "#2" and to cut a preview after a restart. */
export interface ShownPick {
  readonly trackId: string;
  readonly title: string;
  readonly artist: string;
  readonly segmentStart: number;
  readonly segmentEnd: number;
}

/** Everything needed to continue a conversation after a restart. Plain data. */
export interface Conversation {
  /** Compact key carried in component custom ids. */
  readonly key: string;
  readonly userId: string;
  readonly channelId: string;
  /** The reply message holding the picks, and the thread holding the conversation. */
  readonly messageId?: string;
  readonly threadId?: string;
  readonly frameEmbeddings: readonly Float32Array[];
  readonly prompt?: string;
  readonly count: number;
  readonly state: RefinementState;
  /** Refinement utterances in the order the user gave them. */
  readonly history: readonly string[];
  /** Picks currently on screen, in order ("#1" is the first). */
  readonly shown: readonly ShownPick[];
  /** Every track id shown so far ("Next picks" skips them). */
  readonly seen: readonly string[];
  readonly chosen?: string;
  readonly updatedAt: number;
}

export type NewConversation = Omit<Conversation, 'key' | 'updatedAt'>;

/**
 * Where conversations live: a SQLite file for one bot process (the default), PostgreSQL when several
 * bot processes (shards) and serve nodes share them (`bot/state/pg-conversation-store.ts`).
 * Entries untouched for the store's time to live are gone.
 */
export interface ConversationStore {
  create(conversation: NewConversation): Promise<Conversation>;
  /** Replaces the stored conversation and refreshes its expiry. */
  save(conversation: Conversation): Promise<Conversation>;
  get(key: string): Promise<Conversation | undefined>;
  byThread(threadId: string): Promise<Conversation | undefined>;
  /** Deletes expired conversations; returns how many. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** A fresh compact key for a conversation (carried in component custom ids). */
export const newConversationKey = (): string => randomBytes(6).toString('base64url');

/** A stored row: the conversation without its frames as JSON, the frames as packed float32. */
export interface ConversationRow {
  readonly key: string;
  readonly thread_id: string | null;
  readonly message_id: string | null;
  readonly data: string;
  readonly frames: Buffer;
  readonly dim: number;
  /** PostgreSQL returns its bigint as a string. */
  readonly updated_at: number | string;
}

export function toRow(c: Conversation): ConversationRow {
  const { frameEmbeddings, ...rest } = c;
  const dim = frameEmbeddings[0]?.length ?? 0;
  const frames = Buffer.alloc(frameEmbeddings.length * dim * 4);
  frameEmbeddings.forEach((v, i) => frames.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), i * dim * 4));
  return { key: c.key, thread_id: c.threadId ?? null, message_id: c.messageId ?? null, data: JSON.stringify(rest), frames, dim, updated_at: c.updatedAt };
}

export function fromRow(row: ConversationRow): Conversation {
  const frameEmbeddings: Float32Array[] = [];
  for (let offset = 0; row.dim > 0 && offset < row.frames.byteLength; offset += row.dim * 4) {
    // Copy out: the Buffer may share a pool and need not be 4-byte aligned.
    frameEmbeddings.push(new Float32Array(new Uint8Array(row.frames.subarray(offset, offset + row.dim * 4)).buffer));
  }
  // The thread column is the truth: another conversation may have taken the thread over.
  const { threadId: _stale, ...data } = JSON.parse(row.data) as Omit<Conversation, 'frameEmbeddings'>;
  return { ...data, ...(row.thread_id ? { threadId: row.thread_id } : {}), frameEmbeddings, updatedAt: Number(row.updated_at) };
}

/* eslint-disable @typescript-eslint/require-await -- synchronous SQLite behind the async interface the PostgreSQL store needs */
/** Conversation state in its own SQLite file (one bot process); entries untouched for `ttlMs` are gone. */
export class SqliteConversationStore implements ConversationStore {
  private readonly db: SqliteDatabase;

  constructor(
    file: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.db = openSqliteFile(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS conversations (
      key TEXT PRIMARY KEY,
      thread_id TEXT UNIQUE,
      message_id TEXT,
      data TEXT NOT NULL,
      frames BLOB NOT NULL,
      dim INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(updated_at);`);
  }

  async create(conversation: NewConversation): Promise<Conversation> {
    const stored: Conversation = { ...conversation, key: newConversationKey(), updatedAt: this.now() };
    this.write(stored);
    return stored;
  }

  async save(conversation: Conversation): Promise<Conversation> {
    const stored = { ...conversation, updatedAt: this.now() };
    this.write(stored);
    return stored;
  }

  async get(key: string): Promise<Conversation | undefined> {
    return this.live(this.db.prepare<[string], ConversationRow>('SELECT * FROM conversations WHERE key = ?').get(key));
  }

  async byThread(threadId: string): Promise<Conversation | undefined> {
    return this.live(this.db.prepare<[string], ConversationRow>('SELECT * FROM conversations WHERE thread_id = ?').get(threadId));
  }

  async sweep(): Promise<number> {
    return this.db.prepare('DELETE FROM conversations WHERE updated_at < ?').run(this.now() - this.ttlMs).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private write(c: Conversation): void {
    // A thread holds one conversation: a new one started in it takes the thread over.
    if (c.threadId) this.db.prepare('UPDATE conversations SET thread_id = NULL WHERE thread_id = ? AND key != ?').run(c.threadId, c.key);
    const row = toRow(c);
    this.db
      .prepare(
        `INSERT INTO conversations (key, thread_id, message_id, data, frames, dim, updated_at) VALUES (@key, @thread_id, @message_id, @data, @frames, @dim, @updated_at)
         ON CONFLICT(key) DO UPDATE SET thread_id = excluded.thread_id, message_id = excluded.message_id, data = excluded.data, frames = excluded.frames, dim = excluded.dim, updated_at = excluded.updated_at`,
      )
      .run(row);
  }

  private live(row: ConversationRow | undefined): Conversation | undefined {
    if (!row || Number(row.updated_at) < this.now() - this.ttlMs) return undefined;
    return fromRow(row);
  }
}
