import { audio, audioWithLoudness, probe, type MediaInfo } from '../core/media/index.js';
import type { AudioSource } from './indexer.js';

/**
 * The indexer's audio through core/media. Keeps the probe of the file being decoded so each decode
 * chunk skips a second ffprobe (bounded: the last few files only). The first chunk's ffmpeg run also
 * measures the whole track's loudness (audioWithLoudness), so a track needs no separate loudness pass.
 * Samples come in shared memory, so the windows cut from them reach the inference worker uncopied.
 */
export function mediaAudioSource(options: { timeoutMs?: number } = {}): AudioSource {
  const probes = new Map<string, MediaInfo>();
  const remember = (path: string, info: MediaInfo): void => {
    probes.set(path, info);
    if (probes.size > 16) probes.delete(probes.keys().next().value!);
  };
  return {
    async probe(path, signal) {
      const info = await probe(path, { signal, timeoutMs: options.timeoutMs });
      remember(path, info);
      return { hasAudio: info.hasAudio, ...(info.duration !== undefined ? { duration: info.duration } : {}) };
    },
    async decode(path, { sampleRate, start, duration, signal, onDamage }) {
      const info = probes.get(path);
      // The probed duration bounds the window, so a chunk never asks past the end.
      const bounded = info?.duration !== undefined ? Math.min(duration, info.duration - start) : duration;
      if (!(bounded > 0)) return new Float32Array(0);
      return audio(path, { sampleRate, channels: 1, start, duration: bounded, signal, info, timeoutMs: options.timeoutMs, onDamage, shared: true });
    },
    async decodeFirst(path, { sampleRate, duration, signal, onDamage }) {
      const info = probes.get(path);
      const bounded = info?.duration !== undefined && info.duration > 0 ? Math.min(duration, info.duration) : duration;
      return audioWithLoudness(path, { sampleRate, channels: 1, duration: bounded, signal, info, timeoutMs: options.timeoutMs, onDamage, shared: true });
    },
  };
}
