import { describe, expect, it } from 'vitest';
import { histogramQuantile, producerLadder } from '../../bench/stream-bench.js';
import { renderMarkdownTable, renderTable } from '../../bench/table.js';

const histogram = (counts: readonly [number, number][]) => ({ buckets: counts.map(([le, count]) => ({ le, count })), count: counts.at(-1)![1] });

describe('stream benchmark helpers', () => {
  it('histogramQuantile interpolates inside the bucket holding the rank, like Prometheus', () => {
    // 10 observations: 2 <= 0.1 s, 8 <= 0.5 s, 10 <= 1 s.
    const h = histogram([
      [0.1, 2],
      [0.5, 8],
      [1, 10],
      [Number.POSITIVE_INFINITY, 10],
    ]);
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0.1 + (0.4 * 3) / 6);
    expect(histogramQuantile(h, 0.95)).toBeCloseTo(0.5 + (0.5 * 1.5) / 2);
  });

  it('histogramQuantile of an empty histogram is NaN, not zero', () => {
    expect(
      histogramQuantile(
        histogram([
          [1, 0],
          [Number.POSITIVE_INFINITY, 0],
        ]),
        0.5,
      ),
    ).toBeNaN();
  });

  it('observations beyond the last finite bucket report that bucket bound (a lower bound)', () => {
    expect(
      histogramQuantile(
        histogram([
          [1, 0],
          [Number.POSITIVE_INFINITY, 4],
        ]),
        0.95,
      ),
    ).toBe(1);
  });

  it('the producer ladder starts at 1, 2, 4, tries 90% of the encoder capacity and goes past it', () => {
    const ladder = producerLadder(25.3, false);
    expect(ladder.slice(0, 3)).toEqual([1, 2, 4]);
    expect(ladder).toContain(23); // 90% of 25.3 frames/s, at 1 fps per producer
    expect(ladder.at(-1)).toBeGreaterThan(25.3);
    expect(ladder.length).toBeLessThanOrEqual(10);
    expect(ladder).toContain(40); // the issue-16 target: 40 producers at 1 fps
    expect([...ladder].sort((a, b) => a - b)).toEqual(ladder);
    expect(new Set(producerLadder(3, false)).size).toBe(producerLadder(3, false).length);
    expect(producerLadder(10, true)).toEqual([1, 2, 4]);
  });
});

describe('bench tables', () => {
  const table = {
    title: 'T',
    columns: ['name', 'value'],
    rows: [
      ['a', '1.5 (1.0-2.0)'],
      ['bb', '12.0x'],
    ],
    notes: ['a note'],
  };

  it('right-aligns numeric cells and keeps text left-aligned', () => {
    const lines = renderTable(table).split('\n');
    expect(lines[0]).toBe('T');
    expect(lines[3]).toBe('a     1.5 (1.0-2.0)');
    expect(lines[4]).toBe('bb            12.0x');
    expect(lines[5]).toBe('  a note');
  });

  it('renders Markdown with escaped pipes', () => {
    const md = renderMarkdownTable({ ...table, rows: [['a|b', '1']] });
    expect(md).toContain('| a\\|b | 1 |');
    expect(md).toContain('|---|---|');
  });
});
