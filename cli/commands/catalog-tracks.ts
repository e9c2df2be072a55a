import type { Command } from 'commander';
import type { CatalogListing, TrackListing } from '../../index-data/listing.js';
import { reportError } from '../output.js';

function minutes(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function trackLine(t: TrackListing): string {
  const bpm = t.bpm !== null ? `${Math.round(t.bpm)} BPM` : `no BPM: ${t.bpmReason}`;
  const loudness = t.loudnessLufs !== null ? `${t.loudnessLufs.toFixed(1)} LUFS` : 'loudness not measured';
  const notes = [t.silent ? 'SILENT (never recommended)' : t.silentSegments > 0 ? `${t.silentSegments}/${t.segments} segments silent` : '', t.damaged ? `DAMAGED: ${t.damaged.note}` : ''].filter(
    (n) => n !== '',
  );
  return [
    `${t.id}  ${t.path}`,
    `    ${t.artist} - ${t.title}${t.album ? ` (${t.album})` : ''}  ${minutes(t.durationSeconds)}  ${bpm}  ${loudness}`,
    `    tags: ${t.topTags.join(', ') || 'none'}`,
    ...notes.map((n) => `    ${n}`),
  ].join('\n');
}

export function renderListing(listing: CatalogListing): string {
  const lines = listing.tracks.map(trackLine);
  lines.push(`${listing.tracks.length} track${listing.tracks.length === 1 ? '' : 's'}; ${listing.skipped.length} file${listing.skipped.length === 1 ? '' : 's'} skipped`);
  for (const s of listing.skipped) lines.push(`  skipped ${s.path}: ${s.reason} [${s.code}]`);
  return `${lines.join('\n')}\n`;
}

/** `cuecast catalog tracks [--json]`: every track with what the indexer found, and the skipped files. */
export function registerCatalogTracks(catalog: Command): void {
  catalog
    .command('tracks')
    .description('every track (id, path, title, artist, duration, BPM or why none, loudness, silent, damaged, top tags) and the skipped files with reasons')
    .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
    .option('--json', 'print {"tracks":[...],"skipped":[...]}')
    .action(async (flags: { catalog?: string; json?: boolean }) => {
      try {
        const [{ configWithFlags }, { listCatalog }] = await Promise.all([import('../config-flags.js'), import('../../index-data/listing.js')]);
        // The listing reads the catalog folder, which keeps the indexer's work files also when the catalog is published to PostgreSQL.
        const listing = listCatalog(configWithFlags(flags).catalogDir);
        process.stdout.write(flags.json ? `${JSON.stringify(listing)}\n` : renderListing(listing));
      } catch (error) {
        process.exitCode = reportError(error, flags);
      }
    });
}
