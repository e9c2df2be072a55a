import { describe, expect, it } from 'vitest';
import { progressReporter, renderSummary } from '../../cli/commands/index.js';
import type { IndexEvent } from '../../index-data/indexer.js';

function capture(mode: 'json' | 'tty' | 'plain', clock: { t: number }): { out: string[]; report: (e: IndexEvent) => void } {
  const out: string[] = [];
  return { out, report: progressReporter(mode, { write: (s: string) => out.push(s) }, () => clock.t) };
}

const file = (done: number, status: 'indexed' | 'skipped' = 'indexed'): IndexEvent => ({
  event: 'file',
  status,
  path: `/m/${done}.flac`,
  done,
  total: 10,
  ...(status === 'skipped' ? { reason: 'corrupt', code: 'MEDIA_UNREADABLE' } : {}),
});

/** Summary fields of a run with nothing silent, damaged or without a BPM. */
const QUIET = { silent: [], damaged: [], withoutBpm: {}, audioSeconds: 0 };

describe('index progress', () => {
  it('on a TTY, redraws one bar line with counts, rate and ETA', () => {
    const clock = { t: 0 };
    const { out, report } = capture('tty', clock);
    report({ event: 'scan', files: 10, problems: 0 });
    clock.t = 4000;
    report(file(4));
    const line = out.at(-1)!;
    expect(line.startsWith('\r\x1b[2K')).toBe(true);
    expect(line).toContain('4/10');
    expect(line).toContain('1.00 files/s');
    expect(line).toContain('ETA 0:06');
    expect(line).toMatch(/\[#{10}\.{14}\]/);
    report({ event: 'done', summary: { indexed: 4, unchanged: 0, removed: 0, tracks: 4, elapsedMs: 4000, skipped: [], descriptionFallbacks: { descriptions: 0, reasons: {} }, ...QUIET } });
    expect(out.at(-1)).toBe('\n');
  });

  it('with --json, writes each event as one JSON line', () => {
    const { out, report } = capture('json', { t: 0 });
    report(file(1, 'skipped'));
    expect(out).toHaveLength(1);
    expect(out[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(out[0]!)).toMatchObject({ event: 'file', status: 'skipped', code: 'MEDIA_UNREADABLE' });
  });

  it('without a TTY, prints skipped files as plain lines and no bar', () => {
    const { out, report } = capture('plain', { t: 0 });
    report(file(1));
    report(file(2, 'skipped'));
    expect(out).toEqual(['skipped /m/2.flac: corrupt\n']);
  });

  it('summarises skipped files with their reasons and codes', () => {
    const text = renderSummary({
      ...QUIET,
      indexed: 3,
      unchanged: 1,
      removed: 0,
      tracks: 4,
      elapsedMs: 65_000,
      descriptionFallbacks: { descriptions: 0, reasons: {} },
      generation: 'g-1',
      skipped: [{ path: '/m/x.mp3', reason: 'corrupt', code: 'MEDIA_UNREADABLE' }],
    });
    expect(text).toContain('4 tracks in the catalog: 3 indexed, 1 unchanged, 0 removed, 1 skipped (1:05)');
    expect(text).toContain('  /m/x.mp3: corrupt [MEDIA_UNREADABLE]');
    expect(text).not.toContain('fell back');
  });

  it('counts descriptions that fell back to the template, by reason, most frequent first', () => {
    const text = renderSummary({
      ...QUIET,
      indexed: 5,
      unchanged: 0,
      removed: 0,
      tracks: 5,
      elapsedMs: 1_000,
      descriptionFallbacks: { descriptions: 3, reasons: { 'non-words': 1, 'off-topic': 2 } },
      generation: 'g-2',
      skipped: [],
    });
    expect(text).toContain('3 description(s) fell back to the template: off-topic 2, non-words 1');
  });

  it('gives the ETA from decoded audio seconds per second once the plan is known, not from file counts', () => {
    const clock = { t: 0 };
    const { out, report } = capture('tty', clock);
    report({ event: 'scan', files: 4, problems: 0 });
    report({ event: 'plan', files: 4, toProcess: 4, audioSeconds: 1000 });
    // One short file first: by file count 1 of 4 in 10 s would say 0:30 left; by audio, 100 of 1000 s in 10 s is 1:30.
    clock.t = 10_000;
    report({ event: 'file', status: 'indexed', path: '/m/short.flac', done: 1, total: 4, audioSeconds: 100 });
    const line = out.at(-1)!;
    expect(line).toContain('10.0x realtime');
    expect(line).toContain('ETA 1:30');
  });

  it('summarises silent tracks, damaged files kept and tracks without a BPM', () => {
    const text = renderSummary({
      ...QUIET,
      indexed: 3,
      unchanged: 0,
      removed: 0,
      tracks: 3,
      elapsedMs: 1_000,
      generation: 'g-3',
      skipped: [],
      descriptionFallbacks: { descriptions: 0, reasons: {} },
      silent: ['/m/silence.ogg'],
      damaged: [{ path: '/m/hurt.mp3', note: 'damaged data was skipped while decoding; 95.19 of 95.37 s decoded' }],
      withoutBpm: { silent: 1, 'no-steady-beat': 1 },
      audioSeconds: 300,
    });
    expect(text).toContain('silent (never recommended): 1');
    expect(text).toContain('  /m/silence.ogg');
    expect(text).toContain('damaged but indexed: 1');
    expect(text).toContain('  /m/hurt.mp3: damaged data was skipped while decoding; 95.19 of 95.37 s decoded');
    expect(text).toContain('no BPM: silent 1, no-steady-beat 1');
  });
});
