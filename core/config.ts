import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { AddressPolicy } from './net/address-policy.js';

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
/**
 * An integer in [min, max]. Unlike `.int()`, a fractional value does not stop the object-level checks
 * (a cross-field check still runs, so every invalid setting is reported at once).
 */
const wholeNumber = (min: number, max: number) => z.coerce.number().min(min).max(max).refine(Number.isInteger, 'Invalid input: expected an integer');
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v))]);

/** The longest prompt or refinement anywhere (bot, stream server, CLI, recommender): one limit. */
export const DEFAULT_MAX_TEXT_CHARS = 500;

/** Every setting, with its default. `docs/configuration.md` and the README describe them. */
export const configSchema = z.object({
  /** Longest prompt or refinement accepted from anyone (`PROMPT_TOO_LONG` beyond it). */
  maxTextChars: wholeNumber(1, 2000).default(DEFAULT_MAX_TEXT_CHARS),
  /** Where caches, the default catalog and the default models directory live. */
  dataDir: z
    .string()
    .min(1)
    .default(join(homedir(), '.cache', 'cuecast')),
  /** Models directory holding clip/, clap/ and viml/ (empty: `<dataDir>/models`). */
  modelsDir: z.string().default(''),
  /** Catalog directory (empty: `<dataDir>/catalog`). */
  catalogDir: z.string().default(''),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  media: z
    .object({
      ffmpegPath: z.string().optional(),
      ffprobePath: z.string().optional(),
      /** Hard limit for one ffmpeg/ffprobe child, in ms. */
      timeoutMs: positiveInt.default(120_000),
      /** Longest input accepted, in seconds (hours-long inputs are refused, not decoded). */
      maxDurationSeconds: positiveInt.default(4 * 3600),
      /** Largest in-memory or downloaded input, in bytes. */
      maxInputBytes: positiveInt.default(512 * 1024 * 1024),
    })
    .prefault({}),
  encoders: z
    .object({
      /** Hub id or local directory of the CLIP model (transformers.js layout). */
      clip: z.string().default('Xenova/clip-vit-base-patch32'),
      /** Hub id or local directory of the CLAP model (transformers.js layout). */
      clap: z.string().default('Xenova/clap-htsat-unfused'),
      /** `auto`: q8 for each model whose q8 outputs agree with fp32 (checked once per model file), else fp32. */
      dtype: z.enum(['auto', 'fp32', 'q8']).default('auto'),
      device: z.enum(['cpu', 'cuda']).default('cpu'),
      /** Download from the hub when a model is not in the models directory. */
      allowRemote: bool.default(true),
      /** Where models are downloaded from (transformers.js remoteHost). */
      hubUrl: z.url().default('https://huggingface.co/'),
      /** Run on the random-weight stand-in models when the hub cannot be reached (false: MODEL_UNREACHABLE). */
      allowStandIn: bool.default(true),
      /** Worker threads running inference (each owns its sessions). */
      workers: positiveInt.default(1),
      /** Intra-op threads per worker session (0: the cores shared among the workers, model/threading.ts). */
      threads: z.coerce.number().int().min(0).default(0),
      maxBatch: positiveInt.default(16),
      maxWaitMs: z.coerce.number().int().min(0).default(4),
    })
    .prefault({}),
  video: z
    .object({
      fps: z.coerce.number().positive().max(30).default(1),
      maxFrames: positiveInt.default(30),
    })
    .prefault({}),
  catalog: z
    .object({
      segmentSeconds: positiveInt.default(30),
      hopSeconds: positiveInt.default(15),
      jobs: positiveInt.default(2),
      /** Longest track indexed, in seconds (longer files are refused from their probed duration). */
      maxTrackSeconds: positiveInt.default(3600),
    })
    .prefault({}),
  /** PostgreSQL + pgvector for catalogs (empty url: the embedded SQLite + hnswlib catalog folder). */
  database: z
    .object({
      url: z
        .string()
        .default('')
        .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL'),
      /** Which catalog of the database (several live side by side). */
      catalogName: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -, up to 63')
        .default('default'),
      poolMax: positiveInt.default(10),
      connectTimeoutMs: positiveInt.default(10_000),
      statementTimeoutMs: positiveInt.default(30_000),
      /** pgvector HNSW build parameters (pgvector's m and ef_construction) and search breadth. */
      hnswM: wholeNumber(2, 100).default(16),
      hnswEfConstruction: wholeNumber(4, 1000).default(200),
      efSearch: wholeNumber(1, 1000).default(100),
      /** How far an iterative index scan may go to find rows passing a filter (hnsw.max_scan_tuples). */
      maxScanTuples: positiveInt.default(20_000),
    })
    .prefault({}),
  llm: z
    .object({
      /** A description mode: `tags`, `template`, or an LLM backend of index-data/describe/llm-backends.ts (checked there). */
      backend: z.string().min(1).default('template'),
      baseUrl: z.url().optional(),
      model: z.string().optional(),
      apiKey: z.string().optional(),
      timeoutMs: positiveInt.default(30_000),
      /** Refinements: `rules` (offline default) or `openai` (the endpoint above, cross-checked by the rules). */
      refinementParser: z.enum(['rules', 'openai']).default('rules'),
      refinementTimeoutMs: positiveInt.default(3000),
    })
    .prefault({}),
  server: z
    .object({
      host: z.string().default('127.0.0.1'),
      port: port.default(8787),
      /** `streamId:token` pairs for producers, comma separated; overlay tokens likewise. */
      streamTokens: z.string().default(''),
      overlayTokens: z.string().default(''),
      redisUrl: z.string().optional(),
      /** When set, /metrics answers only `Authorization: Bearer <metricsToken>`. */
      metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
      /** The studio page's token; unset: generated on first start and kept in the data dir's token store. */
      studioToken: z.string().min(16, 'must be at least 16 characters').optional(),
    })
    .prefault({}),
  /** Live stream sessions of `cuecast serve` (window, cadence, hysteresis, ingest, producer limits). */
  stream: z
    .object({
      /** The rolling window of frame embeddings a pick is computed from: its length and frame cap. */
      windowSeconds: z.coerce.number().positive().max(3600).default(30),
      windowFrames: wholeNumber(1, 1024).default(64),
      /** Fallback cadence of pick updates, and the floor between two updates that new frames cause. */
      updateIntervalMs: wholeNumber(100, 600_000).default(3000),
      minUpdateIntervalMs: wholeNumber(0, 600_000).default(500),
      picksPerUpdate: wholeNumber(1, 20).default(3),
      /** Hysteresis: a challenger must lead by `switchMargin` (cosine) for this many updates spanning this long. */
      switchMargin: z.coerce.number().min(0).max(1).default(0.02),
      switchConfirmUpdates: wholeNumber(1, 100).default(2),
      switchConfirmMs: wholeNumber(0, 600_000).default(3000),
      /** Tracks among this many recent picks are not picked again. */
      noRepeatPicks: wholeNumber(0, 1000).default(8),
      /** `ingest` of a URL: sampling rate, silence that counts as dead, restart back-off, attempts without a frame. */
      ingestFps: z.coerce.number().positive().max(30).default(1),
      ingestStallTimeoutMs: wholeNumber(1000, 600_000).default(15_000),
      ingestBackoffInitialMs: wholeNumber(100, 600_000).default(1000),
      ingestBackoffMaxMs: wholeNumber(100, 3_600_000).default(30_000),
      ingestMaxAttempts: wholeNumber(1, 1000).default(6),
      /** CIDRs `ingest` may reach besides public addresses, comma separated (e.g. `10.0.5.0/24,fd00::/8`); empty: public only. */
      ingestAllowCidrs: z
        .string()
        .default('')
        .refine((spec) => AddressPolicy.invalidCidrs(spec).length === 0, 'must be comma-separated IPv4/IPv6 CIDRs such as 10.0.5.0/24'),
      /** Producer limits: frame size in bytes and decoded pixels, frames per second per stream and burst. */
      maxFrameBytes: wholeNumber(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
      maxFramePixels: wholeNumber(1, 16_384 * 16_384).default(4096 * 4096),
      maxFramesPerSecond: z.coerce.number().positive().max(60).default(5),
      frameBurst: wholeNumber(1, 600).default(10),
      /** Per-connection budget in cost units (a frame 1, a prompt or refinement 5, an ingest 10): sustained per second, and burst. */
      eventBudgetPerSecond: z.coerce.number().positive().max(10_000).default(20),
      eventBudgetBurst: wholeNumber(1, 100_000).default(40),
      /** Producer connections one stream id may hold at once. */
      maxProducersPerStream: wholeNumber(1, 1000).default(4),
    })
    .refine((s) => s.ingestBackoffMaxMs >= s.ingestBackoffInitialMs, {
      path: ['ingestBackoffMaxMs'],
      error: 'must be at least the first restart delay, stream.ingestBackoffInitialMs (CUECAST_STREAM_INGEST_BACKOFF_MS)',
      // Checked beside other invalid settings too (when both back-off values are themselves valid).
      when: ({ value }) => {
        const v = value as { ingestBackoffInitialMs?: unknown; ingestBackoffMaxMs?: unknown };
        return Number.isFinite(v.ingestBackoffInitialMs) && Number.isFinite(v.ingestBackoffMaxMs);
      },
    })
    .prefault({}),
  discord: z
    .object({
      token: z.string().optional(),
      applicationId: z.string().optional(),
      devGuildId: z.string().optional(),
      /** Override of Discord's REST/gateway endpoints (tests point these at a local stand-in). */
      apiBaseUrl: z.url().optional(),
      gatewayUrl: z.string().optional(),
      messageContentIntent: bool.default(false),
      maxConcurrent: positiveInt.default(2),
      cooldownSeconds: z.coerce.number().min(0).default(10),
      /** Per-user token bucket on what follows a request: buttons, the pick select, `/refine`, thread refinements. */
      actionBurst: positiveInt.default(5),
      actionsPerMinute: z.coerce.number().positive().default(12),
      maxClipBytes: positiveInt.default(100 * 1024 * 1024),
      /** Longer clips get a friendly refusal before any decoding. */
      maxClipSeconds: positiveInt.default(15 * 60),
      /** Conversations untouched this long expire (buttons then answer "expired"). */
      conversationTtlHours: z.coerce.number().positive().default(72),
      /**
       * Gateway shards this process runs, e.g. "0,1" (with `shardCount`); unset: one shard, or what a
       * discord.js ShardingManager that spawned the process says. Several processes need shared state
       * (`database.url`), or each keeps its own conversations and rates.
       */
      shards: z
        .string()
        .regex(/^\d+(,\d+)*$/, 'a comma-separated list of shard ids, e.g. 0,1')
        .optional(),
      shardCount: positiveInt.optional(),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;

/** Environment variable -> config path. One table, so errors can name the variable a user set. */
export const ENV_VARS: Readonly<Record<string, string>> = {
  CUECAST_DATA_DIR: 'dataDir',
  CUECAST_MODELS: 'modelsDir',
  CUECAST_CATALOG: 'catalogDir',
  CUECAST_LOG_LEVEL: 'logLevel',
  CUECAST_MAX_TEXT_CHARS: 'maxTextChars',
  FFMPEG_PATH: 'media.ffmpegPath',
  FFPROBE_PATH: 'media.ffprobePath',
  CUECAST_MEDIA_TIMEOUT_MS: 'media.timeoutMs',
  CUECAST_MAX_DURATION_SECONDS: 'media.maxDurationSeconds',
  CUECAST_MAX_INPUT_BYTES: 'media.maxInputBytes',
  CUECAST_CLIP_MODEL: 'encoders.clip',
  CUECAST_CLAP_MODEL: 'encoders.clap',
  CUECAST_DTYPE: 'encoders.dtype',
  CUECAST_DEVICE: 'encoders.device',
  CUECAST_ALLOW_REMOTE_MODELS: 'encoders.allowRemote',
  CUECAST_HUB_URL: 'encoders.hubUrl',
  CUECAST_ALLOW_STAND_IN: 'encoders.allowStandIn',
  CUECAST_WORKERS: 'encoders.workers',
  CUECAST_THREADS: 'encoders.threads',
  CUECAST_MAX_BATCH: 'encoders.maxBatch',
  CUECAST_MAX_WAIT_MS: 'encoders.maxWaitMs',
  CUECAST_FPS: 'video.fps',
  CUECAST_MAX_FRAMES: 'video.maxFrames',
  CUECAST_SEGMENT_SECONDS: 'catalog.segmentSeconds',
  CUECAST_HOP_SECONDS: 'catalog.hopSeconds',
  CUECAST_INDEX_JOBS: 'catalog.jobs',
  CUECAST_MAX_TRACK_SECONDS: 'catalog.maxTrackSeconds',
  CUECAST_DATABASE_URL: 'database.url',
  CUECAST_CATALOG_NAME: 'database.catalogName',
  CUECAST_DB_POOL_MAX: 'database.poolMax',
  CUECAST_DB_CONNECT_TIMEOUT_MS: 'database.connectTimeoutMs',
  CUECAST_DB_STATEMENT_TIMEOUT_MS: 'database.statementTimeoutMs',
  CUECAST_PGVECTOR_M: 'database.hnswM',
  CUECAST_PGVECTOR_EF_CONSTRUCTION: 'database.hnswEfConstruction',
  CUECAST_PGVECTOR_EF_SEARCH: 'database.efSearch',
  CUECAST_PGVECTOR_MAX_SCAN_TUPLES: 'database.maxScanTuples',
  CUECAST_LLM_BACKEND: 'llm.backend',
  CUECAST_LLM_BASE_URL: 'llm.baseUrl',
  CUECAST_LLM_MODEL: 'llm.model',
  CUECAST_LLM_API_KEY: 'llm.apiKey',
  CUECAST_LLM_TIMEOUT_MS: 'llm.timeoutMs',
  CUECAST_LLM_REFINEMENT_PARSER: 'llm.refinementParser',
  CUECAST_LLM_REFINEMENT_TIMEOUT_MS: 'llm.refinementTimeoutMs',
  CUECAST_HOST: 'server.host',
  CUECAST_PORT: 'server.port',
  CUECAST_STREAM_TOKENS: 'server.streamTokens',
  CUECAST_OVERLAY_TOKENS: 'server.overlayTokens',
  REDIS_URL: 'server.redisUrl',
  CUECAST_METRICS_TOKEN: 'server.metricsToken',
  CUECAST_STUDIO_TOKEN: 'server.studioToken',
  CUECAST_STREAM_WINDOW_SECONDS: 'stream.windowSeconds',
  CUECAST_STREAM_WINDOW_FRAMES: 'stream.windowFrames',
  CUECAST_STREAM_UPDATE_INTERVAL_MS: 'stream.updateIntervalMs',
  CUECAST_STREAM_MIN_UPDATE_INTERVAL_MS: 'stream.minUpdateIntervalMs',
  CUECAST_STREAM_PICKS: 'stream.picksPerUpdate',
  CUECAST_STREAM_SWITCH_MARGIN: 'stream.switchMargin',
  CUECAST_STREAM_SWITCH_CONFIRM_UPDATES: 'stream.switchConfirmUpdates',
  CUECAST_STREAM_SWITCH_CONFIRM_MS: 'stream.switchConfirmMs',
  CUECAST_STREAM_NO_REPEAT_PICKS: 'stream.noRepeatPicks',
  CUECAST_STREAM_INGEST_FPS: 'stream.ingestFps',
  CUECAST_STREAM_INGEST_STALL_MS: 'stream.ingestStallTimeoutMs',
  CUECAST_STREAM_INGEST_BACKOFF_MS: 'stream.ingestBackoffInitialMs',
  CUECAST_STREAM_INGEST_BACKOFF_MAX_MS: 'stream.ingestBackoffMaxMs',
  CUECAST_STREAM_INGEST_MAX_ATTEMPTS: 'stream.ingestMaxAttempts',
  CUECAST_INGEST_ALLOW_CIDRS: 'stream.ingestAllowCidrs',
  CUECAST_STREAM_MAX_FRAME_BYTES: 'stream.maxFrameBytes',
  CUECAST_STREAM_MAX_FRAME_PIXELS: 'stream.maxFramePixels',
  CUECAST_STREAM_MAX_FPS: 'stream.maxFramesPerSecond',
  CUECAST_STREAM_FRAME_BURST: 'stream.frameBurst',
  CUECAST_STREAM_EVENT_BUDGET: 'stream.eventBudgetPerSecond',
  CUECAST_STREAM_EVENT_BURST: 'stream.eventBudgetBurst',
  CUECAST_STREAM_MAX_PRODUCERS: 'stream.maxProducersPerStream',
  DISCORD_TOKEN: 'discord.token',
  DISCORD_APPLICATION_ID: 'discord.applicationId',
  DISCORD_DEV_GUILD_ID: 'discord.devGuildId',
  DISCORD_API_BASE_URL: 'discord.apiBaseUrl',
  DISCORD_GATEWAY_URL: 'discord.gatewayUrl',
  DISCORD_MESSAGE_CONTENT_INTENT: 'discord.messageContentIntent',
  DISCORD_MAX_CONCURRENT: 'discord.maxConcurrent',
  DISCORD_COOLDOWN_SECONDS: 'discord.cooldownSeconds',
  DISCORD_ACTION_BURST: 'discord.actionBurst',
  DISCORD_ACTIONS_PER_MINUTE: 'discord.actionsPerMinute',
  DISCORD_MAX_CLIP_BYTES: 'discord.maxClipBytes',
  DISCORD_MAX_CLIP_SECONDS: 'discord.maxClipSeconds',
  DISCORD_CONVERSATION_TTL_HOURS: 'discord.conversationTtlHours',
  DISCORD_SHARDS: 'discord.shards',
  DISCORD_SHARD_COUNT: 'discord.shardCount',
};

type Json = Record<string, unknown>;

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]!] = value;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** JSON config file; also `CUECAST_CONFIG`. Environment variables override it. */
  file?: string;
  /** Highest precedence, e.g. from CLI flags, as config paths (`{ 'server.port': 0 }`). */
  overrides?: Readonly<Record<string, unknown>>;
}

/** Parses config once from file + env + overrides, reporting every invalid setting in one error. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const raw: Json = {};
  const issues: string[] = [];
  const source = new Map<string, string>();
  const file = options.file ?? env.CUECAST_CONFIG;
  if (file) {
    if (!existsSync(file)) {
      issues.push(`config file ${file} does not exist`);
    } else {
      try {
        Object.assign(raw, JSON.parse(readFileSync(file, 'utf8')) as Json);
      } catch (error) {
        // Not V8's message: it quotes the text around the error, which may be a token.
        const position = /position (\d+)/.exec((error as Error).message)?.[1];
        issues.push(`config file ${file} is not valid JSON${position ? ` (at character ${position})` : ''}`);
      }
    }
  }
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      setPath(raw, path, value);
      source.set(path, name);
    }
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) {
      setPath(raw, path, value);
      source.delete(path);
    }
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      const origin = source.get(path);
      issues.push(`${origin ? `${origin} (${path})` : path || '(root)'}: ${issue.message}`);
    }
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  return resolveDirs(parsed.data);
}

function resolveDirs(config: Config): Config {
  const dataDir = resolve(config.dataDir);
  return {
    ...config,
    dataDir,
    modelsDir: resolve(config.modelsDir || join(dataDir, 'models')),
    catalogDir: resolve(config.catalogDir || join(dataDir, 'catalog')),
  };
}
