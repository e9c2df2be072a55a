/**
 * The one place that creates onnxruntime-node sessions directly (the ViML heads; CLIP and CLAP go
 * through transformers.js, which owns its own sessions). Worker threads only.
 */
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { ModelError } from '../core/errors.js';
import { cudaUnavailable, isCudaFailure } from './device.js';
import { intraOpThreads, threadingOptions } from './threading.js';
import type { Device } from './types.js';

export type { InferenceSession } from 'onnxruntime-node';
export const OrtTensor = ort.Tensor;
export type OrtTensor = ort.Tensor;

export interface RuntimeSettings {
  readonly device: Device;
  /** Intra-op threads; 0: one per core (threading.ts). */
  readonly threads: number;
}

const DEVICES: Readonly<Record<Device, string>> = { cpu: 'cpu', cuda: 'cuda' };

export async function createSession(path: string, settings: RuntimeSettings): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new ModelError('MODEL_MISSING', `Model file ${path} does not exist`, { path });
  const device: unknown = settings.device; // from settings: anything
  const provider = typeof device === 'string' && Object.hasOwn(DEVICES, device) ? DEVICES[device as Device] : undefined;
  if (!provider) throw new ModelError('MODEL_INVALID', `Unsupported device "${String(device)}". Should be one of: ${Object.keys(DEVICES).join(', ')}`);
  try {
    return await ort.InferenceSession.create(path, {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...threadingOptions(intraOpThreads(settings.threads)),
    });
  } catch (error) {
    const message = (error as Error).message;
    if (settings.device === 'cuda' && isCudaFailure(message)) throw cudaUnavailable(message);
    throw new ModelError('MODEL_INVALID', `Could not load ${path} on ${settings.device}: ${message}`, { path });
  }
}

/** Reports every missing input and output of a session at once, with what it does have. */
export function checkSessionNames(session: ort.InferenceSession, path: string, inputs: readonly string[], outputs: readonly string[]): void {
  const missingIn = inputs.filter((name) => !session.inputNames.includes(name));
  const missingOut = outputs.filter((name) => !session.outputNames.includes(name));
  const problems: string[] = [];
  if (missingIn.length > 0) problems.push(`missing input(s) ${missingIn.join(', ')} (it has: ${session.inputNames.join(', ')})`);
  if (missingOut.length > 0) problems.push(`missing output(s) ${missingOut.join(', ')} (it has: ${session.outputNames.join(', ')})`);
  if (problems.length > 0) throw new ModelError('MODEL_INVALID', `${path}: ${problems.join('; ')}`, { path, inputs: session.inputNames, outputs: session.outputNames });
}
