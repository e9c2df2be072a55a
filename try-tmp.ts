import { audio, audioWithLoudness, loudness } from './core/media/index.js';
import { makeTrack, truncatedCopy } from './tests/support/media.js';
const show = async (name: string, p: Promise<unknown>) => { try { const v: any = await p; console.log(name, 'ok', v.length ?? v.samples?.length ?? v.momentary?.length, v.loudness?.momentary.length ?? ''); } catch (e: any) { console.log(name, 'ERR', e.code, e.message); } };
for (const format of ['flac', 'mp3', 'ogg', 'm4a'] as const) {
  const src = await makeTrack({ format, seconds: 30, bpm: 120, timbre: 'square', freq: 220 });
  const cut = await truncatedCopy(src, 0.5);
  for (const d of [10, 60]) {
    const dm: unknown[] = [];
    await show(`${format} audio ${d}`, audio(cut, { duration: d, onDamage: (x) => dm.push(x) }));
    await show(`${format} merged ${d}`, audioWithLoudness(cut, { duration: d, onDamage: (x) => dm.push(x) }));
    console.log(dm);
  }
  await show(`${format} loudness`, loudness(cut));
}
