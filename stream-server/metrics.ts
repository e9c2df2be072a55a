import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';

export type DropReason = 'superseded' | 'stale' | 'rate_limited' | 'invalid' | 'failed';

/** The server's Prometheus metrics, in a registry of its own (several servers may share a process). */
export class StreamMetrics {
  readonly registry = new Registry();
  readonly sessions = new Gauge({ name: 'cuecast_stream_sessions', help: 'Live stream sessions', registers: [this.registry] });
  readonly overlays = new Gauge({ name: 'cuecast_overlay_connections', help: 'Connected overlays', registers: [this.registry] });
  readonly framesIn = new Counter({
    name: 'cuecast_stream_frames_received_total',
    help: 'Frames received, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly framesDropped = new Counter({
    name: 'cuecast_stream_frames_dropped_total',
    help: 'Frames not encoded, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly encodeSeconds = new Histogram({
    name: 'cuecast_stream_encode_seconds',
    help: 'Time to encode one frame (hand-over to the worker pool, its batching, inference)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly frameToPick = new Histogram({
    name: 'cuecast_stream_frame_to_pick_seconds',
    help: 'From receiving the newest frame of a window to the picks computed from it',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
    registers: [this.registry],
  });
  /** The same latency as exact quantiles over the last 10 minutes (for benchmarks and dashboards). */
  readonly frameToPickQuantiles = new Summary({
    name: 'cuecast_stream_frame_to_pick_quantile_seconds',
    help: 'Frame-to-pick latency quantiles over a sliding 10-minute window',
    percentiles: [0.5, 0.95, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers: [this.registry],
  });
  readonly picksEmitted = new Counter({ name: 'cuecast_stream_picks_emitted_total', help: 'Picks updates sent to overlays', registers: [this.registry] });
  readonly eventsRefused = new Counter({
    name: 'cuecast_stream_events_refused_total',
    help: 'Client events refused because their connection was over its event budget, by event',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly ingestRestarts = new Counter({ name: 'cuecast_stream_ingest_restarts_total', help: 'Ingest restarts after ffmpeg died', registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  frameToPicked(seconds: number): void {
    this.frameToPick.observe(seconds);
    this.frameToPickQuantiles.observe(seconds);
  }

  dropped(reason: DropReason): void {
    this.framesDropped.inc({ reason });
  }
}
