import { toCuecastError, type CuecastError } from '../core/errors.js';

/** An error detail as text: a string as it is, another value as JSON, a missing one as the fallback. */
const detailText = (value: unknown, fallback = ''): string => (value === undefined || value === null ? fallback : typeof value === 'string' ? value : JSON.stringify(value));

const mb = (bytes: number): string => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/**
 * The one place that turns an error into what a Discord user reads: specific, friendly, never a
 * stack trace or an internal message. Unknown failures get a generic line with the request id.
 */
export function userMessage(error: unknown, requestId: string): string {
  const e: CuecastError = toCuecastError(error);
  const d = e.details as Record<string, unknown>;
  switch (e.code) {
    case 'INPUT_INVALID':
      if (d.reason === 'no-attachment') return 'Please attach a video clip (for example `/music clip:<your video>`), and I will find music for it.';
      if (d.reason === 'no-video-in-message') return 'That message has no video attached. Use **Find music** on a message that holds a video clip.';
      if (d.reason === 'not-in-conversation') return 'Refinements work inside a music thread I started, or on a reply with picks. Start one with `/music`.';
      if (d.reason === 'unknown-track') return 'I could not find that track in the catalog. Pick one from the suggestions as you type.';
      return `That input is not valid: ${detailText(d.hint, 'please check the options and try again')}.`;
    case 'PROMPT_TOO_LONG':
      return `That prompt is too long (${String(d.length)} characters; the limit is ${String(d.max ?? d.limit)}). Please shorten it.`;
    case 'MEDIA_NO_VIDEO':
      // Refused from its first bytes (core/media clip rules): a renamed image, audio, document or a damaged head.
      if (d.sniffed) return `I could not read that video: the file is ${d.content ? detailText(d.content) : 'in no video format I know'}. Please attach a video clip (mp4, webm, mov...).`;
      return detailText(d.contentType).startsWith('image/')
        ? 'That is an image, not a video. Please attach a video clip (mp4, webm, mov...).'
        : detailText(d.contentType).startsWith('audio/')
          ? 'That is an audio file. I pick music *for* a video: please attach a video clip.'
          : 'I could not find a video stream in that file. Please attach a video clip (mp4, webm, mov...).';
    case 'MEDIA_TOO_LARGE':
      return `That clip is too large (${typeof d.size === 'number' ? mb(d.size) : 'over the limit'}; the limit here is ${typeof d.maxBytes === 'number' ? mb(d.maxBytes) : 'smaller'}). Please trim or compress it.`;
    case 'MEDIA_TOO_LONG': {
      const max = d.maxSeconds ?? d.maxDurationSeconds;
      return `That clip is too long (${typeof d.duration === 'number' ? `${Math.round(d.duration / 60)} min` : 'over the limit'}; I take clips up to ${typeof max === 'number' ? `${Math.round(max / 60)} min` : 'a few minutes'}). Please send the part you want music for.`;
    }
    case 'MEDIA_UNREADABLE':
    case 'MEDIA_EMPTY':
      return 'I could not read that video: the file looks corrupt or truncated. Please re-export it and try again.';
    case 'MEDIA_UNREACHABLE':
      return d.expired ? 'The link to that attachment has expired or was deleted. Please upload the clip again.' : 'I could not download that attachment from Discord. Please try again in a moment.';
    case 'MEDIA_TIMEOUT':
      return 'Processing that clip took too long and I stopped. A shorter or smaller clip will work better.';
    case 'EXPIRED':
      return 'This conversation has expired. Start a new one with `/music`.';
    case 'RATE_LIMITED': {
      const seconds = Math.max(1, Math.ceil(Number(d.remainingMs ?? 1000) / 1000));
      if (d.identifier === 'actions') return `You are going a bit fast for me: please wait ${seconds} s, then try again. Everyone shares my queue.`;
      return `Slow down a little: you can ask again in ${seconds} s.`;
    }
    case 'NOT_FOUND':
      if (d.reason === 'thread-deleted') return 'The thread of this music conversation was deleted, so I cannot continue it there. Start a new one with `/music`.';
      return 'I could not find what that refers to any more. Start a new conversation with `/music`.';
    case 'UNAUTHORIZED':
      if (d.reason === 'thread-locked') return 'The thread of this music conversation is locked, and only a moderator can reopen it. Start a new one with `/music`, or ask a moderator to unlock it.';
      if (d.reason === 'thread-forbidden')
        return 'I am not allowed to post in the thread of this music conversation (I need **Send Messages in Threads** there). Ask an admin to grant it, or start a new one with `/music` elsewhere.';
      return 'I am not allowed to do that here.';
    case 'BUSY':
      return 'I am busy with other requests right now. Please try again in a minute.';
    case 'CATALOG_EMPTY':
    case 'CATALOG_MISSING':
      return 'The music catalog on this server is empty, so there is nothing to recommend yet. An admin needs to run `cuecast index` first.';
    case 'CATALOG_MISMATCH':
    case 'CATALOG_CORRUPT':
      return 'The music catalog needs to be rebuilt by an admin before I can recommend from it.';
    case 'DATABASE_UNAVAILABLE':
    case 'PGVECTOR_MISSING':
      return 'I cannot reach the music catalog database right now. An admin has been told; please try again later.';
    case 'MODEL_MISSING':
    case 'MODEL_INVALID':
    case 'MODEL_MISMATCH':
      return 'My models are not installed or do not match the catalog, so I cannot analyse clips right now. An admin has been told.';
    case 'NO_RESULTS':
      return 'No track fits all of that. Try loosening a constraint (for example drop a "no ..." or a tempo range).';
    case 'SHUTTING_DOWN':
      return 'I am restarting. Please try again in a minute.';
    default:
      return `Something went wrong on my side (request \`${requestId}\`). Please try again; if it keeps happening, tell an admin the request id.`;
  }
}
