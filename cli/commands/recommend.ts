import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, toCuecastError } from '../../core/errors.js';
import { configureMedia } from '../../core/media/index.js';
import { clipFeatures } from '../../recommend/clip-features.js';
import { renderTable, runConversation, toRecommendJson } from '../../recommend/conversation.js';
import type { CliCommand } from '../command.js';
import { configWithFlags, createRecommender, withEncodersAndCatalog } from '../setup.js';

export interface RecommendFlags {
  readonly prompt?: string;
  readonly refine: string[];
  readonly k: string;
  readonly catalog?: string;
  readonly models?: string;
  readonly json?: boolean;
  readonly sameArtist?: boolean;
  /** ViML heads directory (default: `<models>/viml` when it holds a manifest). */
  readonly heads?: string;
}

/** Model ids of the project's random-weight fixture models (tests/fixtures/models). */
export const isStandInModel = (modelId: string): boolean => /tiny-random/.test(modelId);

export const STAND_IN_WARNING = [
  '!!! ------------------------------------------------------------------------------- !!!',
  '!!! These encoders are RANDOM-WEIGHT STAND-INS (tests/fixtures/models), not CLIP/CLAP. !!!',
  '!!! The pipeline runs end to end, but the picks and scores are NOT meaningful.       !!!',
  '!!! ------------------------------------------------------------------------------- !!!',
].join('\n');

/** Runs one `cuecast recommend`, printing to stdout; returns the exit code. */
export async function runRecommend(video: string, flags: RecommendFlags, configOverrides: Readonly<Record<string, unknown>> = {}): Promise<number> {
  try {
    const k = Number(flags.k);
    if (!Number.isInteger(k) || k < 1 || k > 50) throw new InputError('INPUT_INVALID', `--k takes a whole number from 1 to 50, got ${flags.k}`);
    const config = configWithFlags(flags, configOverrides);
    for (const text of [flags.prompt ?? '', ...flags.refine]) {
      if (text.length > config.maxTextChars) throw new InputError('PROMPT_TOO_LONG', `A prompt or refinement is ${text.length} characters; the limit is ${config.maxTextChars} (maxTextChars)`);
    }
    configureMedia({ ...config.media });
    return await withEncodersAndCatalog(config, async (encoders, catalog) => {
      const recommender = await createRecommender(config, encoders, catalog, flags.heads ? resolve(flags.heads) : undefined);
      const frameEmbeddings = await clipFeatures(resolve(video), encoders.clipImage, { fps: config.video.fps, maxFrames: config.video.maxFrames });
      const turns = await runConversation(recommender, {
        frameEmbeddings,
        ...(flags.prompt ? { prompt: flags.prompt } : {}),
        refinements: flags.refine,
        k,
        dedupeArtists: !flags.sameArtist,
      });
      const standIn = isStandInModel(encoders.clipText.info.modelId) || isStandInModel(encoders.clapText.info.modelId);
      const final = turns.at(-1)!.result;
      if (flags.json) {
        const json = toRecommendJson(turns, {
          video: resolve(video),
          frames: frameEmbeddings.length,
          prompt: flags.prompt ?? null,
          refinements: flags.refine,
          k,
          encoders: { clip: encoders.clipText.info.modelId, clap: encoders.clapText.info.modelId, standIn },
        });
        process.stdout.write(`${JSON.stringify(json)}\n`);
      } else {
        if (standIn) process.stdout.write(`${STAND_IN_WARNING}\n`);
        process.stdout.write(renderTable(turns));
      }
      if (final.picks.length === 0) {
        process.stderr.write(`error NO_RESULTS: ${final.notes.at(-1) ?? 'no track fits'}\n`);
        return 1;
      }
      return 0;
    });
  } catch (error) {
    const e = toCuecastError(error);
    process.stderr.write(`error ${e.code}: ${e.message.split('\n')[0]}\n`);
    return 1;
  }
}

export const recommendCommand: CliCommand = {
  name: 'recommend',
  register(program: Command): void {
    program
      .command('recommend')
      .description('recommend music from the catalog for a video clip, with an optional prompt and refinements')
      .argument('<video>', 'video file')
      .option('--prompt <text>', 'what the music should be like ("dreamy lo-fi, no vocals")')
      .option('--refine <text>', 'a follow-up turn ("faster", "more like #2"); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--k <n>', 'how many picks', '5')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--models <dir>', 'models directory (default: config modelsDir)')
      .option('--same-artist', 'allow several picks by one artist')
      .option('--heads <dir>', 'trained ViML heads (default: <models>/viml when present)')
      .option('--json', 'print JSON (schema: docs/recommend.md)')
      .action(async (video: string, flags: RecommendFlags) => {
        process.exitCode = await runRecommend(video, flags);
      });
  },
};
