/**
 * The stream server under test, in a process of its own so that its event loop and memory are
 * measured apart from the simulated producers: the same composition root and options as `cuecast serve`
 * (createApplication with the limits and session settings of config's `stream` section, via streamSettings), the worker-pool CLIP
 * encoder and the Recommender, on a synthetic in-memory catalog instead of an indexed music folder. Driven over the IPC channel by stream-bench.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../core/config.js';
import { Recommender } from '../recommend/recommender.js';
import { createApplication } from '../stream-server/app.js';
import { recommenderPickSource } from '../stream-server/recommender-pick-source.js';
import { streamEncodeInFlight, streamSettings } from '../stream-server/settings.js';
import { TokenTable } from '../stream-server/tokens.js';
import { openEncoders } from './encoder-bench.js';
import { SyntheticCatalog } from './synthetic-catalog.js';

export interface ChildSettings {
  readonly clipDir: string;
  readonly streams: readonly (readonly [string, string])[];
  readonly tracks: number;
}

export type ChildRequest =
  { readonly type: 'reset' } | { readonly type: 'stats' } | { readonly type: 'capacity'; readonly images: readonly number[][]; readonly count: number } | { readonly type: 'close' };

export interface ChildStats {
  readonly eventLoopP50Ms: number;
  readonly eventLoopP99Ms: number;
  readonly eventLoopMaxMs: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly metrics: unknown;
}

const settings = JSON.parse(process.env.CUECAST_BENCH_SERVER ?? '{}') as ChildSettings;
const send = (message: unknown): void => void process.send?.(message);

async function main(): Promise<void> {
  const config = loadConfig();
  const encoders = await openEncoders(settings.clipDir, config.encoders.dtype, 'cpu');
  await encoders.warmup(['clipImage', 'clapText']);
  const catalog = new SyntheticCatalog({
    tracks: settings.tracks,
    segmentsPerTrack: 12,
    clip: { modelId: encoders.clipImage.info.modelId, dim: encoders.clipImage.info.dim },
    clap: { modelId: encoders.clapText.info.modelId, dim: encoders.clapText.info.dim },
  });
  const recommender = new Recommender({ catalog, clipText: encoders.clipText, clapText: encoders.clapText });
  const http: Server = createServer();
  const app = createApplication(
    http,
    {
      frameEncoder: encoders.clipImage,
      picks: recommenderPickSource(recommender),
    },
    {
      streamTokens: new TokenTable(settings.streams),
      overlayTokens: new TokenTable([]),
      // As cli/commands/serve.ts sets them.
      ...streamSettings(config.stream),
      encode: { maxInFlight: streamEncodeInFlight(config.encoders), timeoutMs: 30_000 },
      sessionGraceMs: 1000,
      allowFileUrls: false,
    },
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  process.on('message', (raw) => {
    const request = raw as ChildRequest;
    void (async () => {
      switch (request.type) {
        case 'reset': {
          loop.reset();
          app.metrics.registry.resetMetrics();
          send({ type: 'reset' });
          break;
        }
        case 'stats': {
          const memory = process.memoryUsage();
          const stats: ChildStats = {
            eventLoopP50Ms: loop.percentile(50) / 1e6,
            eventLoopP99Ms: loop.percentile(99) / 1e6,
            eventLoopMaxMs: loop.max / 1e6,
            rssMiB: memory.rss / 2 ** 20,
            heapUsedMiB: memory.heapUsed / 2 ** 20,
            metrics: await app.metrics.registry.getMetricsAsJSON(),
          };
          send({ type: 'stats', stats });
          break;
        }
        case 'capacity': {
          // The encoder's capacity on this path: JPEG frames, all submitted at once.
          const images = request.images.map((bytes) => ({ encoded: Uint8Array.from(bytes) }));
          const batch = Array.from({ length: request.count }, (_, i) => images[i % images.length]!);
          await encoders.clipImage.encodeImages(batch.slice(0, 2));
          const begin = performance.now();
          await Promise.all(batch.map((image) => encoders.clipImage.encodeImages([image])));
          send({ type: 'capacity', framesPerSecond: (request.count * 1000) / (performance.now() - begin) });
          break;
        }
        case 'close': {
          await app.close();
          await encoders.dispose();
          http.close();
          send({ type: 'closed' });
          process.exit(0);
        }
      }
    })().catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
  });
  send({ type: 'ready', port: (http.address() as AddressInfo).port });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
