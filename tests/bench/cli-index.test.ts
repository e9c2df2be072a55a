import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/report.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cuecast-bench-test-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cuecast bench --quick --json (index section, tiny scale)', () => {
  it('prints the index table and the target check, and writes a valid JSON report', async () => {
    const file = join(dir, 'bench.json');
    const { stdout } = await run(
      process.execPath,
      [join(root, 'bin', 'cuecast.js'), 'bench', '--quick', '--only', 'index', '--index-sizes', '1500', '--json', file],
      { cwd: root, timeout: 60_000, env: { ...process.env, CUECAST_LOG_LEVEL: 'silent' } },
    );
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
    const { stdout } = await run(
      process.execPath,
      [join(root, 'bin', 'cuecast.js'), 'bench', '--quick', '--only', 'encoder,gpu', '--clip-model', join(dir, 'no-such-model'), '--json', file],
      { cwd: root, timeout: 30_000 },
    );
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
    const failure = await run(process.execPath, [join(root, 'bin', 'cuecast.js'), 'bench', '--only', 'warp'], { cwd: root, timeout: 30_000 }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: expect.any(Number) });
    expect(String((failure as { stderr: string }).stderr)).toMatch(/unknown bench section\(s\) warp.*index/s);
  });
});
