import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, MediaError } from '../../core/errors.js';
import { DESCRIPTION_MODES as MODES } from '../../index-data/describe/llm-backends.js';
import type { CliCommand } from '../command.js';
import { announceStandIn, reportError } from '../output.js';

interface Flags {
  out: string;
  models?: string;
  describer?: string;
  shardSize: string;
  val: string;
  test: string;
  json?: boolean;
}

function fraction(name: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InputError('INPUT_INVALID', `${name} takes a fraction from 0 to below 1, got ${value}`);
  return n;
}

export const prepareTrainingCommand: CliCommand = {
  name: 'prepare-training',
  register(program: Command): void {
    program
      .command('prepare-training')
      .description('videos with their own soundtrack (or a CSV of video,audio pairs) -> ViML training shards (docs/training-data.md)')
      .argument('<input>', 'folder of videos, or a .csv with video and audio columns (paths relative to the CSV)')
      .requiredOption('--out <dir>', 'dataset folder to write (replaced atomically)')
      .option('--describer <mode>', `text for each segment: ${MODES.join(', ')} (default: config llm.backend)`)
      .option('--shard-size <n>', 'rows per shard', '256')
      .option('--val <fraction>', 'share of tracks for validation', '0.1')
      .option('--test <fraction>', 'share of tracks held out for evaluation', '0.1')
      .option('--models <dir>', 'models directory holding clip/ and clap/ (default: config modelsDir)')
      .option('--json', 'one JSON object per event on stdout')
      .action(async (input: string, flags: Flags) => {
        try {
          await runPrepareTraining(input, flags, checkFlags(input, flags));
        } catch (error) {
          process.exitCode = reportError(error, { json: flags.json, asEvent: true });
        }
      });
  },
};

interface CheckedFlags {
  readonly shardSize: number;
  readonly valFraction: number;
  readonly testFraction: number;
}

/** The input exists and the flags are in range, before any model loads. */
function checkFlags(input: string, flags: Flags): CheckedFlags {
  if (!existsSync(resolve(input))) throw new MediaError('MEDIA_NOT_FOUND', `${resolve(input)} does not exist; give a folder of videos or a CSV of video,audio pairs`, { path: resolve(input) });
  if (flags.describer && !(MODES as readonly string[]).includes(flags.describer)) {
    throw new InputError('INPUT_INVALID', `unknown --describer "${flags.describer}". Should be one of: ${MODES.join(', ')}`);
  }
  const shardSize = Number(flags.shardSize);
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new InputError('INPUT_INVALID', `--shard-size takes a whole number >= 1, got ${flags.shardSize}`);
  const valFraction = fraction('--val', flags.val);
  const testFraction = fraction('--test', flags.test);
  return { shardSize, valFraction, testFraction };
}

async function runPrepareTraining(input: string, flags: Flags, { shardSize, valFraction, testFraction }: CheckedFlags): Promise<void> {
  const [{ configWithFlags }, { configureMedia }, { MemoryDescriptionCache }, { createDescriber, createLlmBackend }, { mediaAudioSource }, { prepareTraining, readTrainingInput }, { createEncoders }] =
    await Promise.all([
      import('../setup.js'),
      import('../../core/media/index.js'),
      import('../../index-data/describe/cache.js'),
      import('../../index-data/describe/from-config.js'),
      import('../../index-data/media-source.js'),
      import('../../index-data/training/prepare.js'),
      import('../../model/index.js'),
    ]);
  const config = configWithFlags(flags, flags.describer ? { 'llm.backend': flags.describer } : {});
  configureMedia(config.media);
  const pairs = await readTrainingInput(input).catch((error: unknown) => {
    throw new InputError('INPUT_INVALID', (error as Error).message);
  });
  if (pairs.length === 0) throw new InputError('INPUT_INVALID', `no videos found in ${resolve(input)}`);
  const llm = await createLlmBackend(config);
  const encoders = await createEncoders(config).catch(async (error: unknown) => {
    await llm?.dispose?.();
    throw error;
  });
  try {
    const standIn = await announceStandIn(encoders);
    if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'models', clip: encoders.clipText.info.modelId, clap: encoders.clapText.info.modelId, standIn })}\n`);
    const summary = await prepareTraining({
      pairs,
      outDir: flags.out,
      encoders,
      audio: mediaAudioSource(),
      describer: createDescriber(config.llm.backend, llm, new MemoryDescriptionCache()),
      fps: config.video.fps,
      maxFrames: config.video.maxFrames,
      segmentSeconds: config.catalog.segmentSeconds,
      hopSeconds: config.catalog.hopSeconds,
      shardSize,
      valFraction,
      testFraction,
      onEvent: (event) => {
        if (flags.json) process.stdout.write(`${JSON.stringify(event)}\n`);
        else if (event.event === 'pair') process.stderr.write(`${event.done}/${event.total} ${event.status} ${event.video}${event.reason ? `: ${event.reason}` : ` (${event.segments} segments)`}\n`);
      },
    });
    if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'done', standIn, summary })}\n`);
    else
      process.stderr.write(
        `wrote ${summary.rows} rows in ${summary.shards.length} shards to ${resolve(flags.out)} (train ${summary.splits.train}, val ${summary.splits.val}, test ${summary.splits.test}); ${summary.skipped.length} skipped\n`,
      );
    process.exitCode = summary.skipped.length > 0 ? 2 : 0;
  } finally {
    await encoders.dispose();
    await llm?.dispose?.();
  }
}
