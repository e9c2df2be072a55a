import { Command } from 'commander';
import type { CliCommand } from './command.js';
import { benchCommand } from './commands/bench.js';
import { catalogCommand } from './commands/catalog.js';
import { indexCommand } from './commands/index.js';
import { searchCommand } from './commands/search.js';
import { prepareTrainingCommand } from './commands/prepare-training.js';
import { recommendCommand } from './commands/recommend.js';
import { serveCommand } from './commands/serve-command.js';
import { demoCommand } from './commands/demo.js';
import { botCommand } from './commands/bot.js';
import { trainCommands } from './commands/train.js';

/** One-shot commands with no signal handling of their own (serve, bot, index and the trainer verbs have theirs). */
const STOP_ON_SIGNAL = new Set(['recommend', 'demo', 'search', 'catalog', 'prepare-training']);

// Each subcommand lives in its own file under cli/commands/; add it here.
const commands: readonly CliCommand[] = [benchCommand, indexCommand, catalogCommand, searchCommand, prepareTrainingCommand, recommendCommand, demoCommand, serveCommand, botCommand, trainCommands];

const program = new Command('cuecast')
  .description('Language-guided music recommendation for video')
  .version('0.1.0')
  .option('-v, --verbose', 'show internal (debug) logs on stderr')
  // Every command file imports its heavy modules (models, discord.js, socket.io, pino...) in its action,
  // so `--help` and one-shot commands start without them.
  .hook('preAction', async (root, action) => {
    const { configureCliLogging } = await import('./logging.js');
    configureCliLogging(action, root.opts().verbose === true);
    if (STOP_ON_SIGNAL.has(action.name())) {
      // These stop their ffmpeg children and exit 130/143 on SIGINT/SIGTERM.
      const { stopChildrenOnSignals } = await import('../core/media/process.js');
      stopChildrenOnSignals();
    }
  })
  .showHelpAfterError();

for (const command of commands) command.register(program);

await program.parseAsync(process.argv);
