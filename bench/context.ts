import type { SectionId, SectionResult, TargetCheck } from './report.js';
import type { Table } from './table.js';

export interface BenchOptions {
  /** Small sizes and few repetitions: the whole run in minutes. */
  readonly quick: boolean;
  /** Sections to run, in order. */
  readonly sections: readonly SectionId[];
  /** Index sizes (vectors) overriding the defaults of the mode. */
  readonly indexSizes?: readonly number[];
  /** PostgreSQL with pgvector for the storage section (a scratch database). */
  readonly databaseUrl?: string;
  /** Directory of the full-size CLIP graphs (make_full_clip.py output). */
  readonly clipModelDir?: string;
  /** Progress lines (stderr), so stdout keeps only the table. */
  readonly progress: (line: string) => void;
}

export interface SectionOutcome {
  readonly tables: readonly Table[];
  readonly targets: readonly TargetCheck[];
  readonly data: unknown;
}

/** Thrown by a section that cannot run here (no GPU, no model): reported as skipped, not failed. */
export class SectionSkipped extends Error {
  override readonly name = 'SectionSkipped';
}

export interface BenchSection {
  readonly id: SectionId;
  readonly title: string;
  /** The targets this section checks, listed as "not measured" when it cannot run. */
  readonly targetNames: readonly string[];
  /** A section that awaits nothing (the parsing one) may answer directly. */
  run(options: BenchOptions): SectionOutcome | Promise<SectionOutcome>;
}

export async function runSection(section: BenchSection, options: BenchOptions): Promise<SectionResult> {
  const start = performance.now();
  const durationSeconds = () => Number(((performance.now() - start) / 1000).toFixed(1));
  options.progress(`[${section.id}] ${section.title}`);
  try {
    const outcome = await section.run(options);
    return { id: section.id, title: section.title, status: 'ok', durationSeconds: durationSeconds(), ...outcome };
  } catch (error) {
    const skipped = error instanceof SectionSkipped;
    const reason = error instanceof Error ? error.message : String(error);
    options.progress(`[${section.id}] ${skipped ? 'skipped' : 'FAILED'}: ${reason}`);
    return {
      id: section.id,
      title: section.title,
      status: skipped ? 'skipped' : 'failed',
      reason,
      durationSeconds: durationSeconds(),
      tables: [],
      targets: section.targetNames.map((target) => ({ section: section.id, target, measured: reason, met: null })),
      data: skipped ? null : { error: reason, stack: error instanceof Error ? error.stack : undefined },
    };
  }
}

export const mib = (bytes: number): number => bytes / 2 ** 20;
