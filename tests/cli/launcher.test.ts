import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { relaunchBlocker, TUNABLE } from '../../bin/launcher.js';
import { repoRoot } from '../support/cli.js';

const entry = join(repoRoot, 'tests', 'fixtures', 'launcher', 'entry.mjs');
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !['CUECAST_LAUNCHED', 'CUECAST_HUGE_PAGES', 'GLIBC_TUNABLES'].includes(key)));
const blocker = relaunchBlocker(['node', 'cuecast', 'serve'], env);
const started: ChildProcess[] = [];

interface Report {
  readonly command: string;
  readonly pid: number;
  readonly ppid: number;
  readonly tunables: string | null;
  readonly launched: boolean;
}

function run(args: readonly string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [entry, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  const lines: unknown[] = [];
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const parts = text.split('\n');
    text = parts.pop()!;
    for (const line of parts) lines.push(JSON.parse(line));
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const line = async (n: number): Promise<unknown> => {
    for (let waited = 0; lines.length <= n; waited += 20) {
      if (waited > 20_000) throw new Error(`no line ${n} from the launcher fixture`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return lines[n];
  };
  return { child, exit, line };
}

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('the launcher (bin/launcher.js)', () => {
  it('leaves light commands, a second start and an opt-out alone', () => {
    expect(relaunchBlocker(['node', 'cuecast', 'catalog', 'tracks'], env)).toBe('a light command');
    expect(relaunchBlocker(['node', 'cuecast', 'serve'], { ...env, CUECAST_LAUNCHED: '1' })).toBe('already started by the launcher');
    expect(relaunchBlocker(['node', 'cuecast', 'serve'], { ...env, CUECAST_HUGE_PAGES: '0' })).toBe('CUECAST_HUGE_PAGES is off');
    expect(relaunchBlocker(['node', 'cuecast', 'index'], { ...env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=2' })).toBe('GLIBC_TUNABLES already sets it');
  });

  describe.skipIf(blocker !== undefined)(`on this machine (${blocker ?? 'Linux, glibc, huge pages on request, setpriv'})`, () => {
    it('starts a heavy command again with malloc on huge pages and passes its exit status through', async () => {
      const heavy = run(['serve', 'exit', '7']);
      const report = (await heavy.line(0)) as Report;
      expect(report).toMatchObject({ command: 'serve', tunables: TUNABLE, launched: true, ppid: heavy.child.pid });
      expect(await heavy.exit).toEqual({ code: 7, signal: null });
      const light = run(['tracks', 'exit', '3']);
      expect(await light.line(0)).toMatchObject({ tunables: null, launched: false, pid: light.child.pid });
      expect(await light.exit).toEqual({ code: 3, signal: null });
    });

    it('passes SIGTERM to the command, which drains and exits 143; the same signal to both processes counts once', async () => {
      const term = run(['serve', 'wait', '300']);
      const report = (await term.line(0)) as Report;
      term.child.kill('SIGTERM');
      expect(await term.line(1)).toEqual({ signal: 'SIGTERM', signals: 1 });
      expect(await term.exit).toEqual({ code: 143, signal: null });
      // As a terminal's Ctrl-C: SIGINT to the command and to the launcher at once.
      const both = run(['serve', 'wait', '300']);
      const inner = (await both.line(0)) as Report;
      process.kill(inner.pid, 'SIGINT');
      both.child.kill('SIGINT');
      expect(await both.line(1)).toEqual({ signal: 'SIGINT', signals: 1 });
      expect(await both.exit).toEqual({ code: 130, signal: null });
      expect(report.launched && inner.launched).toBe(true);
    });

    it('given the launcher killed with SIGKILL, the command dies with it (parent-death signal), as kill -9 of cuecast did before', async () => {
      const orphan = run(['serve', 'wait', '10000']);
      const report = (await orphan.line(0)) as Report;
      orphan.child.kill('SIGKILL');
      expect(await orphan.exit).toEqual({ code: null, signal: 'SIGKILL' });
      for (let waited = 0; ; waited += 50) {
        let alive = true;
        try {
          process.kill(report.pid, 0);
        } catch {
          alive = false;
        }
        if (!alive) break;
        if (waited > 5000) throw new Error(`the command ${report.pid} outlived its launcher`);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
  });
});
