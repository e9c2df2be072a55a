import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkArchitecture } from './rules.js';

// DESIGN §3 on the repository itself: every rule in rules.ts, every folder it lists.
const report = checkArchitecture(resolve(import.meta.dirname, '..', '..'));

describe('architecture (DESIGN §3)', () => {
  it('finds every listed folder, and no folder with source that the rules do not rank', () => {
    expect(report.missingFolders).toEqual([]);
    expect(report.unlistedFolders).toEqual([]);
    expect(report.modules).toBeGreaterThan(100);
  });

  it('imports flow one way: no folder imports a folder to its right', () => {
    expect(report.layering).toEqual([]);
  });

  it('drivers, model runtimes, ffmpeg and child processes are imported only where DESIGN §3 puts them', () => {
    expect(report.packages).toEqual([]);
  });

  it('bot and stream-server reach the catalog only through recommend', () => {
    expect(report.bans).toEqual([]);
  });

  it('has no import cycles, and every import names a module the checker can follow', () => {
    expect(report.cycles).toEqual([]);
    expect(report.computed).toEqual([]);
    expect(report.unresolved).toEqual([]);
  });
});
