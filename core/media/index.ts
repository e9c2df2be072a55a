export type { MediaInfo, MediaInput, RgbFrame, StreamInfo } from './types.js';
export { probe, type MediaCallOptions, type ProbeOptions } from './probe.js';
export { frames, type FrameOptions } from './frames.js';
export { audio, type AudioOptions } from './audio.js';
export { cutSegment, type AudioSegment, type SegmentFormat, type SegmentOptions } from './segment.js';
export { findBinaries, mediaBinaries, type MediaBinaries, type ResolvedBinary, type BinaryOverrides } from './binaries.js';
export { configureMedia, mediaSettings, DEFAULT_MEDIA_SETTINGS, type MediaSettings } from './settings.js';
export { liveChildPids } from './process.js';
export { DAMAGE_TOLERANCE, type DecodeDamage } from './failure.js';
