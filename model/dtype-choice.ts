/**
 * `dtype: auto`: each model runs q8 when its q8 outputs agree with its fp32 outputs (cosine >=
 * Q8_AGREEMENT on every item of the built-in reference set), else fp32. The check runs once per pair
 * of model files (identified by path, size and modification time) and its verdict is remembered in
 * `<dataDir>/dtype-checks.json`, so later starts only read that file. Main thread: no inference here
 * (the worker runs the check, see worker.ts `checkDtype`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EncoderKind, ModelSource } from './protocol.js';
import type { Dtype, DtypeSetting } from './types.js';
import { Q8_AGREEMENT } from './reference-set.js';

/** How a model's dtype was decided, for logs and /readyz. */
export interface DtypeDecision {
  readonly dtype: Dtype;
  /** `configured`: the setting named the dtype; `checked`: auto, checked now; `remembered`: auto, from an earlier check. */
  readonly how: 'configured' | 'checked' | 'remembered';
  /** The lowest q8-vs-fp32 cosine over the reference set (auto only; absent when q8 could not run). */
  readonly minCosine?: number;
  readonly reason: string;
}

/** What the worker reports after comparing q8 with fp32 on the reference set. */
export type DtypeCheck = { readonly ok: true; readonly minCosine: number; readonly meanCosine: number; readonly items: number } | { readonly ok: false; readonly reason: string };

export const MODEL_FILES: Readonly<Record<EncoderKind, string>> = { clipImage: 'vision_model', clipText: 'text_model', clapAudio: 'audio_model', clapText: 'text_model' };

const STORE_FILE = 'dtype-checks.json';
const STORE_VERSION = 1;

interface StoredCheck {
  readonly model: string;
  readonly file: string;
  readonly minCosine: number | null;
  readonly dtype: Dtype;
  readonly reason: string;
  readonly checkedAt: string;
}

interface Store {
  readonly version: number;
  readonly checks: Record<string, StoredCheck>;
}

/** Where a model's ONNX files are on disk: its local directory, or transformers.js's cache of a hub id. */
function onnxPath(source: ModelSource, cacheDir: string, file: string, dtype: Dtype): string {
  const base = source.local ? source.location : join(cacheDir, source.location);
  return join(base, 'onnx', `${file}${dtype === 'q8' ? '_quantized' : ''}.onnx`);
}

/** Identifies the fp32 + q8 pair of a model file; undefined while either is not on disk yet (hub, first use). */
export function modelFileKey(source: ModelSource, cacheDir: string, file: string): string | undefined {
  const parts: string[] = [];
  for (const dtype of ['fp32', 'q8'] as const) {
    const path = onnxPath(source, cacheDir, file, dtype);
    if (!existsSync(path)) return undefined;
    const stat = statSync(path);
    parts.push(`${path}:${stat.size}:${Math.round(stat.mtimeMs)}`);
  }
  return parts.join('|');
}

export class DtypeChecks {
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, STORE_FILE);
  }

  get file(): string {
    return this.path;
  }

  /** A remembered verdict for this pair of files; a missing or unreadable store is an empty one. */
  recall(key: string | undefined): DtypeDecision | undefined {
    if (!key) return undefined;
    const stored = this.read().checks[key];
    const dtype: unknown = stored?.dtype; // read from a file on disk: anything
    if (!stored || (dtype !== 'fp32' && dtype !== 'q8')) return undefined;
    return { dtype, how: 'remembered', ...(stored.minCosine !== null ? { minCosine: stored.minCosine } : {}), reason: `${stored.reason} (checked ${stored.checkedAt})` };
  }

  /** Remembers a verdict (written to a temporary file and renamed, so readers never see half a file). */
  remember(key: string, model: string, file: string, decision: DtypeDecision): void {
    const store = this.read();
    const checks = { ...store.checks, [key]: { model, file, minCosine: decision.minCosine ?? null, dtype: decision.dtype, reason: decision.reason, checkedAt: new Date().toISOString() } };
    mkdirSync(dirname(this.path), { recursive: true });
    const partial = `${this.path}.${process.pid}.partial`;
    writeFileSync(partial, `${JSON.stringify({ version: STORE_VERSION, checks } satisfies Store, null, 2)}\n`);
    renameSync(partial, this.path);
  }

  private read(): Store {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<Store>;
      if (parsed.version === STORE_VERSION && parsed.checks && typeof parsed.checks === 'object') return { version: STORE_VERSION, checks: parsed.checks };
    } catch {
      // No store yet, or a damaged one: the checks run again and rewrite it.
    }
    return { version: STORE_VERSION, checks: {} };
  }
}

/** The verdict of a check the worker ran. */
export function decide(check: DtypeCheck): DtypeDecision {
  if (!check.ok) return { dtype: 'fp32', how: 'checked', reason: `q8 could not run (${check.reason}); fp32` };
  const cos = check.minCosine.toFixed(4);
  return check.minCosine >= Q8_AGREEMENT
    ? { dtype: 'q8', how: 'checked', minCosine: check.minCosine, reason: `q8 agrees with fp32 (lowest cosine ${cos} >= ${Q8_AGREEMENT} over ${check.items} reference inputs)` }
    : { dtype: 'fp32', how: 'checked', minCosine: check.minCosine, reason: `q8 disagrees with fp32 (lowest cosine ${cos} < ${Q8_AGREEMENT} over ${check.items} reference inputs); fp32` };
}

export function configuredDecision(setting: Exclude<DtypeSetting, 'auto'>): DtypeDecision {
  return { dtype: setting, how: 'configured', reason: `encoders.dtype is ${setting}` };
}
