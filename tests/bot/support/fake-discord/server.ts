/**
 * A small local stand-in for Discord, for driving the real discord.js Client in tests: an HTTP
 * server for the REST routes the bot uses (plus an attachment CDN) and a WebSocket gateway that does
 * HELLO / IDENTIFY / READY / GUILD_CREATE and dispatches what the test sends. It records every call
 * so tests can assert what the bot sent back.
 *
 * Sharded as Discord shards: GET /gateway/bot advertises `shardCount` shards; a connection that
 * identifies with `shard: [id, count]` hears only of the guilds with `(guild_id >> 22) % count === id`
 * (READY, GUILD_CREATE and every guild event), and an invalid shard is closed with 4010 as Discord does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  ChannelType,
  GatewayDispatchEvents,
  GatewayOpcodes,
  InteractionResponseType,
  MessageFlags,
  MessageType,
  type APIAttachment,
  type APIChannel,
  type APIInteraction,
  type APIMessage,
  type APIThreadChannel,
  type GatewayIdentifyData,
} from 'discord.js';
import { bitFlags, guildMember, snowflake, userMessage, createWorld, type World } from './payloads.js';

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown> | undefined;
  readonly files: readonly { readonly name: string; readonly size: number }[];
}

interface InteractionRecord {
  readonly payload: APIInteraction;
  readonly callbacks: { type: InteractionResponseType; data?: Record<string, unknown> }[];
  originalId?: string;
  readonly followups: string[];
}

const API = '/api/v10';

/** What a REST route answers: a status and, unless it is empty, a JSON body. */
interface Reply {
  readonly status: number;
  readonly data?: unknown;
}

const reply = (status: number, data?: unknown): Reply => ({ status, data });

export class FakeDiscord {
  readonly world: World;
  readonly calls: RecordedCall[] = [];
  /** Routes the bot called that the stand-in does not know (should stay empty). */
  readonly unknownRoutes: string[] = [];
  readonly messages = new Map<string, APIMessage>();
  readonly threads = new Map<string, APIThreadChannel>();
  /** Threads where the bot lacks Send Messages in Threads (posting and unarchiving answer 403). */
  readonly closedToBot = new Set<string>();
  /** Reactions the bot added, as `channelId/messageId/emoji`. */
  readonly reactions: string[] = [];
  private readonly deletedThreads = new Set<string>();
  readonly identifies: GatewayIdentifyData[] = [];
  private readonly interactions = new Map<string, InteractionRecord>();
  private readonly files = new Map<string, { bytes: Uint8Array; contentType: string; expired: boolean }>();
  private readonly sockets = new Set<WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  /** Which shard (id, count) each gateway connection identified as. */
  private readonly shardOf = new Map<WebSocket, readonly [number, number]>();
  /** Guilds beside the world's own (`addGuild`), each with one text channel. */
  private readonly extraGuilds: { readonly guildId: string; readonly channelId: string }[] = [];
  private sequence = 0;
  private port = 0;
  /** How many shards GET /gateway/bot recommends. */
  shardCount = 1;
  /** What GET /gateway/bot advertises (default: this gateway); tests of the URL override change it. */
  advertisedGatewayUrl: string | undefined;

  private constructor(
    private readonly server: Server,
    world: World,
  ) {
    this.world = world;
    server.on('request', (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(error), code: 0 }));
      });
    });
    server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onGatewayConnection(ws));
    });
  }

  static async start(world: World = createWorld(), options: { shardCount?: number } = {}): Promise<FakeDiscord> {
    const server = createServer();
    const fake = new FakeDiscord(server, world);
    fake.shardCount = options.shardCount ?? 1;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  /**
   * Adds a guild (with one text channel) that lands on `shard` of `shardCount`, and returns the world
   * as seen from it (same application, bot and users) for building its payloads.
   */
  addGuild(shard: number, shardCount: number = this.shardCount): World {
    let guildId = snowflake();
    while (shardOfGuild(guildId, shardCount) !== shard) guildId = snowflake();
    const guild = { guildId, channelId: snowflake() };
    this.extraGuilds.push(guild);
    return { ...this.world, ...guild };
  }

  /** The shard ids whose connections are identified now (with the shard count they gave). */
  get identifiedShards(): (readonly [number, number])[] {
    return [...this.shardOf.values()];
  }

  private get guilds(): { readonly guildId: string; readonly channelId: string }[] {
    return [{ guildId: this.world.guildId, channelId: this.world.channelId }, ...this.extraGuilds];
  }

  /** The guild a channel (or thread) belongs to. */
  private guildOfChannel(channelId: string): string {
    const thread = this.threads.get(channelId);
    if (thread?.guild_id) return thread.guild_id;
    return this.guilds.find((g) => g.channelId === channelId)?.guildId ?? this.world.guildId;
  }

  /** Puts a file on the CDN and returns the attachment object Discord would put in a payload. */
  addAttachment(filename: string, bytes: Uint8Array, contentType: string | undefined, size = bytes.byteLength): APIAttachment {
    const id = snowflake();
    const path = `/attachments/${this.world.channelId}/${id}/${filename}`;
    this.files.set(path, { bytes, contentType: contentType ?? 'application/octet-stream', expired: false });
    const url = `http://127.0.0.1:${this.port}/cdn${path}?ex=${Date.now().toString(16)}&hm=signature`;
    return { id, filename, size, url, proxy_url: url, ...(contentType ? { content_type: contentType } : {}) };
  }

  /** The CDN answers 404 for it from now on, as for an expired signed link. */
  expireAttachment(attachment: APIAttachment): void {
    const path = new URL(attachment.url).pathname.replace(/^\/cdn/, '');
    const file = this.files.get(path);
    if (file) file.expired = true;
  }

  /** Sends INTERACTION_CREATE on the gateway. */
  sendInteraction(payload: APIInteraction): APIInteraction {
    // The partial channel of an interaction says what kind of channel it came from (id and type only).
    const thread = payload.channel ? this.threads.get(payload.channel.id) : undefined;
    if (thread) (payload as { channel: unknown }).channel = { id: thread.id, type: thread.type };
    this.interactions.set(payload.token, { payload, callbacks: [], followups: [] });
    this.dispatch(GatewayDispatchEvents.InteractionCreate, payload);
    return payload;
  }

  /** Sends MESSAGE_CREATE on the gateway for a user's message and stores it. */
  sendUserMessage(channelId: string, content: string, author = this.world.user): APIMessage {
    const thread = this.threads.get(channelId);
    if (thread?.thread_metadata?.locked) throw new Error(`${author.username} cannot write in locked thread ${channelId}`);
    // As Discord does: a message in an archived thread reopens it, and the guild hears of it first.
    if (thread?.thread_metadata?.archived) this.setArchived(thread, false);
    const message = { ...userMessage(this.world, channelId, content, author), guild_id: this.guildOfChannel(channelId), channel_type: thread ? thread.type : ChannelType.GuildText };
    this.messages.set(message.id, message);
    this.dispatch(GatewayDispatchEvents.MessageCreate, message);
    return message;
  }

  /** Archives a thread as Discord does after its inactivity period (or a moderator does, `locked`). */
  archiveThread(threadId: string, options: { locked?: boolean } = {}): void {
    const thread = this.threads.get(threadId);
    if (!thread) throw new Error(`no thread ${threadId}`);
    if (options.locked) thread.thread_metadata = { ...thread.thread_metadata!, locked: true };
    this.setArchived(thread, true);
  }

  /** Deletes a thread and its messages; `notify: false` models a deletion the bot did not hear of. */
  deleteThread(threadId: string, options: { notify?: boolean } = {}): void {
    const thread = this.threads.get(threadId);
    if (!thread) throw new Error(`no thread ${threadId}`);
    this.threads.delete(threadId);
    this.deletedThreads.add(threadId);
    for (const m of this.channelMessages(threadId)) this.messages.delete(m.id);
    if (options.notify ?? true) this.dispatch(GatewayDispatchEvents.ThreadDelete, { id: thread.id, type: thread.type, guild_id: thread.guild_id, parent_id: thread.parent_id });
  }

  isArchived(threadId: string): boolean | undefined {
    return this.threads.get(threadId)?.thread_metadata?.archived;
  }

  private setArchived(thread: APIThreadChannel, archived: boolean): void {
    thread.thread_metadata = { ...thread.thread_metadata!, archived, archive_timestamp: new Date().toISOString() };
    this.dispatch(GatewayDispatchEvents.ThreadUpdate, thread);
  }

  /**
   * Why the bot may not put a message in this channel now, as Discord answers: a deleted thread is
   * unknown, a thread closed to the bot is forbidden, an archived one refuses new content.
   */
  private refusal(channelId: string, ephemeral = false): { status: number; body: { message: string; code: number } } | undefined {
    // Only the user sees an ephemeral message: it is not posted in the channel.
    if (ephemeral) return undefined;
    if (this.deletedThreads.has(channelId)) return { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
    const thread = this.threads.get(channelId);
    if (!thread) return undefined;
    if (this.closedToBot.has(channelId)) return { status: 403, body: { message: 'Missing Permissions', code: 50013 } };
    if (thread.thread_metadata?.archived) return { status: 400, body: { message: 'Thread is archived', code: 50083 } };
    return undefined;
  }

  /** Sends an event to the connections of the shard that owns its guild (events without a guild: shard 0). */
  dispatch(event: GatewayDispatchEvents, data: unknown): void {
    const payload = JSON.stringify({ op: GatewayOpcodes.Dispatch, t: event, s: ++this.sequence, d: data });
    const guildId = (data as { guild_id?: unknown } | null)?.guild_id;
    for (const ws of this.sockets) {
      const shard = this.shardOf.get(ws);
      if (!shard) continue;
      const owner = typeof guildId === 'string' ? shardOfGuild(guildId, shard[1]) : 0;
      if (owner === shard[0]) ws.send(payload);
    }
  }

  /** The interaction responses (callbacks) the bot sent for an interaction. */
  callbacks(interaction: APIInteraction): InteractionRecord['callbacks'] {
    return this.interactions.get(interaction.token)?.callbacks ?? [];
  }

  /** The interaction's original response message, as it stands now. */
  original(interaction: APIInteraction): APIMessage | undefined {
    const id = this.interactions.get(interaction.token)?.originalId;
    return id ? this.messages.get(id) : undefined;
  }

  followups(interaction: APIInteraction): APIMessage[] {
    return (this.interactions.get(interaction.token)?.followups ?? []).map((id) => this.messages.get(id)!);
  }

  channelMessages(channelId: string): APIMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId);
  }

  get connected(): boolean {
    return this.sockets.size > 0;
  }

  /** Polls until `probe` returns something truthy, and returns it. */
  async waitFor<T>(probe: () => T | undefined | null | false | 0 | '' | Promise<T | undefined | null | false | 0 | ''>, what: string, timeoutMs = 10_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- gateway ---

  private onGatewayConnection(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.shardOf.delete(ws);
    });
    ws.send(JSON.stringify({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: 45_000 } }));
    ws.on('message', (raw) => {
      const packet = JSON.parse(textOf(raw)) as { op: GatewayOpcodes; d: unknown };
      if (packet.op === GatewayOpcodes.Heartbeat) ws.send(JSON.stringify({ op: GatewayOpcodes.HeartbeatAck }));
      if (packet.op === GatewayOpcodes.Identify) this.onIdentify(ws, packet.d as GatewayIdentifyData);
    });
  }

  private onIdentify(ws: WebSocket, identify: GatewayIdentifyData): void {
    this.identifies.push(identify);
    const shard = identify.shard ?? [0, 1];
    const [shardId, shardCount] = shard;
    if (!Number.isInteger(shardId) || !Number.isInteger(shardCount) || shardCount < 1 || shardId < 0 || shardId >= shardCount) {
      ws.close(4010, 'Invalid shard');
      return;
    }
    this.shardOf.set(ws, [shardId, shardCount]);
    const { world } = this;
    const mine = this.guilds.filter((g) => shardOfGuild(g.guildId, shardCount) === shardId);
    const send = (t: string, d: unknown): void => ws.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: ++this.sequence, d }));
    send(GatewayDispatchEvents.Ready, {
      v: 10,
      user: world.bot,
      guilds: mine.map((g) => ({ id: g.guildId, unavailable: true })),
      session_id: `session-${snowflake()}`,
      resume_gateway_url: this.gatewayUrl,
      shard: [shardId, shardCount],
      application: { id: world.applicationId, flags: 0 },
    });
    for (const guild of mine) send(GatewayDispatchEvents.GuildCreate, this.guildCreate(guild.guildId, guild.channelId));
  }

  private guildCreate(guildId: string, channelId: string): unknown {
    const { world } = this;
    return {
      id: guildId,
      name: 'Editors',
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: world.user.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: guildId, name: '@everyone', permissions: '2248473465835073', position: 0, color: 0, hoist: false, managed: false, mentionable: false, icon: null, unicode_emoji: null, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 3,
      voice_states: [],
      members: [guildMember(world.bot)],
      channels: [
        {
          id: channelId,
          type: ChannelType.GuildText,
          guild_id: guildId,
          name: 'clips',
          position: 0,
          permission_overwrites: [],
          nsfw: false,
          parent_id: null,
          topic: null,
          last_message_id: null,
          rate_limit_per_user: 0,
        },
      ],
      // Only active threads: archived ones reach the bot when it fetches them (or they are reopened).
      threads: [...this.threads.values()].filter((t) => t.guild_id === guildId && !t.thread_metadata?.archived),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  // --- REST ---

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/cdn/')) {
      this.serveCdn(url.pathname.slice(4), res);
      return;
    }
    const { body, files } = await readBody(req);
    const pathname = decodeURIComponent(url.pathname);
    const path = pathname.startsWith(API) ? pathname.slice(API.length) : pathname;
    this.calls.push({ method, path, body, files });
    const { status, data } = this.route(method, path, url, body, files);
    if (data === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
  }

  private route(method: string, path: string, url: URL, body: Record<string, unknown> | undefined, files: RecordedCall['files']): Reply {
    const { world } = this;
    let m: RegExpMatchArray | null;

    if (method === 'GET' && path === '/gateway/bot') {
      return reply(200, { url: this.advertisedGatewayUrl ?? this.gatewayUrl, shards: this.shardCount, session_start_limit: { total: 1000, remaining: 999, reset_after: 60_000, max_concurrency: 1 } });
    }
    if (method === 'PUT' && (m = path.match(/^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/))) {
      const commands = Array.isArray(body) ? (body as Record<string, unknown>[]) : [];
      return reply(
        200,
        commands.map((c) => ({ ...c, id: snowflake(), application_id: m![1], ...(m![2] ? { guild_id: m![2] } : {}), version: snowflake() })),
      );
    }
    if (method === 'POST' && (m = path.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/))) {
      return this.onCallback(m[2]!, body ?? {}, url.searchParams.get('with_response') === 'true');
    }
    if ((m = path.match(/^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/))) {
      const record = this.interactions.get(m[2]!);
      const id = m[3] === '@original' ? record?.originalId : m[3];
      const message = id ? this.messages.get(id) : undefined;
      if (!record || !message) return reply(404, { message: 'Unknown Message', code: 10008 });
      if (method === 'GET') return reply(200, message);
      if (method === 'DELETE') {
        this.messages.delete(message.id);
        return reply(204);
      }
      if (method === 'PATCH') {
        const refused = this.refusal(message.channel_id, Boolean((message.flags ?? 0) & MessageFlags.Ephemeral));
        if (refused) return reply(refused.status, refused.body);
        return reply(200, this.edit(message, body ?? {}, files));
      }
    }
    if (method === 'POST' && (m = path.match(/^\/webhooks\/(\d+)\/([^/]+)$/))) {
      const record = this.interactions.get(m[2]!);
      if (!record) return reply(404, { message: 'Unknown Webhook', code: 10015 });
      const channelId = record.payload.channel?.id ?? world.channelId;
      const refused = this.refusal(channelId, Boolean(Number(body?.flags ?? 0) & MessageFlags.Ephemeral));
      if (refused) return reply(refused.status, refused.body);
      const message = this.create(channelId, body ?? {}, files, { webhook_id: world.applicationId });
      record.followups.push(message.id);
      return reply(200, message);
    }
    if (method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/typing$/))) {
      const refused = this.refusal(m[1]!);
      return refused ? reply(refused.status, refused.body) : reply(204);
    }
    if (method === 'PUT' && (m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/([^/]+)\/@me$/))) {
      const refused = this.refusal(m[1]!);
      if (refused) return reply(refused.status, refused.body);
      if (!this.messages.has(m[2]!)) return reply(404, { message: 'Unknown Message', code: 10008 });
      this.reactions.push(`${m[1]}/${m[2]}/${m[3]}`);
      return reply(204);
    }
    if (method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)\/threads$/))) {
      const parent = m[1]!;
      if (!this.messages.has(m[2]!)) return reply(404, { message: 'Unknown Message', code: 10008 });
      const thread: APIThreadChannel = {
        id: m[2]!, // Discord gives a thread started from a message the message's id.
        type: ChannelType.PublicThread,
        guild_id: this.guildOfChannel(parent),
        parent_id: parent,
        owner_id: world.bot.id,
        name: typeof body?.name === 'string' ? body.name : 'thread',
        last_message_id: null,
        rate_limit_per_user: 0,
        message_count: 0,
        member_count: 1,
        total_message_sent: 0,
        flags: 0,
        thread_metadata: { archived: false, auto_archive_duration: Number(body?.auto_archive_duration ?? 1440) as 1440, archive_timestamp: new Date().toISOString(), locked: false },
      } as unknown as APIThreadChannel;
      this.threads.set(thread.id, thread);
      return reply(201, thread);
    }
    if (method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/messages$/))) {
      const refused = this.refusal(m[1]!);
      if (refused) return reply(refused.status, refused.body);
      return reply(200, this.create(m[1]!, body ?? {}, files));
    }
    if (method === 'GET' && (m = path.match(/^\/channels\/(\d+)$/))) {
      const channel: APIChannel | undefined = this.threads.get(m[1]!);
      return channel ? reply(200, channel) : reply(404, { message: 'Unknown Channel', code: 10003 });
    }
    if (method === 'PATCH' && (m = path.match(/^\/channels\/(\d+)$/))) {
      const thread = this.threads.get(m[1]!);
      if (!thread) return reply(404, { message: 'Unknown Channel', code: 10003 });
      if (body?.archived === false && thread.thread_metadata?.archived) {
        // Reopening takes Send Messages in Threads; a locked thread takes Manage Threads, which the bot lacks.
        if (thread.thread_metadata.locked || this.closedToBot.has(thread.id)) return reply(403, { message: 'Missing Permissions', code: 50013 });
        this.setArchived(thread, false);
      }
      return reply(200, thread);
    }
    this.unknownRoutes.push(`${method} ${path}`);
    return reply(404, { message: '404: Not Found', code: 0 });
  }

  private onCallback(token: string, body: Record<string, unknown>, withResponse: boolean): Reply {
    const record = this.interactions.get(token);
    if (!record) return reply(404, { message: 'Unknown interaction', code: 10062 });
    if (record.callbacks.length > 0) return reply(400, { message: 'Interaction has already been acknowledged.', code: 40060 });
    const type = body.type as InteractionResponseType;
    const data = body.data as Record<string, unknown> | undefined;
    const posts = [InteractionResponseType.ChannelMessageWithSource, InteractionResponseType.DeferredChannelMessageWithSource, InteractionResponseType.UpdateMessage].includes(type);
    const refused = posts ? this.refusal(record.payload.channel?.id ?? this.world.channelId, Boolean(Number(data?.flags ?? 0) & MessageFlags.Ephemeral)) : undefined;
    if (refused) return reply(refused.status, refused.body);
    record.callbacks.push({ type, ...(data ? { data } : {}) });
    const source = 'message' in record.payload ? record.payload.message : undefined;
    const channelId = record.payload.channel?.id ?? this.world.channelId;
    let message: APIMessage | undefined;
    if (type === InteractionResponseType.ChannelMessageWithSource) {
      message = this.create(channelId, data ?? {}, [], { webhook_id: this.world.applicationId });
    } else if (type === InteractionResponseType.DeferredChannelMessageWithSource) {
      const flags = Number(data?.flags ?? 0) | MessageFlags.Loading;
      message = this.create(channelId, { content: '', flags }, [], { webhook_id: this.world.applicationId });
    } else if (type === InteractionResponseType.DeferredMessageUpdate || type === InteractionResponseType.UpdateMessage) {
      if (source) {
        message = this.messages.get(source.id) ?? source;
        this.messages.set(message.id, message);
        if (type === InteractionResponseType.UpdateMessage) message = this.edit(message, data ?? {}, []);
      }
    }
    if (message) record.originalId = message.id;
    if (!withResponse) return reply(204);
    return reply(200, {
      interaction: {
        id: record.payload.id,
        type: record.payload.type,
        response_message_id: message?.id,
        response_message_loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
        response_message_ephemeral: false,
      },
      ...(message ? { resource: { type, message } } : { resource: { type } }),
    });
  }

  private create(channelId: string, body: Record<string, unknown>, files: RecordedCall['files'], extra: Partial<APIMessage> = {}): APIMessage {
    const message = {
      id: snowflake(),
      channel_id: channelId,
      author: this.world.bot,
      content: typeof body.content === 'string' ? body.content : '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: files.map((f) => ({ id: snowflake(), filename: f.name, size: f.size, url: `http://127.0.0.1:${this.port}/cdn/bot/${f.name}`, proxy_url: '' })),
      embeds: (body.embeds ?? []) as APIMessage['embeds'],
      components: (body.components ?? []) as APIMessage['components'],
      pinned: false,
      type: body.message_reference ? MessageType.Reply : MessageType.Default,
      flags: bitFlags<MessageFlags>(Number(body.flags ?? 0)),
      ...(body.message_reference ? { message_reference: body.message_reference as APIMessage['message_reference'] } : {}),
      ...extra,
    } as APIMessage;
    this.messages.set(message.id, message);
    return message;
  }

  private edit(message: APIMessage, body: Record<string, unknown>, files: RecordedCall['files']): APIMessage {
    const edited = {
      ...message,
      edited_timestamp: new Date().toISOString(),
      flags: bitFlags<MessageFlags>((message.flags ?? 0) & ~MessageFlags.Loading),
      ...('content' in body ? { content: typeof body.content === 'string' ? body.content : '' } : {}),
      ...('embeds' in body ? { embeds: body.embeds as APIMessage['embeds'] } : {}),
      ...('components' in body ? { components: body.components as APIMessage['components'] } : {}),
      ...(files.length > 0 || 'attachments' in body ? { attachments: files.map((f) => ({ id: snowflake(), filename: f.name, size: f.size, url: '', proxy_url: '' })) } : {}),
    } as APIMessage;
    this.messages.set(edited.id, edited);
    return edited;
  }

  private serveCdn(path: string, res: ServerResponse): void {
    const file = this.files.get(path);
    this.calls.push({ method: 'GET', path: `/cdn${path}`, body: undefined, files: [] });
    if (!file || file.expired) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('This content is no longer available.');
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.byteLength) }).end(file.bytes);
  }
}

async function readBody(req: IncomingMessage): Promise<{ body: Record<string, unknown> | undefined; files: RecordedCall['files'] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (raw.byteLength === 0) return { body: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: { name: string; size: number }[] = [];
    let body: Record<string, unknown> | undefined;
    for (const [key, value] of form as unknown as Iterable<[string, string | File]>) {
      if (key === 'payload_json' && typeof value === 'string') body = JSON.parse(value) as Record<string, unknown>;
      else if (typeof value !== 'string') files.push({ name: value.name, size: value.size });
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] };
}

/** The shard a guild's events go to, as Discord computes it. */
/** A gateway frame as text (ws hands over a Buffer, an ArrayBuffer or, for fragments, Buffers). */
function textOf(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return (Buffer.isBuffer(raw) ? raw : Buffer.from(raw)).toString('utf8');
}

export const shardOfGuild = (guildId: string, shardCount: number): number => Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
