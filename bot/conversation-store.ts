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

interface Row {
  key: string;
  thread_id: string | null;
  message_id: string | null;
  data: string;
  frames: Buffer;
  dim: number;
  updated_at: number;
}

/** Conversation state in its own SQLite file; entries untouched for `ttlMs` are gone. */
export class SqliteConversationStore {
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

  create(conversation: NewConversation): Conversation {
    const stored: Conversation = { ...conversation, key: randomBytes(6).toString('base64url'), updatedAt: this.now() };
    this.write(stored);
    return stored;
  }

  /** Replaces the stored conversation and refreshes its expiry. */
  save(conversation: Conversation): Conversation {
    const stored = { ...conversation, updatedAt: this.now() };
    this.write(stored);
    return stored;
  }

  get(key: string): Conversation | undefined {
    return this.live(this.db.prepare<[string], Row>('SELECT * FROM conversations WHERE key = ?').get(key));
  }

  byThread(threadId: string): Conversation | undefined {
    return this.live(this.db.prepare<[string], Row>('SELECT * FROM conversations WHERE thread_id = ?').get(threadId));
  }

  /** Deletes expired conversations; returns how many. */
  sweep(): number {
    return this.db.prepare('DELETE FROM conversations WHERE updated_at < ?').run(this.now() - this.ttlMs).changes;
  }

  close(): void {
    this.db.close();
  }

  private write(c: Conversation): void {
    // A thread holds one conversation: a new one started in it takes the thread over.
    if (c.threadId) this.db.prepare('UPDATE conversations SET thread_id = NULL WHERE thread_id = ? AND key != ?').run(c.threadId, c.key);
    const { frameEmbeddings, ...rest } = c;
    const dim = frameEmbeddings[0]?.length ?? 0;
    const frames = Buffer.alloc(frameEmbeddings.length * dim * 4);
    frameEmbeddings.forEach((v, i) => frames.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), i * dim * 4));
    this.db
      .prepare(
        `INSERT INTO conversations (key, thread_id, message_id, data, frames, dim, updated_at) VALUES (@key, @thread, @message, @data, @frames, @dim, @updated)
         ON CONFLICT(key) DO UPDATE SET thread_id = excluded.thread_id, message_id = excluded.message_id, data = excluded.data, frames = excluded.frames, dim = excluded.dim, updated_at = excluded.updated_at`,
      )
      .run({ key: c.key, thread: c.threadId ?? null, message: c.messageId ?? null, data: JSON.stringify(rest), frames, dim, updated: c.updatedAt });
  }

  private live(row: Row | undefined): Conversation | undefined {
    if (!row || row.updated_at < this.now() - this.ttlMs) return undefined;
    const frameEmbeddings: Float32Array[] = [];
    for (let offset = 0; row.dim > 0 && offset < row.frames.byteLength; offset += row.dim * 4) {
      // Copy out: the Buffer may share a pool and need not be 4-byte aligned.
      frameEmbeddings.push(new Float32Array(new Uint8Array(row.frames.subarray(offset, offset + row.dim * 4)).buffer));
    }
    // The thread column is the truth: another conversation may have taken the thread over.
    const { threadId: _stale, ...data } = JSON.parse(row.data) as Omit<Conversation, 'frameEmbeddings'>;
    return { ...data, ...(row.thread_id ? { threadId: row.thread_id } : {}), frameEmbeddings, updatedAt: row.updated_at };
  }
}
