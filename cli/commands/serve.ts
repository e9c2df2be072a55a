import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../core/config.js';
import { ConfigError, toCuecastError } from '../../core/errors.js';
import { logger } from '../../core/logger.js';
import { configureMedia } from '../../core/media/index.js';
import type { Catalog } from '../../index-data/types.js';
import { createEncoders } from '../../model/index.js';
import { createApplication, type ApplicationOptions } from '../../stream-server/app.js';
import { mediaFrameSource } from '../../stream-server/media-frame-source.js';
import { recommenderPickSource } from '../../stream-server/recommender-pick-source.js';
import { connectRedisAdapter, redact, type RedisAdapter } from '../../stream-server/redis.js';
import { streamSettings } from '../../stream-server/settings.js';
import { TokenTable } from '../../stream-server/tokens.js';
import type { CliCommand } from '../command.js';
import { createRecommender, openCatalogFor } from '../setup.js';

export interface ServeFlags {
  readonly port?: string;
  readonly host?: string;
  readonly catalog?: string;
  readonly models?: string;
  readonly allowFileUrls?: boolean;
}

/** Server options from the config: tokens from `server`, window, cadence, hysteresis, ingest and limits from `stream`. */
export function serverOptions(config: Config, extra: { allowFileUrls: boolean }): Omit<ApplicationOptions, 'adapter'> {
  const streamTokens = TokenTable.parse(config.server.streamTokens, 'CUECAST_STREAM_TOKENS');
  const overlayTokens = TokenTable.parse(config.server.overlayTokens, 'CUECAST_OVERLAY_TOKENS');
  if (streamTokens.size === 0) {
    throw new ConfigError(['CUECAST_STREAM_TOKENS: no stream is configured; set streamId:token pairs (e.g. "mystream:a-long-random-token")']);
  }
  return {
    streamTokens,
    overlayTokens,
    ...streamSettings(config.stream, config.maxTextChars),
    encode: { maxBatch: config.stream.encodeBatch, concurrency: config.encoders.workers, timeoutMs: 30_000 },
    sessionGraceMs: 30_000,
    ...(config.server.metricsToken ? { metricsToken: config.server.metricsToken } : {}),
    allowFileUrls: extra.allowFileUrls,
  };
}

/** Runs the stream server until SIGINT/SIGTERM; resolves with the exit code after a graceful drain. */
export async function runServe(flags: ServeFlags): Promise<number> {
  const log = logger('serve');
  const config = loadConfig({
    overrides: {
      ...(flags.port !== undefined ? { 'server.port': flags.port } : {}),
      ...(flags.host !== undefined ? { 'server.host': flags.host } : {}),
      ...(flags.catalog ? { catalogDir: resolve(flags.catalog) } : {}),
      ...(flags.models ? { modelsDir: resolve(flags.models) } : {}),
    },
  });
  const options = serverOptions(config, { allowFileUrls: flags.allowFileUrls === true });
  configureMedia({ ...config.media });

  // Listen at once, so orchestrators see /healthz (alive) and /readyz (503) while models load.
  const http = createServer();
  const loading = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const body = path === '/healthz' ? { status: 'ok' } : path === '/readyz' ? { status: 'not ready', checks: { models: false, catalog: false } } : { error: { code: 'BUSY', message: 'The server is starting' } };
    response.writeHead(path === '/healthz' ? 200 : 503, { 'content-type': 'application/json', 'retry-after': '5' }).end(JSON.stringify(body));
  };
  http.on('request', loading);
  await new Promise<void>((done, fail) => {
    http.once('error', fail);
    http.listen(config.server.port, config.server.host, done);
  });
  const address = http.address();
  const base = `http://${config.server.host}:${typeof address === 'object' && address ? address.port : config.server.port}`;

  let encoders: Awaited<ReturnType<typeof createEncoders>> | undefined;
  let redis: RedisAdapter | undefined;
  let catalog: Catalog | undefined;
  let catalogOpen = false;
  try {
    // Redis first: a wrong REDIS_URL fails start-up in seconds, before minutes of model loading.
    if (config.server.redisUrl) {
      redis = await connectRedisAdapter(config.server.redisUrl);
      log.info({ redis: redact(config.server.redisUrl) }, 'sharing picks between nodes through Redis');
    }
    encoders = await createEncoders(config);
    const models = encoders;
    catalog = openCatalogFor(config.catalogDir, models);
    catalogOpen = true;
    const opened = catalog;
    const recommender = await createRecommender(config, models, opened);
    log.info({ mode: recommender.mode }, 'recommending');
    await models.warmup(['clipImage', 'clipText', 'clapText']);
    http.off('request', loading);
    const app = createApplication(
      http,
      {
        frameEncoder: models.clipImage,
        picks: recommenderPickSource(recommender),
        audioPath: (trackId) => opened.audioPath(trackId),
        frameSource: mediaFrameSource(),
        readiness: () => ({ models: models.stats().workers > 0, catalog: catalogOpen, ...(redis ? { redis: redis.ready() } : {}) }),
      },
      { ...options, ...(redis ? { adapter: redis.adapter } : {}) },
    );
    process.stdout.write(`cuecast stream server on ${base} (${opened.trackCount()} tracks; overlay: ${base}/overlay?stream=<id>&token=<overlay token>, capture: ${base}/capture)\n`);

    const signal = await new Promise<NodeJS.Signals>((done) => {
      process.once('SIGINT', () => done('SIGINT'));
      process.once('SIGTERM', () => done('SIGTERM'));
    });
    log.info({ signal }, 'shutting down: draining sessions');
    await app.close();
    return 0;
  } finally {
    if (http.listening) http.close();
    await redis?.close();
    catalogOpen = false;
    catalog?.close();
    await encoders?.dispose();
  }
}

export const serveCommand: CliCommand = {
  name: 'serve',
  register(program: Command): void {
    program
      .command('serve')
      .description('run the live stream server: socket.io /stream and /overlay, the OBS overlay and capture pages, /metrics')
      .option('--port <n>', 'port to listen on (default: config server.port, 8787)')
      .option('--host <addr>', 'address to listen on (default: config server.host, 127.0.0.1)')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--models <dir>', 'models directory (default: config modelsDir)')
      .option('--allow-file-urls', 'let producers ingest file: URLs from this machine (for local testing only)')
      .action(async (flags: ServeFlags) => {
        try {
          process.exitCode = await runServe(flags);
        } catch (error) {
          const e = toCuecastError(error);
          process.stderr.write(`error ${e.code}: ${e.message}\n`);
          process.exitCode = 1;
        }
      });
  },
};
