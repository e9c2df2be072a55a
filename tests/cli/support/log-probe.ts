// Run as `node --import tsx log-probe.ts <command> [--verbose]`: applies the CLI's logging set-up for
// <command>, as cli/main.ts does before a command runs, then logs one record at each level.
import { Command } from 'commander';
import { configureCliLogging } from '../../../cli/logging.js';
import { logger } from '../../../core/logger.js';

const [name = 'recommend', ...rest] = process.argv.slice(2);
const program = new Command('cuecast');
configureCliLogging(program.command(name), rest.includes('--verbose'));
const log = logger('probe');
log.debug({ step: 1 }, 'debug detail');
log.info({ ffmpeg: '/usr/bin/ffmpeg' }, 'resolved ffmpeg');
log.warn({ file: 'a b.mp3', attempt: 2 }, 'description backend failed');
log.error({ err: new Error('connect ECONNREFUSED\n  at somewhere') }, 'indexing stopped');
