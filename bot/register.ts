import { REST, Routes, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import { COMMANDS } from './commands/index.js';

export interface RegisterOptions {
  readonly token: string;
  readonly applicationId: string;
  /** Registers in one guild (instant, for development) instead of globally (may take up to an hour). */
  readonly guildId?: string;
  readonly apiBaseUrl?: string;
}

/** Puts the bot's commands with one bulk overwrite; returns the names Discord now has. */
export async function registerCommands(options: RegisterOptions, commands: readonly RESTPostAPIApplicationCommandsJSONBody[] = COMMANDS.map((c) => c.data)): Promise<string[]> {
  const rest = new REST(options.apiBaseUrl ? { api: options.apiBaseUrl } : {}).setToken(options.token);
  const route = options.guildId ? Routes.applicationGuildCommands(options.applicationId, options.guildId) : Routes.applicationCommands(options.applicationId);
  const result = (await rest.put(route, { body: commands })) as { name: string }[];
  return result.map((c) => c.name);
}
