import type { Table } from './table.js';
import type { MachineInfo } from './machine.js';

/** One target from issue 8, checked against figures measured in the same run. */
export interface TargetCheck {
  readonly section: SectionId;
  readonly target: string;
  readonly measured: string;
  /** `null` when the section could not measure it (skipped or failed). */
  readonly met: boolean | null;
}

export const SECTION_IDS = ['encoder', 'clip', 'stream', 'index', 'catalog', 'storage', 'gpu', 'startup', 'refine'] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export interface SectionResult {
  readonly id: SectionId;
  readonly title: string;
  readonly status: 'ok' | 'skipped' | 'failed';
  /** Why a section was skipped or failed. */
  readonly reason?: string;
  readonly durationSeconds: number;
  readonly tables: readonly Table[];
  readonly targets: readonly TargetCheck[];
  /** Every raw figure (samples, parameters) for the JSON file. */
  readonly data: unknown;
}

export interface BenchReport {
  readonly tool: 'cuecast bench';
  readonly formatVersion: 1;
  readonly command: string;
  readonly quick: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly sections: readonly SectionResult[];
  readonly targets: readonly TargetCheck[];
}

export function targetTable(targets: readonly TargetCheck[]): Table {
  return {
    title: 'Targets (issue 8; ratios from this run)',
    columns: ['section', 'target', 'measured', 'status'],
    rows: targets.map((t) => [t.section, t.target, t.measured, t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED']),
  };
}
