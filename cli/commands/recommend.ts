import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CuecastError, InputError, MediaError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import { announceStandIn, reportError } from '../output.js';

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

/** Runs one `cuecast recommend`, printing to stdout; returns the exit code. */
export async function runRecommend(video: string, flags: RecommendFlags, configOverrides: Readonly<Record<string, unknown>> = {}): Promise<number> {
  try {
    const [{ configureMedia }, { clipFeatures }, { renderTable, runConversation, toRecommendJson }, { configWithFlags, createRecommender, withEncodersAndCatalog }] = await Promise.all([
      import('../../core/media/index.js'),
      import('../../recommend/clip-features.js'),
      import('../../recommend/conversation.js'),
      import('../setup.js'),
    ]);
    const k = Number(flags.k);
    if (!Number.isInteger(k) || k < 1 || k > 50) throw new InputError('INPUT_INVALID', `--k takes a whole number from 1 to 50, got ${flags.k}`);
    const config = configWithFlags(flags, configOverrides);
    for (const text of [flags.prompt ?? '', ...flags.refine]) {
      if (text.length > config.maxTextChars) throw new InputError('PROMPT_TOO_LONG', `A prompt or refinement is ${text.length} characters; the limit is ${config.maxTextChars} (maxTextChars)`);
    }
    // A URL (http(s), rtmp, srt) is read as is; anything else is a path, checked before models load.
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(video);
    const input = isUrl ? video : resolve(video);
    if (!isUrl && !existsSync(input)) throw new MediaError('MEDIA_NOT_FOUND', `The video file ${input} does not exist`, { path: input });
    configureMedia({ ...config.media });
    return await withEncodersAndCatalog(config, async (encoders, catalog) => {
      const standIn = await announceStandIn(encoders);
      const recommender = await createRecommender(config, encoders, catalog, flags.heads ? resolve(flags.heads) : undefined);
      const frameEmbeddings = await clipFeatures(input, encoders.clipImage, { fps: config.video.fps, maxFrames: config.video.maxFrames });
      const turns = await runConversation(recommender, {
        frameEmbeddings,
        ...(flags.prompt ? { prompt: flags.prompt } : {}),
        refinements: flags.refine,
        k,
        dedupeArtists: !flags.sameArtist,
      });
      const final = turns.at(-1)!.result;
      if (flags.json) {
        const json = toRecommendJson(turns, {
          video: input,
          frames: frameEmbeddings.length,
          prompt: flags.prompt ?? null,
          refinements: flags.refine,
          k,
          encoders: { clip: encoders.clipText.info.modelId, clap: encoders.clapText.info.modelId, standIn },
        });
        process.stdout.write(`${JSON.stringify({ ...json, standIn })}\n`);
      } else {
        process.stdout.write(renderTable(turns));
      }
      if (final.picks.length === 0) {
        return reportError(new CuecastError('NO_RESULTS', final.notes.find((n) => n.startsWith('nothing fits')) ?? final.notes.at(-1) ?? 'no track fits'));
      }
      return 0;
    });
  } catch (error) {
    return reportError(error, flags);
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
      .option('--catalog-name <name>', 'which catalog of the PostgreSQL database (with CUECAST_DATABASE_URL; default: config database.catalogName)')
      .option('--models <dir>', 'models directory holding clip/ and clap/ (default: config modelsDir)')
      .option('--same-artist', 'allow several picks by one artist')
      .option('--heads <dir>', 'trained ViML heads (default: <models>/viml when present)')
      .option('--json', 'print JSON (schema: docs/recommend.md)')
      .action(async (video: string, flags: RecommendFlags) => {
        process.exitCode = await runRecommend(video, flags);
      });
  },
};
