/** `cuecast bot` and `cuecast bot register` as processes, pointed at the local Discord stand-in. */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from './support/fake-discord/server.js';
import { attachmentOption, mp4Bytes, slashCommand } from './support/fake-discord/payloads.js';
import { startCuecast, type LiveCuecast } from '../support/cli.js';

const root = resolve(import.meta.dirname, '..', '..');
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function cuecast(args: string[], env: Record<string, string>): LiveCuecast {
  const live = startCuecast(args, { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), CUECAST_LOG_LEVEL: 'info', ...env }, ['--import', 'tsx', join(root, 'cli', 'main.ts')]);
  children.push(live.child);
  return live;
}

async function stand(): Promise<{ fake: FakeDiscord; dataDir: string }> {
  const fake = await FakeDiscord.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'cuecast-bot-cli-'));
  cleanups.push(
    () => fake.close(),
    () => rmSync(dataDir, { recursive: true, force: true }),
  );
  return { fake, dataDir };
}

describe('cuecast bot (process)', () => {
  it('register puts the commands in the configured dev guild', async () => {
    const { fake, dataDir } = await stand();
    const run = cuecast(['bot', 'register'], {
      CUECAST_DATA_DIR: dataDir,
      DISCORD_TOKEN: 'token',
      DISCORD_APPLICATION_ID: fake.world.applicationId,
      DISCORD_DEV_GUILD_ID: fake.world.guildId,
      DISCORD_API_BASE_URL: fake.apiUrl,
    });
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain(`registered "music", "Find music", "refine", "similar" in guild ${fake.world.guildId}`);
    expect(fake.calls.filter((c) => c.method === 'PUT').map((c) => c.path)).toEqual([`/applications/${fake.world.applicationId}/guilds/${fake.world.guildId}/commands`]);
  });

  it('without a token, exits 1 naming the variable', async () => {
    const run = cuecast(['bot'], { CUECAST_DATA_DIR: tmpdir() });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('error INPUT_INVALID: DISCORD_TOKEN (discord.token) is not set');
  });

  it('with its models missing, still connects and tells users the models are not installed', async () => {
    const { fake, dataDir } = await stand();
    const run = cuecast(['bot'], {
      CUECAST_DATA_DIR: dataDir,
      CUECAST_MODELS: join(dataDir, 'no-models'),
      CUECAST_ALLOW_REMOTE_MODELS: 'false',
      DISCORD_TOKEN: 'token',
      DISCORD_API_BASE_URL: fake.apiUrl,
      DISCORD_GATEWAY_URL: fake.gatewayUrl,
    });
    await fake.waitFor(() => fake.identifies.length > 0 && fake.connected, 'the bot to identify', 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const clip = fake.addAttachment('clip.mp4', mp4Bytes(1024, 1), 'video/mp4');
    const interaction = fake.sendInteraction(slashCommand(fake.world, 'music', { options: [attachmentOption('clip', clip)], attachments: [clip] }));
    const reply = await fake.waitFor(() => fake.original(interaction)?.content.startsWith('⚠️') && fake.original(interaction), 'the answer', 20_000);
    expect(reply.content).toMatch(/models are not installed/);
    expect(run.output()).toContain('MODEL_MISSING');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
