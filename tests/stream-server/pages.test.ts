import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpegOf } from './support/color-encoder.js';
import { OVERLAY_TOKEN, STREAM_ID, STREAM_TOKEN, closeClients, producer, request, startTestServer, waitUntil, type TestServer } from './support/server.js';
import { ifSet } from '../support/if-set.js';

const CHROMIUM = '/usr/bin/chromium';
const RED = [230, 20, 10] as const;
const BLUE = [10, 20, 240] as const;

let context: BrowserContext;
let profile: string;
let server: TestServer | undefined;

describe.skipIf(!existsSync(CHROMIUM))('pages in headless Chromium', () => {
  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'cuecast-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
        '--use-fake-device-for-media-stream',
      ],
    });
  });
  afterAll(async () => {
    await ifSet(context)?.close();
    rmSync(profile, { recursive: true, force: true });
  });
  afterEach(async () => {
    closeClients();
    await server?.close();
    server = undefined;
  });

  async function sendScene(s: TestServer, color: readonly [number, number, number]) {
    const cam = producer(s.url);
    expect(await request(cam, 'frame', { image: await jpegOf(color), capturedAt: Date.now() })).toMatchObject({ data: { status: 'encoded' } });
    cam.disconnect();
  }

  const currentTitle = (page: Page) => page.locator('.card.current .title').textContent();

  it('the overlay shows the pick on a transparent page, and picks up again after the server restarts', async () => {
    server = await startTestServer();
    const { port } = server;
    const page = await context.newPage();
    await page.goto(`${server.url}/overlay?stream=${STREAM_ID}&token=${OVERLAY_TOKEN}`);
    await page.waitForSelector('body[data-connection="connected"]', { state: 'attached' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgba(0, 0, 0, 0)');

    await sendScene(server, RED);
    await page.waitForSelector('body[data-track-id="ember"]', { state: 'attached' });
    await waitUntil(async () => (await currentTitle(page)) === 'Ember Run', 3000, 'the card to show Ember Run');
    expect(await page.locator('.card.current .artist').textContent()).toBe('The Reds');
    expect(await page.locator('.card.current .why').textContent()).toMatch(/scene/);

    // Restart: the same port, a fresh process state (seq starts at 1 again).
    await server.close();
    await page.waitForSelector('body[data-connection="disconnected"]', { state: 'attached' });
    server = await startTestServer({ port });
    await page.waitForSelector('body[data-connection="connected"]', { state: 'attached', timeout: 15_000 });
    await sendScene(server, BLUE);
    await page.waitForSelector('body[data-track-id="tide"]', { state: 'attached', timeout: 5000 });
    await waitUntil(async () => (await currentTitle(page)) === 'Low Tide', 3000, 'the card to show Low Tide');
    expect(await page.locator('.card.current').count()).toBe(1);
    await page.close();
  });

  it('with audio=1, the overlay plays the picked segment from the server with range requests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cuecast-overlay-audio-'));
    const wav = join(dir, 'ember.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'sine=f=330:d=40', '-ac', '1', '-ar', '22050', wav], { timeout: 30_000 });
    const ranges: string[] = [];
    server = await startTestServer({}, { audioPath: (id) => (id === 'ember' ? wav : undefined) });
    server.http.prependListener('request', (req) => {
      if (req.url?.startsWith('/audio/')) ranges.push(req.headers.range ?? 'none');
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/overlay?stream=${STREAM_ID}&token=${OVERLAY_TOKEN}&audio=1`);
    await page.waitForSelector('body[data-connection="connected"]', { state: 'attached' });
    await sendScene(server, RED);
    await page.waitForSelector('body[data-track-id="ember"]', { state: 'attached' });
    await page.waitForFunction(
      () => {
        const player = document.getElementById('player') as HTMLAudioElement;
        return !player.paused && player.currentTime >= 15;
      },
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.evaluate(() => (document.getElementById('player') as HTMLAudioElement).currentTime)).toBeLessThan(45);
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.some((r) => r.startsWith('bytes='))).toBe(true);
    await page.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the overlay says why when its token is refused', async () => {
    server = await startTestServer();
    const page = await context.newPage();
    await page.goto(`${server.url}/overlay?stream=${STREAM_ID}&token=wrong-token`);
    await page.waitForSelector('#notice:not([hidden])');
    expect(await page.locator('#notice').textContent()).toContain('UNAUTHORIZED');
    await page.close();
  });

  it('the capture page sends camera frames as JPEG and shows the pick they lead to', async () => {
    server = await startTestServer();
    const page = await context.newPage();
    await page.goto(`${server.url}/capture?stream=${STREAM_ID}&token=${STREAM_TOKEN}`);
    await page.selectOption('select[name="source"]', 'camera');
    await page.selectOption('select[name="fps"]', '2');
    await page.click('button[type="submit"]');
    await waitUntil(() => server!.encoder.batches.length >= 2, 10_000, 'frames from the capture page');
    await page.waitForFunction(() => document.getElementById('pick')?.textContent !== '-', undefined, { timeout: 10_000 });
    expect(Number(await page.locator('#sent').textContent())).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#problem').textContent()).toBe('-');
    await page.fill('#prompt input', 'calm water');
    await page.click('#prompt button');
    await waitUntil(() => server!.app.sessions.get(STREAM_ID)?.summary().prompt === 'calm water', 5000, 'the prompt to arrive');
    await page.click('#stop');
    await page.close();
  });
});
