import type { Command } from 'commander';

/** One CLI subcommand: a file in cli/commands/ exporting `register`, listed in cli/main.ts. */
export interface CliCommand {
  readonly name: string;
  register(program: Command): void;
}
