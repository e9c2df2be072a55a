/**
 * A throwaway PostgreSQL 15 cluster for tests: initdb into a temp folder, the server on a random
 * loopback port (no Unix socket), trust auth, durability off. Runs as the `postgres` user when the
 * tests run as root (initdb refuses root), so CI as root works. Reusable by any test that needs a
 * real server: `const pg = await startPostgres(); const url = await pg.createDatabase('x');`.
 *
 * Where the server or pgvector is missing, `postgresUnavailable()` says why. Outside CI the tests
 * skip with that reason printed; in CI (CI=true) a missing server is a failure, never a skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

const BIN_DIRS = [process.env.CUECAST_TEST_PG_BIN, '/usr/lib/postgresql/15/bin'].filter((d): d is string => !!d);

function binDir(): string | undefined {
  return BIN_DIRS.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')));
}

function pgConfig(dir: string): string | undefined {
  const candidates = [join(dir, 'pg_config'), '/usr/bin/pg_config'];
  return candidates.find((c) => existsSync(c));
}

/** Why no throwaway cluster with pgvector can be started here, or undefined when one can. */
export function postgresUnavailable(): string | undefined {
  const bin = binDir();
  if (!bin) return 'PostgreSQL 15 server binaries are not installed (apt-get install postgresql-15 postgresql-server-dev-15)';
  const config = pgConfig(bin);
  const share = config ? spawnSync(config, ['--sharedir'], { encoding: 'utf8' }).stdout.trim() : '/usr/share/postgresql/15';
  if (!existsSync(join(share, 'extension', 'vector.control'))) {
    return `pgvector is not installed in ${share} (apt-get install postgresql-15-pgvector where the distribution has it, else build pgvector >= 0.8 from source into this PostgreSQL as .ci/run does; see the README)`;
  }
  if (process.getuid?.() === 0 && postgresUser() === undefined) return 'running as root and there is no `postgres` user to run initdb as';
  return undefined;
}

/**
 * `describe` for PostgreSQL tests: skipped with the reason outside CI when no server can be started,
 * and run (so failing loudly in `startPostgres`) in CI.
 */
export function postgresTestsEnabled(): boolean {
  const reason = postgresUnavailable();
  if (reason === undefined) return true;
  if (process.env.CI === 'true') return true;
  console.warn(`skipping PostgreSQL tests: ${reason}`);
  return false;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      if (name === 'postgres') return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * A PostgreSQL installation without pgvector, for testing what a server lacking the extension is
 * told: the installed binaries copied into a temp tree whose share folder has no vector extension
 * (PostgreSQL finds its share and lib folders relative to the running binary). Returns its bin folder
 * and a cleanup function.
 */
export function installWithoutPgvector(): { binDir: string; remove: () => void } {
  const bin = binDir();
  if (!bin || !bin.endsWith('/lib/postgresql/15/bin')) throw new Error(`no Debian-layout PostgreSQL 15 to copy (${bin ?? 'none'})`);
  const prefix = bin.slice(0, -'/lib/postgresql/15/bin'.length);
  const root = mkdtempSync(join(tmpdir(), 'cuecast-pg-novector-'));
  chmodSync(root, 0o755);
  const newBin = join(root, 'lib', 'postgresql', '15', 'bin');
  mkdirSync(newBin, { recursive: true });
  for (const name of ['postgres', 'initdb']) copyFileSync(join(bin, name), join(newBin, name));
  for (const name of ['postgres', 'initdb']) chmodSync(join(newBin, name), 0o755);
  symlinkSync(join(prefix, 'lib', 'postgresql', '15', 'lib'), join(root, 'lib', 'postgresql', '15', 'lib'));
  const share = join(prefix, 'share', 'postgresql', '15');
  const newShare = join(root, 'share', 'postgresql', '15');
  mkdirSync(join(newShare, 'extension'), { recursive: true });
  for (const name of readdirSync(share)) if (name !== 'extension') symlinkSync(join(share, name), join(newShare, name));
  for (const name of readdirSync(join(share, 'extension'))) {
    if (!name.startsWith('vector')) symlinkSync(join(share, 'extension', name), join(newShare, 'extension', name));
  }
  for (const dir of [
    root,
    join(root, 'lib'),
    join(root, 'lib', 'postgresql'),
    join(root, 'lib', 'postgresql', '15'),
    newBin,
    join(root, 'share'),
    join(root, 'share', 'postgresql'),
    newShare,
    join(newShare, 'extension'),
  ])
    chmodSync(dir, 0o755);
  return { binDir: newBin, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface PostgresServer {
  readonly port: number;
  /** URL of the `postgres` maintenance database. */
  readonly url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown) and removes its folder. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Server binaries (initdb, postgres) other than the installed ones, e.g. `installWithoutPgvector()`. */
  readonly binDir?: string;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const reason = postgresUnavailable();
  if (reason && !(options.binDir && !reason.startsWith('PostgreSQL'))) throw new Error(`Cannot start a test PostgreSQL server: ${reason}`);
  const bin = options.binDir ?? binDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'cuecast-pg-'));
  const data = join(dir, 'data');
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], {
    ...asOwner,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr || init.stdout}`);
  }
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    ...options.settings,
  };
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const child = spawn(join(bin, 'postgres'), args, { ...asOwner, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    if (await waitReady(url, child, options.startTimeoutMs ?? 30_000)) return server(url, port, child, dir);
    lastError = log;
    await stopChild(child);
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`PostgreSQL did not start: ${lastError}`);
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // SIGINT: PostgreSQL's fast shutdown (disconnects clients, no checkpoint wait for them).
    child.kill('SIGINT');
  });
}

function server(url: string, port: number, child: ChildProcess, dir: string): PostgresServer {
  return {
    port,
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name} is not a plain identifier`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
