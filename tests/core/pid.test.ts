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
    // sh starts a 1 s sleep in the background, prints its pid and becomes `sleep 10`, which never reaps it:
    // the background one exits after the exec (sh itself would have reaped it) and stays a zombie.
    const shell = spawn('sh', ['-c', '(sleep 1) & echo $!; exec sleep 10'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const line = await new Promise<string>((resolve) => createInterface({ input: shell.stdout }).once('line', resolve));
      const zombie = Number(line);
      for (let waited = 0; waited < 8000 && isProcessAlive(zombie); waited += 20) await new Promise((r) => setTimeout(r, 20));
      expect(isProcessAlive(zombie)).toBe(false);
      // It is still there, as a zombie: signal 0 alone would call it alive.
      expect(() => process.kill(zombie, 0)).not.toThrow();
    } finally {
      shell.kill('SIGKILL');
    }
  });
});
