import type { AutocompleteInteraction, ChatInputCommandInteraction, MessageContextMenuCommandInteraction, RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import type { Logger } from '../core/logger.js';
import type { ConcurrencyLimiter, UserGuard } from './fairness.js';
import type { MusicFlow } from './music-flow.js';
import type { ClipAnalyser, PreviewCutter, TrackDirectory } from './ports.js';

export interface BotLimits {
  /** Our own cap on clip size; the interaction's attachment size limit applies as well. */
  readonly maxClipBytes: number;
  readonly maxClipSeconds: number;
  readonly downloadTimeoutMs: number;
  readonly maxPromptChars: number;
  /** Deadline for one request end to end; well under the interaction token's 15 minutes. */
  readonly requestTimeoutMs: number;
  readonly previewSeconds: number;
}

/** What every handler may use; built once by the composition root. */
export interface BotContext {
  readonly flow: MusicFlow;
  readonly analyser: ClipAnalyser;
  readonly tracks: TrackDirectory;
  readonly preview?: PreviewCutter;
  /** Between new requests (`/music`, "Find music", `/similar`). */
  readonly cooldown: UserGuard;
  /** On what follows a request: buttons, the pick select, `/refine` and refinements typed in a thread. */
  readonly actions: UserGuard;
  readonly limiter: ConcurrencyLimiter;
  readonly limits: BotLimits;
  readonly messageContent: boolean;
}

/** One request: the shared context plus a logger carrying the request id. */
export interface RequestContext extends BotContext {
  readonly requestId: string;
  readonly log: Logger;
}

interface CommandBase {
  readonly data: RESTPostAPIApplicationCommandsJSONBody;
}

export interface SlashCommand extends CommandBase {
  readonly kind: 'slash';
  execute(interaction: ChatInputCommandInteraction, ctx: RequestContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: RequestContext): Promise<void>;
}

export interface MessageCommand extends CommandBase {
  readonly kind: 'message';
  execute(interaction: MessageContextMenuCommandInteraction, ctx: RequestContext): Promise<void>;
}

/** One file per command exports `{ kind, data, execute }` checked with `satisfies Command`. */
export type Command = SlashCommand | MessageCommand;
