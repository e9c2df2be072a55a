/** One decoded video frame: packed RGB24, row-major, `data.length === width * height * 3`. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  /** Presentation time in seconds from the start of the input (or capture time for live frames). */
  readonly time: number;
}

/** A file path, an http(s)/rtmp/srt/hls URL, or the bytes of a media file. */
export type MediaInput = string | URL | Uint8Array;

export interface StreamInfo {
  readonly index: number;
  readonly type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  readonly codec: string;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly sampleRate?: number;
  readonly channels?: number;
  /** Attached pictures (cover art) are video streams that are not video. */
  readonly attachedPicture?: boolean;
  /** Seconds, when the container says (ffprobe only); may differ a little from the file's duration. */
  readonly duration?: number;
  /** Display rotation in degrees (phone videos); ffmpeg applies it when decoding. */
  readonly rotation?: number;
}

export interface MediaInfo {
  readonly format: string;
  /** Seconds; undefined for live inputs. */
  readonly duration?: number;
  readonly sizeBytes?: number;
  readonly streams: readonly StreamInfo[];
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** A single still image (PNG, JPEG, ...): `frames()` gives exactly one frame at time 0. */
  readonly still?: boolean;
  /** The packets' presentation times, when the probe was asked to list them (frames() does, to choose its decode). */
  readonly packets?: PacketListing;
}

/** One stream's packets in presentation order: times in seconds on ffmpeg's output timeline (input start at 0). */
export interface PacketTimes {
  readonly times: readonly number[];
  readonly keyframe: readonly boolean[];
}

/** The probe's packet listing, capped in packets (see probe.ts). */
export interface PacketListing {
  /** By stream index; a stream with a packet of unknown time is left out. */
  readonly streams: Readonly<Record<number, PacketTimes>>;
  /** False when the listing stopped at its cap before the end of the input. */
  readonly complete: boolean;
}
