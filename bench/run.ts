import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { machineInfo, type MachineInfo } from './machine.js';
import { runSection, type BenchOptions, type BenchSection } from './context.js';
import { targetTable, type BenchReport, type SectionId, type SectionResult } from './report.js';
import { renderMarkdownTable, renderTable } from './table.js';
import { indexSection } from './index-bench.js';

/** Every section, in the order of issue 8; each is loaded only when it runs. */
const SECTIONS: Readonly<Record<SectionId, () => Promise<BenchSection>>> = {
  encoder: async () => (await import('./encoder-bench.js')).encoderSection,
  clip: async () => (await import('./clip-bench.js')).clipSection,
  stream: async () => (await import('./stream-bench.js')).streamSection,
  index: () => Promise.resolve(indexSection),
  catalog: async () => (await import('./catalog-bench.js')).catalogSection,
  storage: async () => (await import('./storage-bench.js')).storageSection,
  gpu: async () => (await import('./gpu-bench.js')).gpuSection,
  startup: async () => (await import('./startup-bench.js')).startupSection,
  refine: async () => (await import('./refine-bench.js')).refineSection,
};

/**
 * Runs the chosen sections in order. `onProgress` gets the report so far after each section, so a
 * long run leaves its finished sections on disk even if it is stopped later.
 */
export async function runBench(options: BenchOptions, command: string, onProgress?: (report: BenchReport) => Promise<void>): Promise<BenchReport> {
  const startedAt = new Date();
  const machine = machineInfo();
  const sections: SectionResult[] = [];
  for (const id of options.sections) {
    sections.push(await runSection(await SECTIONS[id](), options));
    if (onProgress && sections.length < options.sections.length) await onProgress(report(command, options, startedAt, machine, sections));
  }
  return report(command, options, startedAt, machine, sections);
}

function report(command: string, options: BenchOptions, startedAt: Date, machine: MachineInfo, sections: readonly SectionResult[]): BenchReport {
  const finishedAt = new Date();
  return {
    tool: 'cuecast bench',
    formatVersion: 1,
    command,
    quick: options.quick,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Number(((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(1)),
    machine,
    sections: [...sections],
    targets: sections.flatMap((s) => s.targets),
  };
}

export function renderReport(report: BenchReport): string {
  const m = report.machine;
  const out = [
    `cuecast bench${report.quick ? ' --quick' : ''}: ${m.cpuModel}, ${m.logicalCores} cores, ${m.totalMemoryGiB} GiB, load ${m.loadAverage1m}; node ${m.node}, onnxruntime-node ${m.packages['onnxruntime-node']}`,
    '',
  ];
  for (const section of report.sections) {
    if (section.status !== 'ok') {
      out.push(`${section.title}: ${section.status}: ${section.reason ?? ''}`, '');
      continue;
    }
    for (const table of section.tables) out.push(renderTable(table), '');
  }
  out.push(renderTable(targetTable(report.targets)), '', `finished in ${report.durationSeconds} s`);
  return out.join('\n');
}

export async function writeReport(report: BenchReport, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** The report as Markdown, for docs/benchmarks.md (the tables verbatim, then the targets). */
export function renderMarkdownReport(report: BenchReport): string {
  const m = report.machine;
  const out = [
    `Command: \`${report.command}\` (${report.startedAt}, ${report.durationSeconds} s)`,
    '',
    `Machine: ${m.cpuModel}, ${m.logicalCores} logical cores, ${m.totalMemoryGiB} GiB, load average ${m.loadAverage1m} at start; ${m.platform}; node ${m.node}; ` +
      Object.entries(m.packages)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ') +
      `; CUDA: ${m.cuda.detail}`,
    '',
  ];
  for (const section of report.sections) {
    if (section.status !== 'ok') {
      out.push(`**${section.title}**: ${section.status}: ${section.reason ?? ''}`, '');
      continue;
    }
    for (const table of section.tables) out.push(renderMarkdownTable(table), '');
  }
  out.push(renderMarkdownTable(targetTable(report.targets)), '');
  return out.join('\n');
}
