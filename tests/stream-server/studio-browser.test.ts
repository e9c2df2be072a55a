import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteConversationStore } from '../../bot/conversation-store.js';
import { studioConversations } from '../../cli/studio.js';
import { probe } from '../../core/media/index.js';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { openCatalog } from '../../index-data/catalog.js';
import { indexMusic } from '../../index-data/indexer.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import type { Catalog } from '../../index-data/types.js';
import type { Encoders } from '../../model/index.js';
import { catalogVocabulary } from '../../recommend/catalog-vocabulary.js';
import { Recommender } from '../../recommend/recommender.js';
import { createStudio, DEFAULT_STUDIO_LIMITS, type Studio } from '../../stream-server/studio/index.js';
import { makeImage, makeTrack, makeVideo, pseudoRandomBytes } from '../support/media.js';
import { createFixtureEncoders } from '../support/models.js';
import { startTestServer, type TestServer } from './support/server.js';
import { ifSet } from '../support/if-set.js';

/**
 * The studio end to end in headless Chromium, on real parts: a catalog the real indexer built from
 * generated tracks with the fixture models, recommend/'s Recommender, the fixture CLIP image encoder,
 * the bot's SQLite conversation store, ffmpeg through core/media.
 */
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'studio-browser-token-0123456789';
const MAX_CLIP_BYTES = 3 * 1024 * 1024;
const CLIP_SECONDS = 16;
/** 20 s segments every 10 s: any segment start (at most 30 s), moved 3 s later, plus the clip stays inside the track. */
const TRACK_SECONDS = 50;
const TRACKS = [
  { title: 'Harbour Lights', artist: 'Quay Street', freq: 220, bpm: 84 },
  { title: 'Copper Wire', artist: 'Signal Path', freq: 440, bpm: 120 },
  { title: 'Night Ferry', artist: 'The Crossing', freq: 330, bpm: 100 },
  { title: 'Paper Kites', artist: 'Wind Section', freq: 660, bpm: 140 },
];
/** Where the test leaves its screenshots (docs/studio.png is copied from here by hand). */
const SHOTS = process.env.CUECAST_STUDIO_SHOTS ?? join(tmpdir(), 'cuecast-studio-shots');

let work: string;
let encoders: Encoders;
let catalog: Catalog;
let store: SqliteConversationStore;
let studio: Studio;
let server: TestServer;
let context: BrowserContext;
/** The browser starting (closed in afterAll even when set-up failed before it was awaited). */
let launching: Promise<BrowserContext> | undefined;
let clipPath: string;
/** Every request the browser made (to check that none left cuecast, and that the recording saw the page's own). */
const requests: string[] = [];

async function startStudio(): Promise<void> {
  const recommender = new Recommender({ catalog, clipText: encoders.clipText, clapText: encoders.clapText, vocabulary: catalogVocabulary(catalog) });
  studio = createStudio(
    { frameEncoder: encoders.clipImage, recommender, catalog, conversations: studioConversations(store) },
    {
      token: TOKEN,
      dir: join(work, 'data', 'studio'),
      limits: { ...DEFAULT_STUDIO_LIMITS, maxClipBytes: MAX_CLIP_BYTES, maxClipSeconds: 120, maxTextChars: 300, chunkBytes: 256 * 1024 },
      analysis: { fps: 1, maxFrames: 8, timeoutMs: 60_000 },
      picks: 3,
      clipTtlMs: 3600_000,
      mediaTimeoutMs: 60_000,
    },
  );
  server = await startTestServer({}, { studio });
}

describe.skipIf(!existsSync(CHROMIUM))('the studio in headless Chromium', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cuecast-studio-browser-'));
    mkdirSync(SHOTS, { recursive: true });
    // The browser, the clip and the encoders start while the tracks are made and indexed.
    launching = chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1280, height: 720 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    // Long enough that the clip is still playing through every preview step on a slow machine.
    const making = makeVideo({ container: 'webm', seconds: CLIP_SECONDS, width: 320, height: 180, fps: 10, scenes: ['orange', 'teal'] });
    const loading = createFixtureEncoders();
    const music = join(work, 'music');
    await Promise.all(
      TRACKS.map((t, i) =>
        makeTrack({ path: join(music, `track-${i}.wav`), seconds: TRACK_SECONDS, freq: t.freq, bpm: t.bpm, timbre: i % 2 ? 'triangle' : 'sine', sampleRate: 22_050, title: t.title, artist: t.artist }),
      ),
    );
    encoders = await loading;
    const catalogDir = join(work, 'catalog');
    await indexMusic({
      roots: [music],
      catalogDir,
      encoders,
      audio: mediaAudioSource(),
      metadata: musicMetadataReader,
      describer: (cache) => createDescriber('template', undefined, cache),
      segmentSeconds: 20,
      hopSeconds: 10,
      jobs: 1,
    });
    catalog = openCatalog(catalogDir);
    store = new SqliteConversationStore(join(work, 'data', 'discord', 'conversations.sqlite'), 3600_000);
    clipPath = await making;
    await startStudio();
    context = await launching;
    context.on('request', (request) => requests.push(request.url()));
  }, 240_000);

  afterAll(async () => {
    await (await launching?.catch(() => undefined))?.close();
    await ifSet(server)?.close();
    await ifSet(studio)?.close();
    await ifSet(store)?.close();
    await ifSet(catalog)?.close();
    await ifSet(encoders)?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  const studioUrl = () => `${server.url}/studio?token=${TOKEN}`;

  /** Layout expectations a person would state: nothing past the viewport's width, no overlapping controls, no clipped text. */
  async function checkLayout(page: Page, name: string): Promise<void> {
    const problems = await page.evaluate(() => {
      const out: string[] = [];
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width + 1) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
      const visible = (el: Element) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
      };
      const boxes = Array.from(document.querySelectorAll('button, input:not(#file), select, .wave, .card, h1, #status')).filter(visible);
      for (const el of boxes) {
        const box = el.getBoundingClientRect();
        if (box.left < -1 || box.right > width + 1) out.push(`${el.tagName}.${el.className || el.id} sticks out: ${Math.round(box.left)}..${Math.round(box.right)} of ${width}`);
      }
      // Controls in the same group must not overlap.
      for (const group of Array.from(document.querySelectorAll('.actions, .transport, .prompt-row, .card-head'))) {
        const items = Array.from(group.children)
          .filter(visible)
          .map((el) => ({ el, box: el.getBoundingClientRect() }));
        for (let i = 0; i < items.length; i++) {
          for (let j = i + 1; j < items.length; j++) {
            const a = items[i]!.box;
            const b = items[j]!.box;
            const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
            if (overlap) out.push(`overlap in ${group.className}: ${items[i]!.el.textContent.trim()} / ${items[j]!.el.textContent.trim()}`);
          }
        }
      }
      // Text that wraps must show whole: buttons, the why line, tags, the status.
      for (const el of Array.from(document.querySelectorAll('button, .why, .tags li, #status, .history li, .bpm, .rank')).filter(visible)) {
        if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
          out.push(`clipped text: "${el.textContent.trim().slice(0, 40)}" (${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight})`);
      }
      // Titles may end in an ellipsis only when they are too long for the card; these are short.
      for (const el of Array.from(document.querySelectorAll('.card .title'))) if (el.scrollWidth > el.clientWidth + 1) out.push(`title cut: ${el.textContent}`);
      return out;
    });
    expect(problems, name).toEqual([]);
    const file = join(SHOTS, `${name}.png`);
    await page.screenshot({ path: file });
    const meta = await sharp(file).metadata();
    const viewport = page.viewportSize()!;
    expect([meta.width, meta.height]).toEqual([viewport.width, viewport.height]);
  }

  const state = (page: Page) =>
    page.evaluate(() => {
      const video = document.getElementById('clip') as HTMLVideoElement;
      const audio = document.getElementById('music') as HTMLAudioElement;
      return {
        video: video.currentTime,
        videoPaused: video.paused,
        music: audio.currentTime,
        musicPaused: audio.paused,
        musicSrc: audio.currentSrc,
        videoVolume: video.muted ? 0 : video.volume,
        pick: document.body.dataset.pick,
      };
    });

  /**
   * Waits until the music plays at the current pick's segment start plus the clip's position (within
   * 0.3 s, as the page keeps it); polled, so a loaded machine only makes it take longer.
   */
  async function inSync(page: Page, segmentStart: number): Promise<void> {
    await page.waitForFunction(
      (start) => {
        const video = document.getElementById('clip') as HTMLVideoElement;
        const audio = document.getElementById('music') as HTMLAudioElement;
        return !video.paused && !audio.paused && audio.currentTime >= start && Math.abs(audio.currentTime - (start + video.currentTime)) < 0.3;
      },
      segmentStart,
      { timeout: 20_000 },
    );
  }

  async function segmentStartOf(page: Page, index: number): Promise<number> {
    return Number(await page.locator('.card').nth(index).locator('.wave').getAttribute('aria-valuenow'));
  }

  it('refuses the page without the token', async () => {
    const page = await context.newPage();
    const response = await page.goto(`${server.url}/studio`);
    expect(response!.status()).toBe(401);
    expect(await page.textContent('body')).toMatch(/UNAUTHORIZED/);
    await page.close();
  });

  it('uploads, shows picks, previews in sync, switches picks, moves a segment, refines, survives a reload, exports, at 1280x720 and on a phone', async () => {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(studioUrl());
    expect(await page.getAttribute('body', 'data-state')).toBe('empty');

    // Keyboard order: the clip chooser, the prompt, then the button.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('file');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('prompt');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('go');

    // Upload (in chunks of 256 KiB) and picks.
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/studio/api/uploads/')) puts.push(request.url());
    });
    await page.setInputFiles('#file', clipPath);
    await page.fill('#prompt', 'calm piano at night');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 120_000 });
    expect(puts.length).toBeGreaterThanOrEqual(1);
    const cards = page.locator('.card');
    expect(await cards.count()).toBe(3);
    const titles = await page.locator('.card .title').allTextContents();
    for (const title of titles) expect(TRACKS.map((t) => t.title)).toContain(title);
    for (let i = 0; i < 3; i++) {
      const card = cards.nth(i);
      expect(TRACKS.map((t) => t.artist)).toContain(await card.locator('.artist').textContent());
      expect((await card.locator('.why').textContent())!.length).toBeGreaterThan(10);
      expect(await card.locator('.bpm').textContent()).toMatch(/^\d+ BPM$/);
      expect(await card.locator('.tags li').count()).toBeGreaterThan(0);
      expect(await card.locator('.parts .fill').count()).toBeGreaterThan(0);
      await card.locator('.wave[data-waveform="drawn"]').waitFor();
      const wave = (await card.locator('.wave').boundingBox())!;
      const segment = (await card.locator('.segment').boundingBox())!;
      expect(segment.width).toBeGreaterThan(10);
      expect(segment.x).toBeGreaterThanOrEqual(wave.x - 1);
      expect(segment.x + segment.width).toBeLessThanOrEqual(wave.x + wave.width + 1);
    }
    // The waveform is drawn from the track: its canvas is not blank.
    const inked = await page.evaluate(() => {
      const canvas = document.querySelector('.card canvas') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let lit = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) lit++;
      return lit / (canvas.width * canvas.height);
    });
    expect(inked).toBeGreaterThan(0.05);
    await checkLayout(page, 'desktop-picks');

    // Keyboard order past the prompt: the transport, the refinement box, then the first card's waveform and buttons.
    await page.focus('#play');
    const order: string[] = [];
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          return el.id || `${el.closest('.card') ? 'card1 ' : ''}${el.className}`;
        }),
      );
    }
    // Undo is skipped while there is nothing to undo.
    expect(order).toEqual(['prev', 'next', 'duck', 'say', 'refine-go', 'card1 wave', 'card1 preview']);

    // Play with K: the clip plays (ducked) and the first pick's segment plays under it, offset by the clip's position.
    await page.locator('h1').click();
    await page.keyboard.press('k');
    await page.waitForFunction(
      () => {
        const video = document.getElementById('clip') as HTMLVideoElement;
        const audio = document.getElementById('music') as HTMLAudioElement;
        return !video.paused && !audio.paused && video.currentTime > 1.0;
      },
      undefined,
      { timeout: 20_000 },
    );
    const firstStart = await segmentStartOf(page, 0);
    await inSync(page, firstStart);
    const first = await state(page);
    expect(first.pick).toBe(await cards.nth(0).getAttribute('data-track-id'));
    expect(first.musicSrc).toContain(`track=${encodeURIComponent(first.pick!)}`);
    expect(first.music).toBeGreaterThan(firstStart);
    expect(first.videoVolume).toBeCloseTo(0.15, 2);

    // N switches to the next pick while playing; the clip keeps its position.
    await page.keyboard.press('n');
    await page.waitForFunction((pick) => document.body.dataset.pick !== pick, first.pick);
    const second = await state(page);
    expect(second.video).toBeGreaterThanOrEqual(first.video);
    expect(second.videoPaused).toBe(false);
    expect(second.musicSrc).toContain(`track=${encodeURIComponent(second.pick!)}`);
    const secondStart = await segmentStartOf(page, 1);
    await inSync(page, secondStart);
    // P goes back to the first pick, N forward again, the music following each time.
    await page.keyboard.press('p');
    await page.waitForFunction((pick) => document.body.dataset.pick === pick, first.pick);
    await inSync(page, firstStart);
    await page.keyboard.press('n');
    await page.waitForFunction((pick) => document.body.dataset.pick === pick, second.pick);
    await inSync(page, secondStart);

    // Move the second pick's segment 3 s later with the keyboard: the music follows.
    await cards.nth(1).locator('.wave').focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await segmentStartOf(page, 1)).toBe(Math.round(secondStart + 3));
    await inSync(page, secondStart + 3);
    // The mouse drags a segment too: grab the third card's segment in its middle and drag it 10 s later.
    await cards.nth(2).locator('.wave').scrollIntoViewIfNeeded();
    const before3 = await segmentStartOf(page, 2);
    const wave3 = (await cards.nth(2).locator('.wave').boundingBox())!;
    const segment3 = (await cards.nth(2).locator('.segment').boundingBox())!;
    const pxPerSecond = wave3.width / TRACK_SECONDS;
    const grabX = segment3.x + segment3.width / 2;
    await page.mouse.move(grabX, wave3.y + wave3.height / 2);
    await page.mouse.down();
    await page.mouse.move(grabX + 10 * pxPerSecond, wave3.y + wave3.height / 2, { steps: 5 });
    await page.mouse.up();
    const dragged = await segmentStartOf(page, 2);
    expect(Math.abs(dragged - (before3 + 10))).toBeLessThanOrEqual(1);
    const box3 = (await cards.nth(2).locator('.segment').boundingBox())!;
    expect(box3.x + box3.width).toBeLessThanOrEqual(wave3.x + wave3.width + 1);
    // And it was saved: the server's conversation has the new start.
    const track3 = (await cards.nth(2).getAttribute('data-track-id'))!;
    await expect
      .poll(
        () =>
          page.evaluate(async (track) => {
            const key = decodeURIComponent(/c=([^&]+)/.exec(location.hash)![1]!);
            const token = new URLSearchParams(location.search).get('token');
            const view = (await (await fetch(`/studio/api/conversations/${key}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { picks: { trackId: string; segmentStart: number }[] };
            return Math.round(view.picks.find((p) => p.trackId === track)!.segmentStart);
          }, track3),
        { timeout: 20_000 },
      )
      .toBe(dragged);

    // Clip sound: muted, then back to ducked.
    await page.selectOption('#duck', '0');
    expect(await page.evaluate(() => (document.getElementById('clip') as HTMLVideoElement).muted)).toBe(true);
    await page.selectOption('#duck', '0.15');
    await page.locator('h1').click();
    await page.keyboard.press('k');
    await page.waitForFunction(() => (document.getElementById('clip') as HTMLVideoElement).paused && (document.getElementById('music') as HTMLAudioElement).paused);

    // Refine: "Not this" on the first card removes it; a typed refinement; undo steps back.
    const firstTrack = (await cards.nth(0).getAttribute('data-track-id'))!;
    await cards.nth(0).locator('.not').click();
    await page.waitForFunction((id) => document.body.dataset.state === 'ready' && !document.querySelector(`.card[data-track-id="${id}"]`), firstTrack);
    expect(await page.locator('#history li').allTextContents()).toEqual([`not "${titles[0]}"`]);
    await cards.nth(0).locator('.like').click();
    await page.waitForFunction(() => document.querySelectorAll('#history li').length === 2 && document.body.dataset.state === 'ready');
    // A typed refinement, "none of these", rules out every track (one was "Not this" already): the
    // music stops and the picks column says why; Undo brings the picks back and the same pick plays
    // again (its audio loaded afresh).
    await page.evaluate(() => {
      (document.getElementById('clip') as HTMLVideoElement).currentTime = 0;
    });
    await cards.nth(0).locator('.preview').click();
    const previewed = (await cards.nth(0).getAttribute('data-track-id'))!;
    await inSync(page, await segmentStartOf(page, 0));
    await page.fill('#say', 'none of these');
    await page.press('#say', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#history li').length === 3 && document.body.dataset.state === 'ready');
    expect(await page.inputValue('#say')).toBe('');
    expect(await cards.count()).toBe(0);
    expect(await page.evaluate(() => ({ musicPaused: (document.getElementById('music') as HTMLAudioElement).paused, pick: document.body.dataset.pick ?? null }))).toEqual({
      musicPaused: true,
      pick: null,
    });
    expect(await page.textContent('#now')).toBe('No music: no pick fits.');
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('picks')!, '::before').content)).toMatch(/No pick fits/);
    await checkLayout(page, 'desktop-emptied');
    await page.click('#undo');
    await page.waitForFunction(() => document.querySelectorAll('#history li').length === 2 && document.body.dataset.state === 'ready');
    expect(await cards.nth(0).getAttribute('data-track-id')).toBe(previewed);
    await page.evaluate(() => {
      (document.getElementById('clip') as HTMLVideoElement).currentTime = 0;
    });
    if (await page.evaluate(() => (document.getElementById('clip') as HTMLVideoElement).paused)) await page.click('#play');
    await inSync(page, await segmentStartOf(page, 0));
    expect((await state(page)).musicSrc).toContain(`track=${encodeURIComponent(previewed)}`);
    await page.click('#play');
    await page.waitForFunction(() => (document.getElementById('music') as HTMLAudioElement).paused);
    const starts = () => page.$$eval('.card', (all) => all.map((card) => `${(card as HTMLElement).dataset.trackId}@${card.querySelector('.wave')!.getAttribute('aria-valuenow')}`));
    const before = { titles: await page.locator('.card .title').allTextContents(), history: await page.locator('#history li').allTextContents(), starts: await starts() };

    // Reload: the conversation, the clip and the moved segment come back.
    await page.reload();
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    expect(await page.locator('.card .title').allTextContents()).toEqual(before.titles);
    expect(await page.locator('#history li').allTextContents()).toEqual(before.history);
    expect(await starts()).toEqual(before.starts);
    expect(await page.getAttribute('#clip', 'src')).toContain('/studio/api/clips/');
    expect(await page.inputValue('#prompt')).toBe('calm piano at night');

    // Export: the segment, the clip with the segment, the command.
    const pickTitle = (await cards.nth(0).locator('.title').textContent())!;
    const segmentStart = await segmentStartOf(page, 0);
    const [segmentDownload] = await Promise.all([page.waitForEvent('download'), cards.nth(0).locator('.export-segment').click()]);
    const segmentFile = join(work, 'segment.mp3');
    await segmentDownload.saveAs(segmentFile);
    expect(segmentDownload.suggestedFilename()).toMatch(new RegExp(`${pickTitle} \\(\\d+m\\d\\ds-\\d+m\\d\\ds\\)\\.mp3$`));
    const cut = await probe(segmentFile);
    expect(cut.streams.map((s) => s.codec)).toEqual(['mp3']);
    expect(cut.duration!).toBeGreaterThan(Math.min(20, TRACK_SECONDS - segmentStart) - 1);

    const [mixDownload] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), cards.nth(0).locator('.export-mix').click()]);
    const mixFile = join(work, 'mix.mp4');
    await mixDownload.saveAs(mixFile);
    const mixed = await probe(mixFile);
    expect(mixed.streams.map((s) => `${s.type}:${s.codec}`).sort()).toEqual(['audio:aac', 'video:vp9']);
    expect(mixed.duration!).toBeGreaterThan(CLIP_SECONDS - 0.5);
    expect(mixed.duration!).toBeLessThan(CLIP_SECONDS + 0.5);

    await cards.nth(0).locator('.export-command').click();
    await page.waitForSelector('.card .command:not([hidden])');
    expect(await cards.nth(0).locator('.command').textContent()).toMatch(
      new RegExp(`^ffmpeg -i \\S+\\.webm -ss \\d+\\.\\d{3} -t ${CLIP_SECONDS}\\.\\d{3} -i track-\\d\\.wav -map 0:v:0 -map 1:a:0 -c:v copy -c:a aac`),
    );
    await checkLayout(page, 'desktop-refined');
    // Scrolled to the last card, the clip and its transport are still in view (the left column stays put).
    await cards.last().scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    const [clipBox, playBox] = await Promise.all([page.locator('#clip').boundingBox(), page.locator('#play').boundingBox()]);
    expect(clipBox!.y).toBeGreaterThanOrEqual(0);
    expect(playBox!.y + playBox!.height).toBeLessThanOrEqual(720);

    // A phone-sized screen: one column, nothing cut or overlapping.
    await page.setViewportSize({ width: 390, height: 844 });
    await checkLayout(page, 'phone');
    const [left, right] = await Promise.all([page.locator('.left').boundingBox(), page.locator('.right').boundingBox()]);
    expect(right!.y).toBeGreaterThanOrEqual(left!.y + left!.height - 1);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await checkLayout(page, 'studio');

    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
    // Everything came from cuecast: the recording saw the page, its script and style, the clip, the
    // music, the waveforms, the API, and nothing from anywhere else.
    const paths = requests.filter((url) => url.startsWith(server.url)).map((url) => new URL(url).pathname);
    for (const path of ['/studio', '/studio/studio.js', '/studio/studio.css', '/studio/api/uploads']) expect(paths).toContain(path);
    for (const part of [/^\/studio\/api\/clips\/[\w-]+\/video$/, /\/audio$/, /\/waveform$/, /\/turns$/, /\/export$/])
      expect(
        paths.some((path) => part.test(path)),
        String(part),
      ).toBe(true);
    expect(requests.filter((url) => !url.startsWith(`${server.url}/`) && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
    await page.close();
  }, 240_000);

  it('tells the person why a clip is refused: too large (before any bytes are sent) and not a video', async () => {
    const page = await context.newPage();
    // A fresh start: forget the conversation the other test left (from a page that cannot reopen it).
    await page.goto(`${server.url}/healthz`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(studioUrl());
    expect(await page.getAttribute('body', 'data-state')).toBe('empty');
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT') puts.push(request.url());
    });
    // A file dropped on the drop zone is the chosen clip.
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112])], 'dropped.mp4', { type: 'video/mp4' }));
      return transfer;
    });
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: dropped });
    expect(await page.textContent('.drop-title')).toBe('dropped.mp4');
    // Dropped anywhere else on the page, it is chosen as well (the browser does not navigate to it).
    const elsewhere = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array([26, 69, 223, 163])], 'elsewhere.webm', { type: 'video/webm' }));
      return transfer;
    });
    await page.dispatchEvent('.right', 'drop', { dataTransfer: elsewhere });
    expect(await page.textContent('.drop-title')).toBe('elsewhere.webm');

    const big = join(work, 'big.mp4');
    writeFileSync(big, pseudoRandomBytes(MAX_CLIP_BYTES + 1024));
    await page.setInputFiles('#file', big);
    await page.click('#go');
    await page.waitForSelector('#problem:not([hidden])');
    expect(await page.getAttribute('#problem', 'data-code')).toBe('MEDIA_TOO_LARGE');
    expect(await page.textContent('#problem')).toMatch(/That clip is too large\. \(MEDIA_TOO_LARGE: big\.mp4 is 3146752 bytes, over the 3145728 byte limit\)/);
    expect(puts).toEqual([]);

    const image = await makeImage();
    await page.setInputFiles('#file', { name: 'holiday.mp4', mimeType: 'video/mp4', buffer: Buffer.from(await import('node:fs/promises').then((fs) => fs.readFile(image))) });
    await page.click('#go');
    await page.waitForSelector('#problem[data-code="MEDIA_NO_VIDEO"]');
    expect(await page.textContent('#problem')).toMatch(/That file is not a video clip\. \(MEDIA_NO_VIDEO: holiday\.mp4 is not a video: its content is a PNG image\)/);
    expect(await page.locator('.card').count()).toBe(0);
    await checkLayout(page, 'refused');
    await page.close();
  });
});
