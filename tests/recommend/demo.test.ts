import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_REFINEMENTS, fixtureHeadsDir, fixtureModelsDir, runDemo } from '../../cli/commands/demo.js';
import { runRecommend } from '../../cli/commands/recommend.js';
import { openCatalog } from '../../index-data/catalog.js';
import { recommendJsonSchema, type RecommendJson } from '../../recommend/conversation.js';

// The full round trip on real parts: ffmpeg-generated music and clip, the real indexer and catalog,
// the fixture (random-weight) CLIP/CLAP ONNX models in worker threads, and the CLI entry points.
const work = mkdtempSync(join(tmpdir(), 'cuecast-demo-'));
const config = { dataDir: join(work, 'data'), logLevel: 'silent', 'encoders.workers': 1, 'encoders.threads': 1 };
let demoOutput = '';
let demo: RecommendJson;
let demoViml: RecommendJson;

beforeAll(async () => {
  const code = await runDemo({ dir: work, standIn: true, json: true, config }, (t) => {
    demoOutput += t;
  });
  expect(code).toBe(0);
  const lines = demoOutput
    .trim()
    .split('\n')
    .map((line) => recommendJsonSchema.parse(JSON.parse(line)));
  expect(lines.map((l) => l.mode)).toEqual(['zero-shot', 'viml']);
  [demo, demoViml] = lines as [RecommendJson, RecommendJson];
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(video: string, flags: Partial<Parameters<typeof runRecommend>[1]> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await runRecommend(video, { refine: [], k: '3', catalog: join(work, 'catalog-stand-in'), models: fixtureModelsDir()!, ...flags }, { ...config, 'encoders.allowRemote': false });
    // The stand-in banner is expected on stderr (the fixture models are the stand-ins); the rest is checked.
    expect(stderr).toMatch(/STAND-IN MODELS|^error (MEDIA_NOT_FOUND|PROMPT_TOO_LONG)/);
    return { code, stdout, stderr: stderr.replace(/^!!! .*\n/gm, '').replace(/^\(.*see docs\/models\.md to install the real models\)\n/gm, '') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('cuecast demo (stand-in models)', () => {
  it('says the encoders are stand-ins', () => {
    expect(demo.encoders.standIn).toBe(true);
  });

  it.each(['zero-shot', 'viml'])('in %s mode, answers the prompt and both refinements, and the final picks respect every constraint', (mode) => {
    const answer = mode === 'viml' ? demoViml : demo;
    expect(answer.mode).toBe(mode);
    expect(answer.turns.map((t) => t.refinement)).toEqual([null, ...DEMO_REFINEMENTS]);
    expect(answer.picks.length).toBeGreaterThan(0);
    const firstAfterFaster = answer.turns[1]!.picks[0]!;
    expect(answer.picks.map((p) => p.trackId)).not.toContain(firstAfterFaster);
    for (const pick of answer.picks) {
      expect(pick.bpm).not.toBeNull();
      expect(pick.bpm!).toBeGreaterThanOrEqual(100);
      expect(pick.segmentEnd).toBeGreaterThan(pick.segmentStart);
      expect(Object.keys(pick.parts)).toContain(mode === 'viml' ? 'viml' : 'clip');
    }
    expect(new Set(answer.picks.map((p) => p.artist)).size).toBe(answer.picks.length);
  });
});

describe('cuecast recommend on a real catalog', () => {
  it('given a clip, a prompt and two refinements, prints schema-valid JSON whose picks respect every constraint', async () => {
    // The stand-in tagger's vocals tags are arbitrary: ask for the kind some slower track actually has.
    const catalog = openCatalog(join(work, 'catalog-stand-in'));
    const topVocals = (id: string) =>
      catalog
        .track(id)!
        .tags.filter((t) => t.group === 'vocals')
        .sort((a, b) => b.score - a.score)[0]!.tag;
    try {
      const slow = [...catalog.tracks()].find((t) => t.bpm !== undefined && t.bpm <= 130)!;
      const wanted = topVocals(slow.id);
      const phrase = wanted === 'instrumental' ? 'no vocals' : wanted;
      const { code, stdout, stderr } = await cli(demo.input.video!, { prompt: `calm ambient, ${phrase}`, refine: ['under 130 bpm', 'not #1'], json: true });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const json = recommendJsonSchema.parse(JSON.parse(stdout));
      expect(json.mode).toBe('zero-shot');
      expect(json.input.frames).toBeGreaterThan(0);
      expect(json.picks.length).toBeGreaterThan(0);
      for (const pick of json.picks) {
        expect(catalog.track(pick.trackId)!.bpm!).toBeLessThanOrEqual(130);
        expect(topVocals(pick.trackId)).toBe(wanted);
      }
      expect(json.picks.map((p) => p.trackId)).not.toContain(json.turns[1]!.picks[0]);
    } finally {
      await catalog.close();
    }
  }, 60_000);

  it('given trained heads (--heads), answers in viml mode', async () => {
    const { code, stdout, stderr } = await cli(demo.input.video!, { prompt: 'upbeat', refine: ['over 100 bpm'], heads: fixtureHeadsDir()!, json: true });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const json = recommendJsonSchema.parse(JSON.parse(stdout));
    expect(json.mode).toBe('viml');
    for (const pick of json.picks) expect(pick.bpm!).toBeGreaterThanOrEqual(100);
  }, 60_000);

  it('given a constraint nothing satisfies, exits non-zero naming it in one line', async () => {
    const { code, stderr } = await cli(demo.input.video!, { refine: ['over 250 bpm'] });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^error NO_RESULTS: nothing fits 'over 250 bpm'/);
  }, 60_000);

  it('given a missing video, exits non-zero with a one-line reason', async () => {
    const { code, stderr } = await cli(join(work, 'nope.mp4'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error MEDIA_NOT_FOUND: .*\n$/);
  }, 60_000);

  it('given an audio-only file, exits with MEDIA_NO_VIDEO', async () => {
    const { code, stderr } = await cli(join(work, 'music', 'rain-study.flac'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error MEDIA_NO_VIDEO/);
  }, 60_000);

  it('given a prompt over 1,000 characters, exits with PROMPT_TOO_LONG', async () => {
    const { code, stderr } = await cli(demo.input.video!, { prompt: 'x'.repeat(1001) });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error PROMPT_TOO_LONG/);
  }, 60_000);
});

describe('clipFeatures', () => {
  it('samples a clip evenly when it is longer than maxFrames at the configured fps', async () => {
    const { clipFeatures } = await import('../../recommend/clip-features.js');
    const { createFixtureEncoders } = await import('../support/models.js');
    const encoders = await createFixtureEncoders();
    try {
      const all = await clipFeatures(demo.input.video!, encoders.clipImage, { fps: 1, maxFrames: 30 });
      const even = await clipFeatures(demo.input.video!, encoders.clipImage, { fps: 1, maxFrames: 4 });
      expect(all).toHaveLength(8);
      expect(even).toHaveLength(4);
      expect(even[0]).toHaveLength(encoders.clipImage.info.dim);
    } finally {
      await encoders.dispose();
    }
  }, 60_000);
});
