import type { MediaInfo, PacketListing, PacketTimes, StreamInfo } from './types.js';

/** The parts of `ffprobe -print_format json -show_format -show_streams` that we read. */
interface FfprobeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  duration?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}

interface FfprobePacket {
  stream_index?: number;
  pts_time?: string;
  flags?: string;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; size?: string; start_time?: string; tags?: Record<string, string> };
  packets?: FfprobePacket[];
}

const SONG_TAGS = new Set(['title', 'artist', 'album', 'album_artist', 'genre', 'date', 'composer', 'track']);

const STREAM_TYPES = new Set<StreamInfo['type']>(['video', 'audio', 'subtitle', 'data', 'attachment']);

/** Image formats ffmpeg reads as one picture (GIF and APNG are animations, so video). */
const STILL_FORMATS = /^(image2|[a-z0-9]+_pipe)$/;

function rate(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const [num, den] = text.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num) || num <= 0) return undefined;
  const value = den === undefined ? num : num / den;
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function positive(text: string | number | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

export function lowerCaseKeys(tags: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).map(([key, value]) => [key.toLowerCase(), String(value)]));
}

function rotationOf(stream: FfprobeStream): number | undefined {
  const fromSideData = stream.side_data_list?.find((entry) => typeof entry.rotation === 'number')?.rotation;
  const value = fromSideData ?? positive(stream.tags?.rotate);
  return value === undefined || value === 0 ? undefined : value;
}

function streamInfo(stream: FfprobeStream, position: number): StreamInfo {
  const type = STREAM_TYPES.has(stream.codec_type as StreamInfo['type']) ? (stream.codec_type as StreamInfo['type']) : 'unknown';
  const fields: Record<string, unknown> = { index: stream.index ?? position, type, codec: stream.codec_name ?? 'unknown', duration: positive(stream.duration) };
  if (type === 'video') {
    fields.width = positive(stream.width);
    fields.height = positive(stream.height);
    fields.fps = rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate);
    if (stream.disposition?.attached_pic === 1) fields.attachedPicture = true;
    fields.rotation = rotationOf(stream);
  }
  if (type === 'audio') {
    fields.sampleRate = positive(stream.sample_rate);
    fields.channels = positive(stream.channels);
  }
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as unknown as StreamInfo;
}

/** Builds MediaInfo from streams and format fields (shared by the ffprobe and `ffmpeg -i` paths). */
export function mediaInfo(format: string, streams: StreamInfo[], extra: { duration?: number | undefined; sizeBytes?: number | undefined; tags: Record<string, string> }): MediaInfo {
  const videos = streams.filter((stream) => stream.type === 'video' && !stream.attachedPicture);
  const still = videos.length === 1 && STILL_FORMATS.test(format) && !streams.some((stream) => stream.type === 'audio');
  return {
    format,
    ...(extra.duration !== undefined && !still ? { duration: extra.duration } : {}),
    ...(extra.sizeBytes !== undefined ? { sizeBytes: extra.sizeBytes } : {}),
    streams,
    hasVideo: videos.length > 0,
    hasAudio: streams.some((stream) => stream.type === 'audio'),
    tags: extra.tags,
    ...(still ? { still: true } : {}),
  };
}

/**
 * Groups a packet listing by stream, in presentation order, with times on ffmpeg's output timeline
 * (ffmpeg subtracts the input's start time unless told to copy timestamps). A stream with a packet of
 * unknown time is left out: its frames' times cannot be known.
 */
export function packetListing(packets: readonly FfprobePacket[], startTime: number, complete: boolean): PacketListing {
  const byStream = new Map<number, { time: number; key: boolean }[]>();
  const unknown = new Set<number>();
  for (const packet of packets) {
    const index = packet.stream_index;
    if (index === undefined) continue;
    const time = Number(packet.pts_time);
    if (packet.pts_time === undefined || !Number.isFinite(time)) {
      unknown.add(index);
      continue;
    }
    const list = byStream.get(index) ?? [];
    list.push({ time: time - startTime, key: packet.flags?.startsWith('K') === true });
    byStream.set(index, list);
  }
  const streams: Record<number, PacketTimes> = {};
  for (const [index, list] of byStream) {
    if (unknown.has(index)) continue;
    list.sort((a, b) => a.time - b.time);
    streams[index] = { times: list.map((p) => p.time), keyframe: list.map((p) => p.key) };
  }
  return { streams, complete };
}

/** Parses ffprobe's JSON output; `packetCap`: the cap the packet listing was asked for, if one was. */
export function parseFfprobeJson(json: string, sizeBytes?: number, packetCap?: number): MediaInfo {
  const output = JSON.parse(json) as FfprobeOutput;
  const streams = (output.streams ?? []).map(streamInfo);
  const format = output.format ?? {};
  const tags = lowerCaseKeys(format.tags);
  // Ogg and Opus keep title/artist on the audio stream: let stream tags fill in what the format lacks.
  for (const stream of output.streams ?? []) {
    for (const [key, value] of Object.entries(lowerCaseKeys(stream.tags))) {
      if (SONG_TAGS.has(key) && !(key in tags)) tags[key] = value;
    }
  }
  const info = mediaInfo(format.format_name ?? 'unknown', streams, {
    duration: positive(format.duration),
    sizeBytes: sizeBytes ?? positive(format.size),
    tags,
  });
  if (!output.packets) return info;
  const startTime = Number(format.start_time);
  const complete = packetCap === undefined || output.packets.length < packetCap;
  return { ...info, packets: packetListing(output.packets, Number.isFinite(startTime) ? startTime : 0, complete) };
}
