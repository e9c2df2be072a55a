import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/report.js';
import { runCuecast } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cuecast-bench-test-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cuecast bench --quick --json (index section, tiny scale)', () => {
  it('prints the index table and the target check, and writes a valid JSON report', async () => {
    const file = join(dir, 'bench.json');
    const { code, stdout } = await runCuecast(['bench', '--quick', '--only', 'index', '--index-sizes', '1500', '--json', file], { ...process.env, CUECAST_LOG_LEVEL: 'silent' }, undefined, {
      timeoutMs: 60_000,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/Index: hnswlib-node vs exact brute force/);
    expect(stdout).toMatch(/HnswVectorIndex/);
    expect(stdout).toMatch(/Targets/);

    const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    expect(report.quick).toBe(true);
    expect(report.machine.logicalCores).toBeGreaterThan(0);
    expect(report.machine.packages['onnxruntime-node']).toMatch(/^\d+\.\d+/);
    const [section] = report.sections;
    expect(section).toMatchObject({ id: 'index', status: 'ok' });
    const data = section!.data as { results: { size: number; hnsw: { sweep: { recallAt10: number; qps: { median: number } }[] } }[] };
    expect(data.results[0]!.size).toBe(1500);
    for (const point of data.results[0]!.hnsw.sweep) {
      expect(point.recallAt10).toBeGreaterThan(0.5);
      expect(point.recallAt10).toBeLessThanOrEqual(1);
      expect(point.qps.median).toBeGreaterThan(0);
    }
    expect(report.targets).toHaveLength(1);
    expect(report.targets[0]!.measured).toMatch(/not 1M/);
  });

  it('given a CLIP directory without graphs, reports the encoder part as skipped with the reason and its targets as not measured', async () => {
    const file = join(dir, 'skipped.json');
    const { code, stdout } = await runCuecast(['bench', '--quick', '--only', 'encoder,gpu', '--clip-model', join(dir, 'no-such-model'), '--json', file], process.env, undefined, { timeoutMs: 30_000 });
    expect(code).toBe(0);
    expect(stdout).toMatch(/skipped: no CLIP graphs in .*no-such-model/);
    const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    expect(report.sections.map((s) => [s.id, s.status])).toEqual([
      ['encoder', 'skipped'],
      ['gpu', existsSync('/dev/nvidia0') ? report.sections[1]!.status : 'skipped'],
    ]);
    const encoderTargets = report.targets.filter((t) => t.section === 'encoder');
    expect(encoderTargets).toHaveLength(5);
    for (const t of encoderTargets) expect(t.met).toBeNull();
    if (!existsSync('/dev/nvidia0')) expect(report.sections[1]!.reason).toMatch(/no CUDA device/);
  });

  it('given an unknown section, exits non-zero and names the valid ones', async () => {
    const failure = await runCuecast(['bench', '--only', 'warp'], process.env, undefined, { timeoutMs: 30_000 });
    expect(failure.code).not.toBe(0);
    expect(failure.stderr).toMatch(/unknown bench section\(s\) warp.*index/s);
  });
});
