/**
 * A bare onnxruntime-node session over the CLIP vision graph, fed ready-made pixel tensors: the
 * practical ceiling of frame encoding on this machine (no preprocessing, no worker hop, no batching
 * policy). DESIGN §3 lets only model/ import onnxruntime; the benchmark is the one other exception
 * (tests/architecture allows it), because measuring the runtime bare is its job.
 */
import * as ort from 'onnxruntime-node';
import { intraOpThreads, threadingOptions } from '../model/threading.js';

export interface RawSessionOptions {
  readonly device: 'cpu' | 'cuda';
  /** Intra-op threads; 0: one per core, as the encoder pool with one worker (model/threading.ts). */
  readonly threads: number;
}

export class RawVisionSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly imageSize: number,
  ) {}

  static async open(path: string, options: RawSessionOptions, imageSize = 224): Promise<RawVisionSession> {
    const session = await ort.InferenceSession.create(path, {
      executionProviders: [options.device],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...threadingOptions(intraOpThreads(options.threads)),
    });
    if (!session.inputNames.includes('pixel_values')) throw new Error(`${path} has no pixel_values input (it has ${session.inputNames.join(', ')})`);
    return new RawVisionSession(session, imageSize);
  }

  /** A batch of normalised-looking pixels (values around 0, as after CLIP's mean/std). */
  pixels(batch: number, seed = 1): ort.Tensor {
    const size = batch * 3 * this.imageSize * this.imageSize;
    const data = new Float32Array(size);
    let s = seed;
    for (let i = 0; i < size; i++) {
      s = (s * 1_103_515_245 + 12_345) >>> 0;
      data[i] = (s / 2 ** 32 - 0.5) * 3;
    }
    return new ort.Tensor('float32', data, [batch, 3, this.imageSize, this.imageSize]);
  }

  async run(pixels: ort.Tensor): Promise<void> {
    await this.session.run({ pixel_values: pixels });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * A bare onnxruntime-node session over the CLAP audio graph, fed ready log-mel features
 * ([B, 1, 1001, 64], as ClapFeatureExtractor makes for a 10 s window): the ceiling of music indexing.
 */
export class RawAudioSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly frames: number,
    readonly mels: number,
  ) {}

  static async open(path: string, options: RawSessionOptions, frames = 1001, mels = 64): Promise<RawAudioSession> {
    const session = await ort.InferenceSession.create(path, {
      executionProviders: [options.device],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...threadingOptions(intraOpThreads(options.threads)),
    });
    if (!session.inputNames.includes('input_features')) throw new Error(`${path} has no input_features input (it has ${session.inputNames.join(', ')})`);
    return new RawAudioSession(session, frames, mels);
  }

  /** Log-mel-looking features (dB values around -50, as ClapFeatureExtractor produces). */
  features(batch: number, seed = 1): ort.Tensor {
    const size = batch * this.frames * this.mels;
    const data = new Float32Array(size);
    let s = seed;
    for (let i = 0; i < size; i++) {
      s = (s * 1_103_515_245 + 12_345) >>> 0;
      data[i] = -50 + (s / 2 ** 32 - 0.5) * 40;
    }
    return new ort.Tensor('float32', data, [batch, 1, this.frames, this.mels]);
  }

  async run(features: ort.Tensor): Promise<void> {
    await this.session.run({ input_features: features });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
