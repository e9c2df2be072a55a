import { extname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendFileRange } from './file-response.js';

export const AUDIO_TYPES: Readonly<Record<string, string>> = {
  '.mp3': 'audio/mpeg',
  '.flac': 'audio/flac',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.mp4': 'audio/mp4',
  '.aac': 'audio/aac',
  '.webm': 'audio/webm',
};

/** The content type of an audio file, by its extension. */
export const audioType = (path: string): string => AUDIO_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

/**
 * Sends a track's audio, by range so a player can seek to the picked segment: the overlay's `/audio`
 * and the studio's conversation audio both answer with this (each with its own headers and its own
 * answer for a missing file).
 */
export function sendTrackAudio(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  headers: Readonly<Record<string, string>>,
  missing: (response: ServerResponse) => void,
): Promise<void> {
  return sendFileRange(request, response, path, { type: audioType(path), headers, missing });
}
