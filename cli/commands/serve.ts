import type { Config } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import type { ApplicationOptions } from '../../stream-server/app.js';
import { streamEncodeInFlight, streamSettings } from '../../stream-server/settings.js';
import { TokenTable } from '../../stream-server/tokens.js';
import { startApplication } from '../serve/application.js';
import { listeningLine, publicBase, readyLine, tokenLines } from '../serve/announce.js';
import { listenWhileLoading } from '../serve/loading-http.js';
import { ServeParts } from '../serve/parts.js';
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
    ingestAllowCidrs: config.stream.ingestAllowCidrs
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

/** Runs the stream server until SIGINT/SIGTERM; resolves with the exit code after a graceful drain. */
export async function runServe(flags: ServeFlags): Promise<number> {
  const [{ configWithFlags }, { logger }, { configureMedia }, { loadOrCreateTokens }, { studioAccess, studioLine }] = await Promise.all([
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

  const server = await listenWhileLoading(config.server.port, config.server.host);
  const base = publicBase(config.server.host, server.port);
  log.info({ address: `http://${config.server.host}:${server.port}` }, 'listening; loading models and catalog');
  process.stdout.write(listeningLine(base));
  if (generated) process.stdout.write(tokenLines(base, generated, flags.printUrls === true));
  const studioToken = studioAccess(config, generated, () => loadOrCreateTokens(config.dataDir));
  process.stdout.write(studioLine(base, studioToken, flags.printUrls === true));

  const parts = new ServeParts();
  try {
    const open = await parts.open(config, studioToken.token, log);
    const app = await startApplication(server, parts, open, options);
    // Listen for the signals before saying ready: whoever reads that line may stop the server at once.
    const stopped = stopSignal();
    process.stdout.write(readyLine(base, open.catalog.trackCount(), open.models.standIn !== undefined));
    const signal = await stopped;
    log.info({ signal }, 'shutting down: draining sessions');
    await app.close();
    return 0;
  } finally {
    server.close();
    await parts.close();
  }
}

/** The first SIGINT or SIGTERM. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
}
