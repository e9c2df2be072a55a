import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./dispose-mid-run-child.ts', import.meta.url));

describe('encoders and the text generator disposed while onnxruntime runs', () => {
  it('wait for the run and exit cleanly instead of aborting the process', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', child, '4', '3'], { encoding: 'utf8', timeout: 120_000 });
    expect(result.stderr).not.toContain('terminate called');
    expect(result.signal).toBeNull();
    expect(result.stdout).toContain('survived');
    expect(result.status).toBe(0);
  }, 150_000);
});
