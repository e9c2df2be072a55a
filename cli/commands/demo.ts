import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../core/config.js';
import { ModelError, toCuecastError } from '../../core/errors.js';
import { configureMedia } from '../../core/media/index.js';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { indexMusic } from '../../index-data/indexer.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import { vimlMusicEncoder } from '../../index-data/viml-music.js';
import { createEncoders, loadVimlHeads, type Encoders } from '../../model/index.js';
import { catalogVocabulary } from '../../recommend/catalog-vocabulary.js';
import { clipFeatures } from '../../recommend/clip-features.js';
import { renderTable, runConversation, toRecommendJson } from '../../recommend/conversation.js';
import { Recommender } from '../../recommend/recommender.js';
import type { CliCommand } from '../command.js';
import { loadQueryHeads, openCatalogFor } from '../setup.js';
import { writeDemoClip, writeDemoMusic } from './demo-media.js';
import { STAND_IN_WARNING } from './recommend.js';

export const DEMO_PROMPT = 'upbeat electronic music for a night drive';
export const DEMO_REFINEMENTS = ['faster, over 100 bpm', 'not #1'] as const;
const DEMO_K = 3;
/** How long loading real models may take before the demo falls back to the stand-ins. */
const REAL_MODEL_TIMEOUT_MS = 120_000;

export interface DemoOptions {
  /** Working folder for the generated music, clip and catalogs (default: `<dataDir>/demo`). */
  readonly dir?: string;
  /** Use the random-weight fixture models even when real ones are available. */
  readonly standIn?: boolean;
  readonly json?: boolean;
  /** Config overrides (tests). */
  readonly config?: Readonly<Record<string, unknown>>;
}

function findUpwards(relative: string, marker: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, relative);
    if (existsSync(join(candidate, marker))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/** The random-weight fixture models shipped with the package (tests/fixtures/models), found from here upwards. */
export function fixtureModelsDir(): string | undefined {
  const dir = findUpwards(join('tests', 'fixtures', 'models'), 'clip');
  return dir && existsSync(join(dir, 'clap')) ? dir : undefined;
}

/** Tiny ViML heads exported for the fixture encoders (tests/fixtures/viml). */
export function fixtureHeadsDir(): string | undefined {
  return findUpwards(join('tests', 'fixtures', 'viml'), 'manifest.json');
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ModelError('MODEL_MISSING', `${what} took longer than ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface ChosenEncoders {
  readonly encoders: Encoders;
  readonly config: Config;
  readonly standIn: boolean;
  readonly reason?: string;
}

/** Real CLIP/CLAP when they load (models dir, hub cache or hub); otherwise the fixture stand-ins. */
async function chooseEncoders(options: DemoOptions, log: (line: string) => void): Promise<ChosenEncoders> {
  let reason = 'asked for with --stand-in';
  if (!options.standIn) {
    const config = loadConfig({ overrides: { ...options.config } });
    let encoders: Encoders | undefined;
    try {
      log('loading CLIP and CLAP ...');
      encoders = await createEncoders(config);
      await withTimeout(encoders.warmup(), REAL_MODEL_TIMEOUT_MS, 'loading the models');
      return { encoders, config, standIn: false };
    } catch (error) {
      await encoders?.dispose().catch(() => undefined);
      reason = toCuecastError(error).message.split('\n')[0]!;
    }
  }
  const fixtures = fixtureModelsDir();
  if (!fixtures) throw new ModelError('MODEL_MISSING', `No real models could be loaded (${reason}) and no stand-in models are installed`);
  const config = loadConfig({ overrides: { ...options.config, modelsDir: fixtures, 'encoders.allowRemote': false } });
  return { encoders: await createEncoders(config), config, standIn: true, reason };
}

/** `cuecast demo`: generated music and clip -> catalog -> picks for a prompt and two refinements. */
export async function runDemo(options: DemoOptions, write: (text: string) => void): Promise<number> {
  const log = options.json ? () => undefined : (line: string) => write(`${line}\n`);
  const { encoders, config, standIn, reason } = await chooseEncoders(options, log);
  try {
    configureMedia({ ...config.media });
    if (standIn && !options.json) {
      write(`${STAND_IN_WARNING}\n`);
      log(`(real models unavailable: ${reason})`);
    }
    const dir = resolve(options.dir ?? join(config.dataDir, 'demo'));
    const music = await writeDemoMusic(join(dir, 'music'));
    const clip = await writeDemoClip(join(dir, 'clip.mp4'));
    log(`music: ${music} (generated tones with title/artist/genre tags)`);
    log(`clip:  ${clip} (8 s, three coloured scenes)`);
    // Trained heads (the fixture ones with stand-in encoders) add ViML vectors, so both modes can answer.
    const headsDir = standIn ? fixtureHeadsDir() : existsSync(join(config.modelsDir, 'viml', 'manifest.json')) ? join(config.modelsDir, 'viml') : undefined;
    const heads = headsDir ? await loadVimlHeads(encoders, config, { dir: headsDir }) : undefined;
    const catalogDir = join(dir, standIn ? 'catalog-stand-in' : 'catalog');
    const summary = await indexMusic({
      roots: [music],
      catalogDir,
      encoders: heads ? { ...encoders, vimlMusic: vimlMusicEncoder(heads) } : encoders,
      audio: mediaAudioSource(),
      metadata: musicMetadataReader,
      describer: (cache) => createDescriber('template', undefined, cache),
      segmentSeconds: config.catalog.segmentSeconds,
      hopSeconds: config.catalog.hopSeconds,
      jobs: config.catalog.jobs,
      maxTrackSeconds: config.catalog.maxTrackSeconds,
    });
    log(`catalog: ${catalogDir} (${summary.tracks} tracks; ${summary.indexed} indexed now, ${summary.unchanged} unchanged)`);
    if (!heads) log('no trained ViML heads in the models directory: zero-shot only');
    const catalog = openCatalogFor(catalogDir, encoders);
    try {
      const frameEmbeddings = await clipFeatures(clip, encoders.clipImage, { fps: config.video.fps, maxFrames: config.video.maxFrames });
      const vimlHeads = headsDir ? await loadQueryHeads(encoders, config, headsDir) : undefined;
      const variants = [undefined, ...(vimlHeads ? [vimlHeads] : [])];
      let found = true;
      log(`prompt: "${DEMO_PROMPT}"; refinements: ${DEMO_REFINEMENTS.map((r) => `"${r}"`).join(', ')}\n`);
      for (const viml of variants) {
        const recommender = new Recommender({ catalog, clipText: encoders.clipText, clapText: encoders.clapText, vocabulary: catalogVocabulary(catalog), ...(viml ? { viml } : {}) });
        const turns = await runConversation(recommender, { frameEmbeddings, prompt: DEMO_PROMPT, refinements: DEMO_REFINEMENTS, k: DEMO_K });
        found &&= turns.at(-1)!.result.picks.length > 0;
        if (options.json) {
          const json = toRecommendJson(turns, {
            video: clip,
            frames: frameEmbeddings.length,
            prompt: DEMO_PROMPT,
            refinements: DEMO_REFINEMENTS,
            k: DEMO_K,
            encoders: { clip: encoders.clipText.info.modelId, clap: encoders.clapText.info.modelId, standIn },
          });
          write(`${JSON.stringify(json)}\n`);
        } else {
          log(`=== ${recommender.mode} mode${viml ? ` (heads: ${viml.dir})` : ''} ===`);
          write(renderTable(turns));
        }
      }
      const models = standIn ? ` --models ${config.modelsDir}` : '';
      const headsFlag = standIn && headsDir ? ` --heads ${headsDir}` : '';
      log(`the same from the command line:\n  cuecast recommend ${clip} --catalog ${catalogDir}${models}${headsFlag} --prompt "${DEMO_PROMPT}" ${DEMO_REFINEMENTS.map((r) => `--refine "${r}"`).join(' ')}`);
      if (standIn && !options.json) write(`${STAND_IN_WARNING}\n`);
      return found ? 0 : 1;
    } finally {
      await catalog.close();
    }
  } finally {
    await encoders.dispose();
  }
}

export const demoCommand: CliCommand = {
  name: 'demo',
  register(program: Command): void {
    program
      .command('demo')
      .description('a full round trip on generated media: music folder -> catalog -> picks for a clip, a prompt and two refinements')
      .option('--dir <dir>', 'working folder (default: <dataDir>/demo)')
      .option('--stand-in', 'use the random-weight fixture models even if real ones are available')
      .option('--json', 'print the final answer as JSON (schema: docs/recommend.md)')
      .action(async (flags: { dir?: string; standIn?: boolean; json?: boolean }) => {
        try {
          process.exitCode = await runDemo({ ...(flags.dir ? { dir: flags.dir } : {}), standIn: flags.standIn === true, json: flags.json === true }, (t) => process.stdout.write(t));
        } catch (error) {
          const e = toCuecastError(error);
          process.stderr.write(`error ${e.code}: ${e.message.split('\n')[0]}\n`);
          process.exitCode = 1;
        }
      });
  },
};
