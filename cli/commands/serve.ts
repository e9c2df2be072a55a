import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Config } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import type { Catalog } from '../../index-data/types.js';
import type { Encoders } from '../../model/index.js';
import type { ApplicationOptions } from '../../stream-server/app.js';
import type { RedisAdapter } from '../../stream-server/redis.js';
import { streamEncodeInFlight, streamSettings } from '../../stream-server/settings.js';
import { TokenTable } from '../../stream-server/tokens.js';
import type { BotState } from '../../bot/state/open.js';
import type { Studio } from '../../stream-server/studio/index.js';
import type { StoredTokens } from '../token-store.js';

export interface ServeFlags {
  readonly port?: string;
  readonly host?: string;
  readonly catalog?: string;
  readonly models?: string;
  readonly allowFileUrls?: boolean;
  /** Print the capture and overlay URLs with the generated tokens again. */
  readonly printUrls?: boolean;
}

/** Neither CUECAST_STREAM_TOKENS nor CUECAST_OVERLAY_TOKENS is set: `cuecast serve` uses its generated tokens. */
export const usesGeneratedTokens = (config: Config): boolean => config.server.streamTokens.trim() === '' && config.server.overlayTokens.trim() === '';

/**
 * Server options from the config: tokens from `server` (or `generated`, the token store's, when none are
 * configured), window, cadence, hysteresis, ingest and limits from `stream`.
 */
export function serverOptions(config: Config, extra: { allowFileUrls: boolean; generated?: StoredTokens }): Omit<ApplicationOptions, 'adapter'> {
  const generated = extra.generated && usesGeneratedTokens(config) ? extra.generated : undefined;
  const streamTokens = generated ? new TokenTable([[generated.streamId, generated.tokens.stream]]) : TokenTable.parse(config.server.streamTokens, 'CUECAST_STREAM_TOKENS');
  const overlayTokens = generated ? new TokenTable([[generated.streamId, generated.tokens.overlay]]) : TokenTable.parse(config.server.overlayTokens, 'CUECAST_OVERLAY_TOKENS');
  if (streamTokens.size === 0) {
    throw new ConfigError(['CUECAST_STREAM_TOKENS: no stream is configured; set streamId:token pairs (e.g. "mystream:a-long-random-token")']);
  }
  return {
    streamTokens,
    overlayTokens,
    ...streamSettings(config.stream, config.maxTextChars),
    encode: { maxInFlight: streamEncodeInFlight(config.encoders), timeoutMs: 30_000 },
    sessionGraceMs: 30_000,
    ...(config.server.metricsToken ? { metricsToken: config.server.metricsToken } : {}),
    allowFileUrls: extra.allowFileUrls,
    ingestAllowCidrs: config.stream.ingestAllowCidrs.split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** The address people open: a wildcard listening address is reached as localhost from this machine. */
export function publicBase(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** The ready-to-paste capture and overlay URLs for the generated tokens. */
export function pageUrls(base: string, tokens: StoredTokens): { capture: string; overlay: string } {
  const query = (token: string) => `stream=${encodeURIComponent(tokens.streamId)}&token=${encodeURIComponent(token)}`;
  return { capture: `${base}/capture?${query(tokens.tokens.stream)}`, overlay: `${base}/overlay?${query(tokens.tokens.overlay)}` };
}

/** Runs the stream server until SIGINT/SIGTERM; resolves with the exit code after a graceful drain. */
export async function runServe(flags: ServeFlags): Promise<number> {
  const [{ configWithFlags }, { logger }, { configureMedia }, { loadOrCreateTokens }, { studioAccess, studioLine, studioFor }] = await Promise.all([
    import('../setup.js'),
    import('../../core/logger.js'),
    import('../../core/media/index.js'),
    import('../token-store.js'),
    import('../studio.js'),
  ]);
  const log = logger('serve');
  const config = configWithFlags(flags, {
    ...(flags.port !== undefined ? { 'server.port': flags.port } : {}),
    ...(flags.host !== undefined ? { 'server.host': flags.host } : {}),
  });
  const generated = usesGeneratedTokens(config) ? loadOrCreateTokens(config.dataDir) : undefined;
  const options = serverOptions(config, { allowFileUrls: flags.allowFileUrls === true, ...(generated ? { generated } : {}) });
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
  const port = (http.address() as AddressInfo).port;
  const base = publicBase(config.server.host, port);
  log.info({ address: `http://${config.server.host}:${port}` }, 'listening; loading models and catalog');
  process.stdout.write(`cuecast stream server listening on ${base} (loading models and catalog; /readyz says when it is ready)\n`);
  if (generated) {
    const urls = pageUrls(base, generated);
    if (generated.created.length > 0 || flags.printUrls) {
      process.stdout.write(
        [
          `${generated.created.length > 0 ? 'Generated' : 'Stored'} tokens for stream "${generated.streamId}" (kept in ${generated.path}, readable only by you):`,
          `    capture (send a tab or camera):  ${urls.capture}`,
          `    overlay (OBS browser source):    ${urls.overlay}`,
          'Keep them secret; `cuecast serve --print-urls` prints them again. Set CUECAST_STREAM_TOKENS / CUECAST_OVERLAY_TOKENS to use your own.',
          '',
        ].join('\n'),
      );
    } else {
      process.stdout.write(`stream "${generated.streamId}": capture ${base}/capture, overlay ${base}/overlay (tokens in ${generated.path}; \`cuecast serve --print-urls\` prints the full URLs)\n`);
    }
  }
  const studioToken = studioAccess(config, generated, () => loadOrCreateTokens(config.dataDir));
  process.stdout.write(studioLine(base, studioToken, flags.printUrls === true));

  let encoders: Encoders | undefined;
  let redis: RedisAdapter | undefined;
  let catalog: Catalog | undefined;
  let catalogOpen = false;
  let botState: BotState | undefined;
  let studio: Studio | undefined;
  try {
    // Redis first: a wrong REDIS_URL fails start-up in seconds, before minutes of model loading.
    const [{ createEncoders, frameSize }, { createApplication }, { mediaFrameSource }, { recommenderPickSource }, { connectRedisAdapter, redact }, { createRecommender, openConfiguredCatalogFor }] = await Promise.all([
      import('../../model/index.js'),
      import('../../stream-server/app.js'),
      import('../../stream-server/media-frame-source.js'),
      import('../../stream-server/recommender-pick-source.js'),
      import('../../stream-server/redis.js'),
      import('../setup.js'),
    ]);
    if (config.server.redisUrl) {
      redis = await connectRedisAdapter(config.server.redisUrl);
      log.info({ redis: redact(config.server.redisUrl) }, 'sharing picks between nodes through Redis');
    }
    encoders = await createEncoders(config);
    const models = encoders;
    if (models.standIn) log.warn({ standIn: true, reason: models.standIn.reason }, 'STAND-IN MODELS: random-weight encoders, the picks are not meaningful (/readyz and the overlay say so)');
    catalog = await openConfiguredCatalogFor(config, models);
    catalogOpen = true;
    const opened = catalog;
    const recommender = await createRecommender(config, models, opened);
    recommender.warmRefinementParser();
    log.info({ mode: recommender.mode }, 'recommending');
    await models.warmup(['clipImage', 'clipText', 'clapText']);
    // The studio keeps its conversations with the bot's: in PostgreSQL when configured, so any node answers them.
    const { botStateSettings, openBotState } = await import('../bot-state.js');
    botState = await openBotState(botStateSettings(config));
    studio = studioFor(config, { token: studioToken.token, frameEncoder: models.clipImage, recommender, catalog: opened, conversations: botState.store });
    http.off('request', loading);
    const app = createApplication(
      http,
      {
        frameEncoder: models.clipImage,
        picks: recommenderPickSource(recommender),
        audioPath: (trackId) => opened.audioPath(trackId),
        frameSource: mediaFrameSource({ size: frameSize(models.clipImage) }),
        readiness: () => ({ models: models.stats().workers > 0, catalog: catalogOpen, ...(redis ? { redis: redis.ready() } : {}) }),
        standIn: models.standIn !== undefined,
        dtypes: models.dtypes,
        studio,
      },
      { ...options, ...(redis ? { adapter: redis.adapter } : {}) },
    );
    // Listen for the signals before saying ready: whoever reads that line may stop the server at once.
    const stopped = new Promise<NodeJS.Signals>((done) => {
      process.once('SIGINT', () => done('SIGINT'));
      process.once('SIGTERM', () => done('SIGTERM'));
    });
    process.stdout.write(`cuecast stream server ready on ${base} (${opened.trackCount()} tracks${models.standIn ? '; STAND-IN MODELS: picks are not meaningful' : ''}; overlay: ${base}/overlay?stream=<id>&token=<overlay token>, capture: ${base}/capture)\n`);

    const signal = await stopped;
    log.info({ signal }, 'shutting down: draining sessions');
    await app.close();
    return 0;
  } finally {
    if (http.listening) http.close();
    await studio?.close();
    await botState?.close();
    await redis?.close();
    catalogOpen = false;
    await catalog?.close();
    await encoders?.dispose();
  }
}
