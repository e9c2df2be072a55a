import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../core/pid.js';

describe('isProcessAlive', () => {
  it('is true for a running process and false for a missing one', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(2 ** 22 + 17)).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')('is false for a zombie: exited, not yet reaped by its parent', async () => {
    // sh starts `true` in the background, prints its pid and becomes `sleep`, which never reaps it.
    const shell = spawn('sh', ['-c', 'true & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const line = await new Promise<string>((resolve) => createInterface({ input: shell.stdout }).once('line', resolve));
      const zombie = Number(line);
      for (let waited = 0; waited < 3000 && isProcessAlive(zombie); waited += 20) await new Promise((r) => setTimeout(r, 20));
      expect(isProcessAlive(zombie)).toBe(false);
      // It is still there, as a zombie: signal 0 alone would call it alive.
      expect(() => process.kill(zombie, 0)).not.toThrow();
    } finally {
      shell.kill('SIGKILL');
    }
  });
});
