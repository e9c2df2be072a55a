import type { Command } from '../command.js';
import { findMusic } from './find-music.js';
import { music } from './music.js';
import { refine } from './refine.js';
import { similar } from './similar.js';

/** Every command the bot registers and answers. */
export const COMMANDS: readonly Command[] = [music, findMusic, refine, similar];

/**
 * Indexes commands by name, refusing duplicates and commands whose kind does not match their
 * registration type (a slash handler registered as a context-menu command would never be called).
 */
export function loadCommands(commands: readonly Command[] = COMMANDS): ReadonlyMap<string, Command> {
  const byName = new Map<string, Command>();
  for (const command of commands) {
    const type = command.data.type ?? 1;
    if ((command.kind === 'slash') !== (type === 1)) throw new Error(`command ${command.data.name}: kind ${command.kind} does not match type ${type}`);
    if (byName.has(command.data.name)) throw new Error(`command ${command.data.name} is defined twice`);
    byName.set(command.data.name, command);
  }
  return byName;
}
