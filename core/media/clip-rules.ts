import { InputError, MediaError } from '../errors.js';

/**
 * The checks every clip a person hands us passes before anything decodes it, shared by the Discord
 * bot's attachments and the studio's uploads: what it says it is, its size, and what its first bytes
 * say it is. Duration and streams are checked when probing (`prepareInput`).
 */

/** What the sender says about a clip: a file name, a size in bytes, and a content type when known. */
export interface DeclaredClip {
  readonly name: string;
  readonly size: number;
  readonly contentType?: string | null | undefined;
}

const VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|webm|mkv|avi|mpe?g|ogv|3gp|gif)$/i;

/** Refuses, before any bytes arrive, a clip that says it is not a video or is over `maxBytes`. */
export function checkDeclaredClip(clip: DeclaredClip | null | undefined, maxBytes: number): DeclaredClip {
  if (!clip) throw new InputError('INPUT_INVALID', 'no video attached', { reason: 'no-attachment' });
  const type = clip.contentType?.split(';')[0]?.trim().toLowerCase();
  const looksVideo = type ? type.startsWith('video/') || type === 'image/gif' : VIDEO_EXTENSIONS.test(clip.name);
  if (!looksVideo) {
    throw new MediaError('MEDIA_NO_VIDEO', `${clip.name} is not a video (${type ?? 'unknown type'})`, { contentType: type ?? 'unknown', name: clip.name });
  }
  if (clip.size > maxBytes) {
    throw new MediaError('MEDIA_TOO_LARGE', `${clip.name} is ${clip.size} bytes, over the ${maxBytes} byte limit`, { size: clip.size, maxBytes });
  }
  return clip;
}

export type VideoContainer = 'mp4' | 'matroska' | 'avi' | 'mpeg-ps' | 'mpeg-ts' | 'ogg' | 'gif' | 'flv' | 'asf' | 'y4m';

/** Bytes of the head a sniff needs (an MPEG-TS sync check looks at three packets). */
export const SNIFF_BYTES = 3 * 188 + 1;

const ascii = (bytes: Uint8Array, at: number, text: string): boolean => Buffer.from(text, 'latin1').every((code, i) => bytes[at + i] === code);

/** The video container the first bytes of a file announce, or undefined when they announce none. */
export function sniffVideoContainer(head: Uint8Array): VideoContainer | undefined {
  if (head.length >= 12 && (ascii(head, 4, 'ftyp') || ascii(head, 4, 'moov') || ascii(head, 4, 'mdat') || ascii(head, 4, 'free') || ascii(head, 4, 'wide'))) return 'mp4';
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'matroska';
  if (head.length >= 12 && ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ')) return 'avi';
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 1 && (head[3] === 0xba || head[3] === 0xb3)) return 'mpeg-ps';
  if (head.length >= 377 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47) return 'mpeg-ts';
  if (head.length >= 4 && ascii(head, 0, 'OggS')) return 'ogg';
  if (head.length >= 6 && (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a'))) return 'gif';
  if (head.length >= 3 && ascii(head, 0, 'FLV')) return 'flv';
  if (head.length >= 4 && head[0] === 0x30 && head[1] === 0x26 && head[2] === 0xb2 && head[3] === 0x75) return 'asf';
  if (head.length >= 9 && ascii(head, 0, 'YUV4MPEG2')) return 'y4m';
  return undefined;
}

/** What a head that is no video container looks like, for the refusal message; undefined when unknown. */
function describeNonVideo(head: Uint8Array): string | undefined {
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 'PNG')) return 'a PNG image';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'a JPEG image';
  if (head.length >= 12 && ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'a WebP image';
  if (head.length >= 12 && ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'WAV audio';
  if (head.length >= 4 && ascii(head, 0, 'fLaC')) return 'FLAC audio';
  if (head.length >= 3 && (ascii(head, 0, 'ID3') || (head[0] === 0xff && (head[1]! & 0xe0) === 0xe0))) return 'MP3 audio';
  if (head.length >= 5 && ascii(head, 0, '%PDF-')) return 'a PDF document';
  if (head.length >= 4 && ascii(head, 0, 'PK\u0003\u0004')) return 'a ZIP archive';
  const printable = head.subarray(0, 512).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128);
  if (head.length > 0 && printable) return 'text';
  return undefined;
}

/** Refuses a clip whose first bytes are not a video container (a renamed image, audio or document). */
export function checkClipContent(head: Uint8Array, name: string): VideoContainer {
  if (head.length === 0) throw new MediaError('MEDIA_EMPTY', `${name} is empty`);
  const container = sniffVideoContainer(head);
  if (!container) {
    const what = describeNonVideo(head);
    const message = what ? `${name} is not a video: its content is ${what}` : `${name} is not a video: its content is in no video format cuecast knows`;
    throw new MediaError('MEDIA_NO_VIDEO', message, { name, sniffed: true, ...(what ? { content: what } : {}) });
  }
  return container;
}
