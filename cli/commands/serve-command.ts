import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { reportError } from '../output.js';
import type { ServeFlags } from './serve.js';

// The implementation (serve.ts) loads socket.io, the models and the config schema: only when serve runs.
export const serveCommand: CliCommand = {
  name: 'serve',
  register(program: Command): void {
    program
      .command('serve')
      .description('run the live stream server: socket.io /stream and /overlay, the OBS overlay and capture pages, the studio, /metrics')
      .option('--port <n>', 'port to listen on (default: config server.port, 8787)')
      .option('--host <addr>', 'address to listen on (default: config server.host, 127.0.0.1)')
      .option('--catalog <dir>', 'catalog directory (default: config catalogDir)')
      .option('--catalog-name <name>', 'which catalog of the PostgreSQL database (with CUECAST_DATABASE_URL; default: config database.catalogName)')
      .option('--models <dir>', 'models directory holding clip/ and clap/ (default: config modelsDir)')
      .option('--allow-file-urls', 'let producers ingest file: URLs from this machine (for local testing only)')
      .option('--print-urls', 'print the capture, overlay and studio URLs with the generated tokens again')
      .action(async (flags: ServeFlags) => {
        const { runServe } = await import('./serve.js');
        process.exitCode = await runServe(flags).catch((error: unknown) => reportError(error));
      });
  },
};
