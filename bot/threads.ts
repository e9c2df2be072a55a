import { DiscordAPIError, RESTJSONErrorCodes, type Client, type ThreadChannel } from 'discord.js';
import { CuecastError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** Why the bot cannot post in a conversation's thread; `userMessage` words each for the user. */
export type ThreadProblem = 'thread-deleted' | 'thread-locked' | 'thread-forbidden';

export function threadError(problem: ThreadProblem, threadId: string, cause?: unknown): CuecastError {
  const code = problem === 'thread-deleted' ? 'NOT_FOUND' : 'UNAUTHORIZED';
  return new CuecastError(code, `cannot post in thread ${threadId}: ${problem}`, { reason: problem, threadId }, cause === undefined ? undefined : { cause });
}

/** Turns Discord's answer to a thread operation into a ThreadProblem, or undefined for other failures. */
export function threadProblemOf(error: unknown): ThreadProblem | undefined {
  if (!(error instanceof DiscordAPIError)) return undefined;
  switch (error.code) {
    case RESTJSONErrorCodes.UnknownChannel:
    case RESTJSONErrorCodes.UnknownMessage:
      return 'thread-deleted';
    case RESTJSONErrorCodes.ThreadLocked:
      return 'thread-locked';
    case RESTJSONErrorCodes.MissingAccess:
    case RESTJSONErrorCodes.MissingPermissions:
    case RESTJSONErrorCodes.InvalidActionOnArchivedThread:
      return 'thread-forbidden';
    default:
      return undefined;
  }
}

/**
 * The conversation's thread, ready to take a message. Threads auto-archive, and after a restart (or a
 * cache sweep) an archived thread is not in discord.js's cache: it is fetched when missing or partial,
 * and unarchived when archived and the bot may do so. A thread that is gone, locked or closed to the
 * bot fails with a specific error instead of a message that silently never arrives.
 */
export async function openConversationThread(client: Client, threadId: string, log: Logger, options: { fresh?: boolean } = {}): Promise<ThreadChannel> {
  let thread = options.fresh ? undefined : cachedThread(client, threadId);
  if (!thread) {
    try {
      const channel = await client.channels.fetch(threadId, { force: true });
      if (!channel?.isThread()) throw threadError('thread-deleted', threadId);
      thread = channel;
    } catch (error) {
      throw asThreadError(error, threadId);
    }
    log.debug({ threadId, archived: thread.archived }, 'fetched the conversation thread');
  }
  if (!thread.archived) return thread;
  if (!thread.unarchivable) {
    // Locked threads reopen only for moderators (Manage Threads); otherwise we lack Send Messages in Threads.
    throw threadError(thread.locked ? 'thread-locked' : 'thread-forbidden', threadId);
  }
  try {
    const opened = await thread.setArchived(false, 'a user continued the music conversation');
    log.info({ threadId }, 'unarchived the conversation thread');
    return opened;
  } catch (error) {
    throw asThreadError(error, threadId);
  }
}

/**
 * Opens the thread and runs `post` in it. When the cache said "active" but Discord says "archived"
 * (an archive event missed while disconnected), it reads the thread afresh, reopens it and tries once more.
 */
export async function postInConversationThread<T>(client: Client, threadId: string, log: Logger, post: (thread: ThreadChannel) => Promise<T>): Promise<T> {
  const thread = await openConversationThread(client, threadId, log);
  try {
    return await post(thread);
  } catch (error) {
    if (!(error instanceof DiscordAPIError) || error.code !== RESTJSONErrorCodes.InvalidActionOnArchivedThread) throw asThreadError(error, threadId);
    log.info({ threadId }, 'the thread was archived behind our back; reopening it');
    const reopened = await openConversationThread(client, threadId, log, { fresh: true });
    try {
      return await post(reopened);
    } catch (retryError) {
      throw asThreadError(retryError, threadId);
    }
  }
}

/** Whether posting in this channel means posting in the conversation's own thread. */
export function isConversationThread(channelId: string | null, conversation: { readonly threadId?: string }, client: Client): boolean {
  if (!channelId) return false;
  return conversation.threadId === channelId || client.channels.cache.get(channelId)?.isThread() === true;
}

function cachedThread(client: Client, threadId: string): ThreadChannel | undefined {
  const channel = client.channels.cache.get(threadId);
  // A thread built from an event that carried only its id and type has no archive state (null).
  // (A thread is never `partial` in discord.js: its getter is always false.)
  if (!channel?.isThread() || channel.archived === null) return undefined;
  return channel;
}

function asThreadError(error: unknown, threadId: string): unknown {
  if (error instanceof CuecastError) return error;
  const problem = threadProblemOf(error);
  return problem ? threadError(problem, threadId, error) : error;
}
