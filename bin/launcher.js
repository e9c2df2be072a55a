// Starts the model-heavy commands with glibc's malloc on transparent huge pages
// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), which glibc reads only when a process starts: so this
// process starts a second one with it and passes signals and the exit status through. The second one
// dies with it (setpriv --pdeathsig KILL): `kill -9` of cuecast stays what it was, a crash of the
// command (which its catalog writes are built to survive), not a drain.
// Measured on a 2-core AMD EPYC (docs/benchmarks.md, issue 16): catalog indexing of 3 tracks
// 10.7 s -> 8.6 s; spawning ffmpeg from a process holding 1.5 GiB 60-75 ms -> 8-9 ms (fork copies
// the page tables, and the models' memory in 2 MiB pages has 512 times fewer).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const TUNABLE = 'glibc.malloc.hugetlb=1';
/** Commands that load models or decode media at length; the others start directly. */
const HEAVY = new Set(['serve', 'bot', 'index', 'recommend', 'search', 'demo', 'bench', 'prepare-training']);
/** A second delivery of a signal within this window is the same stop (terminal group and launcher, service manager and launcher). */
const DUPLICATE_MS = 1000;

/** Transparent huge pages the kernel will give on request: `[always]` or `[madvise]`. */
function hugePagesOnRequest() {
  try {
    return /\[(always|madvise)\]/.test(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'));
  } catch {
    return false;
  }
}

function glibc() {
  const header = /** @type {{ glibcVersionRuntime?: string }} */ (process.report?.getReport().header ?? {});
  return typeof header.glibcVersionRuntime === 'string';
}

/** setpriv --pdeathsig, so the command never outlives this process, even when it is killed by SIGKILL. */
function setprivRuns() {
  return spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0;
}

/** Whether to start the command again with the tunable: why not, or undefined when it should. */
export function relaunchBlocker(argv, env) {
  if (env.CUECAST_LAUNCHED === '1') return 'already started by the launcher';
  if (env.CUECAST_HUGE_PAGES === '0' || env.CUECAST_HUGE_PAGES === 'false') return 'CUECAST_HUGE_PAGES is off';
  if (!HEAVY.has(argv[2] ?? '')) return 'a light command';
  if ((env.GLIBC_TUNABLES ?? '').includes('glibc.malloc.hugetlb')) return 'GLIBC_TUNABLES already sets it';
  if (process.platform !== 'linux' || !glibc()) return 'not Linux with glibc';
  if (!hugePagesOnRequest()) return 'transparent huge pages are off';
  if (!setprivRuns()) return 'setpriv does not run';
  return undefined;
}

/**
 * In the started command: a signal delivered twice within DUPLICATE_MS counts once (Ctrl-C reaches both
 * processes of the terminal's group; this launcher passes it on for a `kill` of its own pid). The command's
 * own handlers act on the first; a later one, or one with no other handler, ends the process as by default.
 */
export function absorbDuplicateSignals() {
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    let first = 0;
    const onSignal = () => {
      const now = Date.now();
      const handled = process.listenerCount(signal) > 1;
      if (first === 0 && handled) {
        first = now;
        return;
      }
      if (first !== 0 && now - first < DUPLICATE_MS) return;
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Starts `entry` again with the tunable and waits for it; resolves never (this process exits with it). */
export function relaunch(entry, argv = process.argv, env = process.env) {
  const tunables = env.GLIBC_TUNABLES ? `${env.GLIBC_TUNABLES}:${TUNABLE}` : TUNABLE;
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, ...process.execArgv, entry, ...argv.slice(2)], {
    stdio: 'inherit',
    env: { ...env, GLIBC_TUNABLES: tunables, CUECAST_LAUNCHED: '1' },
  });
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  return new Promise(() => {
    child.on('error', (error) => {
      process.stderr.write(`cuecast: could not start (${error.message}); set CUECAST_HUGE_PAGES=0 to start without the launcher\n`);
      process.exit(1);
    });
    child.on('exit', (code, signal) => {
      if (signal) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }
      process.exit(code ?? 1);
    });
  });
}

/**
 * What an entry script calls first: in the started command, absorb duplicate signals; otherwise start the
 * command again on huge pages when relaunchBlocker finds nothing against it (never returns then).
 */
export async function startOnHugePages(entry, argv = process.argv, env = process.env) {
  if (env.CUECAST_LAUNCHED === '1') absorbDuplicateSignals();
  else if (relaunchBlocker(argv, env) === undefined) await relaunch(entry, argv, env);
}
