import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, MediaError } from '../../core/errors.js';
import { DESCRIPTION_MODES as MODES } from '../../index-data/describe/llm-backends.js';
import type { IndexEvent, IndexSummary } from '../../index-data/indexer.js';
import type { CliCommand } from '../command.js';
import { announceStandIn, reportError } from '../output.js';

interface IndexFlags {
  catalog?: string;
  models?: string;
  jobs?: string;
  json?: boolean;
  describer?: string;
  catalogName?: string;
}

/** Exit codes: 0 everything indexed, 2 some files skipped (listed), 1 the run failed. */
export const EXIT_SKIPPED = 2;

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Live bar on a TTY (counts, rate, ETA), plain lines otherwise, one JSON object per line with --json. */
export function progressReporter(mode: 'json' | 'tty' | 'plain', out: { write(text: string): unknown }, now: () => number = Date.now): (event: IndexEvent) => void {
  const started = now();
  let processed = 0;
  let barShown = false;
  /** Audio still to decode and decoded so far, once the indexer has planned (after hashing and probing). */
  let plannedAudio: number | undefined;
  let decodedAudio = 0;
  let planAt = started;
  return (event) => {
    if (mode === 'json') {
      out.write(`${JSON.stringify(event)}\n`);
      return;
    }
    if (event.event === 'scan') {
      out.write(`found ${event.files} audio files${event.problems ? ` (${event.problems} other entries skipped)` : ''}\n`);
    } else if (event.event === 'plan') {
      plannedAudio = event.audioSeconds;
      planAt = now();
    } else if (event.event === 'file') {
      if (event.status === 'indexed') processed++;
      decodedAudio += event.audioSeconds ?? 0;
      const elapsed = now() - started;
      const rate = event.done / Math.max(elapsed / 1000, 1e-3);
      let speed = '';
      let eta = rate > 0 ? ((event.total - event.done) / rate) * 1000 : 0;
      // Work is decoding audio, not counting files: a library of short and long tracks fools a file rate.
      if (plannedAudio !== undefined && plannedAudio > 0 && decodedAudio > 0) {
        const realtime = decodedAudio / Math.max((now() - planAt) / 1000, 1e-3);
        speed = `  ${realtime.toFixed(1)}x realtime`;
        eta = (Math.max(0, plannedAudio - decodedAudio) / realtime) * 1000;
      }
      const width = 24;
      const filled = Math.round((event.done / Math.max(event.total, 1)) * width);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${event.done}/${event.total}  ${processed} new  ${rate.toFixed(2)} files/s${speed}  ETA ${formatDuration(eta)}`;
      if (mode === 'tty') {
        out.write(`\r\x1b[2K${line}`);
        barShown = true;
      } else if (event.status === 'skipped') out.write(`skipped ${event.path}: ${event.reason}\n`);
    } else if (event.event === 'publish' || event.event === 'done') {
      if (mode === 'tty' && barShown) out.write('\n');
      barShown = false;
      if (event.event === 'publish') out.write(`published ${event.tracks} tracks, ${event.segments} segments (generation ${event.generation})\n`);
    } else {
      // 'database': the PostgreSQL copy's progress.
      if (mode === 'tty' && barShown) out.write('\n');
      barShown = false;
      out.write(`postgres: ${event.message}\n`);
    }
  };
}

export function renderSummary(summary: IndexSummary): string {
  const lines = [
    `${summary.tracks} tracks in the catalog: ${summary.indexed} indexed, ${summary.unchanged} unchanged, ${summary.removed} removed, ${summary.skipped.length} skipped (${formatDuration(summary.elapsedMs)})`,
  ];
  if (!summary.generation) lines.push('catalog already up to date: nothing published');
  if (summary.database) {
    const db = summary.database;
    lines.push(
      `PostgreSQL catalog "${db.catalog}": ${db.status === 'unchanged' ? 'already serves this content' : `generation ${db.generation} published${db.status === 'resumed' ? ' (an interrupted copy resumed)' : ''}`}`,
    );
  }
  const fallbacks = summary.descriptionFallbacks;
  if (fallbacks.descriptions > 0) {
    const reasons = Object.entries(fallbacks.reasons)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    lines.push(`${fallbacks.descriptions} description(s) fell back to the template: ${reasons}`);
  }
  if (summary.silent.length > 0) {
    lines.push(`silent (never recommended): ${summary.silent.length}`);
    for (const path of summary.silent) lines.push(`  ${path}`);
  }
  if (summary.damaged.length > 0) {
    lines.push(`damaged but indexed: ${summary.damaged.length}`);
    for (const d of summary.damaged) lines.push(`  ${d.path}: ${d.note}`);
  }
  const withoutBpm = Object.entries(summary.withoutBpm);
  if (withoutBpm.length > 0) lines.push(`no BPM: ${withoutBpm.map(([reason, count]) => `${reason} ${count}`).join(', ')}`);
  if (summary.skipped.length > 0) {
    lines.push('skipped:');
    for (const s of summary.skipped) lines.push(`  ${s.path}: ${s.reason} [${s.code}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every folder to index must exist before any model loads: a typo must not look like an empty library. */
export function checkMusicFolders(dirs: readonly string[]): void {
  for (const dir of dirs) {
    const path = resolve(dir);
    if (!existsSync(path)) throw new MediaError('MEDIA_NOT_FOUND', `The music folder ${path} does not exist; give the folder that holds your audio files`, { path });
    if (!statSync(path).isDirectory()) throw new InputError('INPUT_INVALID', `${path} is a file, not a folder; cuecast index takes folders of audio files`, { path });
  }
}

async function runIndex(dirs: string[], flags: IndexFlags): Promise<number> {
  if (flags.describer && !(MODES as readonly string[]).includes(flags.describer)) {
    throw new InputError('INPUT_INVALID', `unknown --describer "${flags.describer}". Should be one of: ${MODES.join(', ')}`);
  }
  checkMusicFolders(dirs);
  const [
    { configWithFlags },
    { configureMedia },
    { createDescriber, createLlmBackend },
    { catalogIndexSettings, indexMusic },
    { mediaAudioSource },
    { musicMetadataReader },
    { vimlMusicEncoder },
    { createEncoders, loadVimlHeads },
    { pgHnswBuild, pgSettings },
    { pgCatalogLocation },
  ] = await Promise.all([
    import('../setup.js'),
    import('../../core/media/index.js'),
    import('../../index-data/describe/from-config.js'),
    import('../../index-data/indexer.js'),
    import('../../index-data/media-source.js'),
    import('../../index-data/metadata.js'),
    import('../../index-data/viml-music.js'),
    import('../../model/index.js'),
    import('../../index-data/storage/open.js'),
    import('../../index-data/storage/pg/location.js'),
  ]);
  const config = configWithFlags(flags, {
    ...(flags.jobs ? { 'catalog.jobs': flags.jobs } : {}),
    ...(flags.describer ? { 'llm.backend': flags.describer } : {}),
  });
  configureMedia(config.media);
  const mode = config.llm.backend;
  const llm = await createLlmBackend(config, mode);
  const encoders = await createEncoders(config).catch(async (error: unknown) => {
    await llm?.dispose?.();
    throw error;
  });
  const standIn = await announceStandIn(encoders);
  if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'models', clip: encoders.clipText.info.modelId, clap: encoders.clapText.info.modelId, standIn })}\n`);
  // Trained heads (in <models>/viml, or the stand-ins' own) add ViML music vectors to every segment; without them the catalog is zero-shot only.
  const headsDir = encoders.standIn?.headsDir ?? join(config.modelsDir, 'viml');
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new InputError('INPUT_INVALID', 'interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const database = config.database.url ? { location: pgCatalogLocation(pgSettings(config)), hnsw: pgHnswBuild(config) } : undefined;
  try {
    const heads = existsSync(join(headsDir, 'manifest.json')) ? await loadVimlHeads(encoders, config, { dir: headsDir }) : undefined;
    const reporter = progressReporter(flags.json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain', flags.json ? process.stdout : process.stderr);
    const summary = await indexMusic({
      roots: dirs,
      catalogDir: config.catalogDir,
      encoders: heads ? { ...encoders, vimlMusic: vimlMusicEncoder(heads) } : encoders,
      audio: mediaAudioSource(),
      metadata: musicMetadataReader,
      describer: (cache) => createDescriber(mode, llm, cache),
      ...catalogIndexSettings(config.catalog),
      onEvent: reporter,
      signal: controller.signal,
      ...(database ? { database } : {}),
    });
    if (!flags.json) process.stderr.write(renderSummary(summary));
    return summary.skipped.length > 0 ? EXIT_SKIPPED : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await encoders.dispose();
    await llm?.dispose?.();
    await database?.location.pool.end();
  }
}

export const indexCommand: CliCommand = {
  name: 'index',
  register(program: Command): void {
    program
      .command('index')
      .description('index music folders into the catalog (re-runs only process what changed)')
      .argument('<dir...>', 'folders of audio files (mp3, flac, wav, ogg, opus, m4a/aac, aiff)')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--catalog-name <name>', 'which catalog of the PostgreSQL database (with CUECAST_DATABASE_URL; default: config database.catalogName)')
      .option('--models <dir>', 'models directory holding clip/ and clap/ (default: config modelsDir)')
      .option('--jobs <n>', 'files processed at once (default: config catalog.jobs)')
      .option('--describer <mode>', `description backend: ${MODES.join(', ')} (default: config llm.backend)`)
      .option('--json', 'one JSON object per progress event on stdout')
      .action(async (dirs: string[], flags: IndexFlags) => {
        process.exitCode = await runIndex(dirs, flags).catch((error: unknown) => reportError(error, { json: flags.json, asEvent: true }));
      });
  },
};
