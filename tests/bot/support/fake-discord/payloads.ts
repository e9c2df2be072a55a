/**
 * Gateway and REST payloads shaped as the Discord API documents them (types from discord-api-types,
 * as re-exported by discord.js), for the local stand-in.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  InteractionContextType,
  InteractionType,
  Locale,
  GuildMemberFlags,
  MessageFlags,
  MessageType,
  type APIAttachment,
  type APIChatInputApplicationCommandInteraction,
  type APIGuildMember,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIMessageApplicationCommandInteraction,
  type APIMessageComponentInteraction,
  type APIModalSubmitInteraction,
  type APIApplicationCommandAutocompleteInteraction,
  type APIUser,
  type APIApplicationCommandInteractionDataOption,
  type APIApplicationCommandInteractionDataBasicOption,
} from 'discord.js';

let sequence = 1_300_000_000_000_000_000n;
/** Unique, increasing snowflake-like ids. */
export const snowflake = (): string => String((sequence += 4_194_304n));

export interface World {
  readonly applicationId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly bot: APIUser;
  readonly user: APIUser;
  readonly otherUser: APIUser;
}

export function createWorld(): World {
  const user = (username: string, bot = false): APIUser => ({ id: snowflake(), username, discriminator: '0', global_name: username, avatar: null, ...(bot ? { bot: true } : {}) });
  return { applicationId: snowflake(), guildId: snowflake(), channelId: snowflake(), bot: user('cuecast', true), user: user('editor'), otherUser: user('lurker') };
}

/** A bit-flag field (MessageFlags, GuildMemberFlags) from its bits: a flags enum has no member for 0 or for a combination. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the call site names the flags enum it wants
export const bitFlags = <Flags extends number>(bits: number): Flags => bits as Flags;

export const guildMember = (user: APIUser): APIGuildMember => ({ user, roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: bitFlags<GuildMemberFlags>(0) });

const interactionMember = (user: APIUser): APIInteractionGuildMember => ({ ...guildMember(user), user, permissions: '2248473465835073', avatar: null });

/** Fields every guild interaction carries. */
function base(world: World, user: APIUser, channelId: string) {
  return {
    id: snowflake(),
    application_id: world.applicationId,
    token: `token-${snowflake()}`,
    version: 1 as const,
    guild_id: world.guildId,
    guild: { id: world.guildId, features: [], locale: Locale.EnglishUS },
    channel_id: channelId,
    channel: { id: channelId, type: ChannelType.GuildText as const },
    member: interactionMember(user),
    app_permissions: '2248473465835073',
    locale: Locale.EnglishUS,
    guild_locale: Locale.EnglishUS,
    entitlements: [],
    authorizing_integration_owners: { '0': world.guildId },
    context: InteractionContextType.Guild,
    attachment_size_limit: 10 * 1024 * 1024,
  };
}

export interface SlashOptions {
  readonly channelId?: string;
  readonly user?: APIUser;
  readonly options?: readonly APIApplicationCommandInteractionDataBasicOption[];
  readonly attachments?: readonly APIAttachment[];
  readonly channelType?: ChannelType;
  readonly attachmentSizeLimit?: number;
}

export function slashCommand(world: World, name: string, o: SlashOptions = {}): APIChatInputApplicationCommandInteraction {
  const channelId = o.channelId ?? world.channelId;
  const b = base(world, o.user ?? world.user, channelId);
  return {
    ...b,
    ...(o.attachmentSizeLimit ? { attachment_size_limit: o.attachmentSizeLimit } : {}),
    channel: { id: channelId, type: (o.channelType ?? ChannelType.GuildText) as ChannelType.GuildText },
    type: InteractionType.ApplicationCommand,
    data: {
      id: snowflake(),
      name,
      type: ApplicationCommandType.ChatInput,
      guild_id: world.guildId,
      options: [...(o.options ?? [])] as APIApplicationCommandInteractionDataOption[],
      ...(o.attachments?.length ? { resolved: { attachments: Object.fromEntries(o.attachments.map((a) => [a.id, a])) } } : {}),
    },
  };
}

export const stringOption = (name: string, value: string): APIApplicationCommandInteractionDataBasicOption => ({ name, type: ApplicationCommandOptionType.String, value });
export const integerOption = (name: string, value: number): APIApplicationCommandInteractionDataBasicOption => ({ name, type: ApplicationCommandOptionType.Integer, value });
export const attachmentOption = (name: string, attachment: APIAttachment): APIApplicationCommandInteractionDataBasicOption => ({
  name,
  type: ApplicationCommandOptionType.Attachment,
  value: attachment.id,
});

export function autocomplete(world: World, name: string, focused: string, value: string): APIApplicationCommandAutocompleteInteraction {
  return {
    ...base(world, world.user, world.channelId),
    type: InteractionType.ApplicationCommandAutocomplete,
    data: { id: snowflake(), name, type: ApplicationCommandType.ChatInput, options: [{ name: focused, type: ApplicationCommandOptionType.String, value, focused: true }] },
  };
}

export function messageCommand(world: World, name: string, target: APIMessage): APIMessageApplicationCommandInteraction {
  return {
    ...base(world, world.user, target.channel_id),
    type: InteractionType.ApplicationCommand,
    data: { id: snowflake(), name, type: ApplicationCommandType.Message, target_id: target.id, resolved: { messages: { [target.id]: target } } },
  };
}

export function buttonClick(world: World, message: APIMessage, customId: string, user: APIUser = world.user): APIMessageComponentInteraction {
  return {
    ...base(world, user, message.channel_id),
    type: InteractionType.MessageComponent,
    message,
    data: { custom_id: customId, component_type: ComponentType.Button },
  };
}

export function selectChoice(world: World, message: APIMessage, customId: string, values: string[]): APIMessageComponentInteraction {
  return {
    ...base(world, world.user, message.channel_id),
    type: InteractionType.MessageComponent,
    message,
    data: { custom_id: customId, component_type: ComponentType.StringSelect, values },
  };
}

export function modalSubmit(world: World, message: APIMessage, customId: string, fields: Record<string, string>): APIModalSubmitInteraction {
  return {
    ...base(world, world.user, message.channel_id),
    type: InteractionType.ModalSubmit,
    message,
    data: {
      custom_id: customId,
      components: Object.entries(fields).map(([id, value]) => ({ type: ComponentType.ActionRow, components: [{ type: ComponentType.TextInput, custom_id: id, value }] })),
    },
  };
}

export function userMessage(
  world: World,
  channelId: string,
  content: string,
  author: APIUser = world.user,
  attachments: APIAttachment[] = [],
): APIMessage & { guild_id: string; member: APIGuildMember } {
  return {
    id: snowflake(),
    channel_id: channelId,
    guild_id: world.guildId,
    author,
    member: guildMember(author),
    content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments,
    embeds: [],
    pinned: false,
    type: MessageType.Default,
    flags: bitFlags<MessageFlags>(0),
    components: [],
  };
}

/**
 * Bytes that pass the bot's container sniffing as MP4 (an `ftyp` box first) and nothing more, for
 * tests whose analyser never decodes them.
 */
export function mp4Bytes(size: number, fill = 7): Uint8Array {
  const bytes = new Uint8Array(size).fill(fill);
  bytes.set([0, 0, 0, 24, ...Buffer.from('ftypisom')], 0);
  return bytes;
}
