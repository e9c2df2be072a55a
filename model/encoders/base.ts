/**
 * Worker-side encoder base: loads a transformers.js model, checks its session against the inputs and
 * output the encoder needs, runs batches and L2-normalises the rows. Subclasses hold only the model
 * class, the tensor names and their pre-processing. Never imported on the main thread.
 */
import { AutoConfig, type PretrainedConfig, type PreTrainedModel, type Tensor } from '@huggingface/transformers';
import { ModelError } from '../../core/errors.js';
import { logger } from '../../core/logger.js';
import { l2normalizeRows } from '../vectors.js';
import { InputBuffers } from './input-buffers.js';
import { cudaUnavailable, isCudaFailure } from '../device.js';
import { serializeError, type ItemResult, type ModelDescription, type ModelSource } from '../protocol.js';
import { intraOpThreads, threadingOptions } from '../threading.js';
import type { Device, Dtype } from '../types.js';

export interface SessionSettings {
  readonly dtype: Dtype;
  readonly device: Device;
  readonly threads: number;
  readonly allowRemote: boolean;
}

/** A batch after pre-processing: the items' input tensors (none when every item failed) and where each row goes. */
export interface PreparedBatch {
  readonly results: ItemResult[];
  readonly slots: readonly number[];
  readonly inputs: Record<string, Tensor> | undefined;
}

export interface ModelClass {
  from_pretrained(id: string, options: Record<string, unknown>): Promise<PreTrainedModel>;
}

interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

const log = logger('model');

/** fetch()'s "fetch failed" and the socket errors under it: the hub, not the model, is the problem. */
function isNetworkFailure(error: unknown): boolean {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
  const text = `${error instanceof Error ? error.message : ''} ${code}`;
  return /fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT|network/i.test(text);
}

export abstract class OnnxEncoder<Item, Prepared> {
  /** transformers.js class whose `from_pretrained` picks the right `onnx/<name>.onnx`. */
  protected abstract readonly modelClass: ModelClass;
  /** The file stem under onnx/, for messages. */
  protected abstract readonly modelFile: string;
  /** Inputs the session must declare. */
  protected abstract readonly requiredInputs: readonly string[];
  /** Inputs `toInputs` produces; the session may declare a subset (those it lacks are not fed). */
  protected abstract readonly providedInputs: readonly string[];
  protected abstract readonly outputName: string;

  private model: PreTrainedModel | undefined;
  /** The configured id, and the directory it was found in when local. */
  protected get label(): string {
    const { configured, location, local } = this.source;
    return local && location !== configured ? `${configured} (${location})` : configured;
  }

  /** Batch input buffers for `toInputs`, handed back once the run that reads them returns. */
  protected readonly inputBuffers = new InputBuffers();
  private loading: Promise<PreTrainedModel> | undefined;
  private config: PretrainedConfig | undefined;
  /** projection_dim from config.json, which every output row must have. */
  private dim = 0;

  constructor(
    protected readonly source: ModelSource,
    protected readonly settings: SessionSettings,
  ) {}

  /** Loads config and pre-processing only (no session): enough to report dimensions and limits. */
  async describe(): Promise<ModelDescription & Record<string, unknown>> {
    const config = await this.loadConfig();
    await this.loadPreprocessor();
    const raw = config as unknown as Record<string, unknown>;
    const name = raw._name_or_path;
    return {
      modelId: typeof name === 'string' && name !== '' ? name : this.source.configured,
      dim: this.embeddingDim(raw),
      ...this.describeExtra(raw),
    };
  }

  async load(): Promise<PreTrainedModel> {
    if (this.model) return this.model;
    this.loading ??= this.loadModel().finally(() => {
      this.loading = undefined;
    });
    this.model = await this.loading;
    return this.model;
  }

  /** Encodes a batch; an item that fails pre-processing gets its own error, the others still run. */
  async encode(items: readonly Item[]): Promise<ItemResult[]> {
    return this.run(await this.prepareBatch(items));
  }

  /**
   * The JavaScript half of a batch: each item's pre-processing and the stacked input tensors. The worker
   * prepares a batch in reserve before the one ahead of it has finished, so its asynchronous steps (sharp)
   * overlap that run; onnxruntime-node's run itself blocks the worker's thread.
   */
  async prepareBatch(items: readonly Item[]): Promise<PreparedBatch> {
    const model = await this.load();
    const results: ItemResult[] = new Array<ItemResult>(items.length);
    const prepared: Prepared[] = [];
    const slots: number[] = [];
    for (const [i, item] of items.entries()) {
      try {
        prepared.push(await this.prepare(item));
        slots.push(i);
      } catch (error) {
        results[i] = { ok: false, error: serializeError(error) };
      }
    }
    if (prepared.length === 0) return { results, slots, inputs: undefined };
    const declared = this.session(model).inputNames;
    const inputs = Object.fromEntries(Object.entries(await this.toInputs(prepared)).filter(([name]) => declared.includes(name)));
    return { results, slots, inputs };
  }

  /** Runs a prepared batch and fills in its results (normalised rows). */
  async run(batch: PreparedBatch): Promise<ItemResult[]> {
    const { results, slots, inputs } = batch;
    if (!inputs) return results;
    const model = await this.load();
    let output: Tensor;
    try {
      output = ((await model(inputs)) as Record<string, Tensor>)[this.outputName]!;
    } catch (error) {
      const shapes = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, `${t.type}[${t.dims.join(',')}]`]));
      log.error({ model: this.source.configured, file: this.modelFile, inputs: shapes, err: error }, 'inference failed');
      throw new ModelError('MODEL_FAILED', `${this.modelFile} of ${this.label} failed: ${(error as Error).message}`, { inputs: shapes });
    } finally {
      for (const input of Object.values(inputs)) this.inputBuffers.release(input.data);
    }
    const [rows, dim] = output.dims as [number, number];
    if (output.dims.length !== 2 || rows !== slots.length || dim !== this.dim) {
      throw new ModelError(
        'MODEL_INVALID',
        `${this.modelFile} of ${this.label} returned ${this.outputName} of shape [${output.dims.join(', ')}], expected [${slots.length}, ${this.dim}] (projection_dim in config.json)`,
      );
    }
    const vectors = l2normalizeRows(output.data as Float32Array, rows, dim);
    slots.forEach((slot, row) => {
      results[slot] = { ok: true, value: vectors[row]! };
    });
    return results;
  }

  async dispose(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    await model?.dispose();
  }

  protected abstract loadPreprocessor(): Promise<void>;
  /** One item to its pre-processed form; throws (InputError) for that item alone. */
  protected abstract prepare(item: Item): Prepared | Promise<Prepared>;
  /** Stacks pre-processed items into the session's named inputs. */
  protected abstract toInputs(prepared: readonly Prepared[]): Record<string, Tensor> | Promise<Record<string, Tensor>>;
  protected abstract embeddingDim(config: Record<string, unknown>): number;
  protected describeExtra(_config: Record<string, unknown>): Record<string, unknown> {
    return {};
  }

  protected async loadConfig(): Promise<PretrainedConfig> {
    this.config ??= await this.fromPretrained(() => AutoConfig.from_pretrained(this.source.location, this.pretrainedOptions()));
    return this.config;
  }

  protected pretrainedOptions(): Record<string, unknown> {
    return { local_files_only: this.source.local || !this.settings.allowRemote };
  }

  /** Runs a transformers.js loader, turning "file not found" into MODEL_MISSING with a fix. */
  protected async fromPretrained<T>(load: () => Promise<T>): Promise<T> {
    try {
      return await load();
    } catch (error) {
      throw this.loadError(error);
    }
  }

  private async loadModel(): Promise<PreTrainedModel> {
    this.dim = this.embeddingDim((await this.loadConfig()) as unknown as Record<string, unknown>);
    await this.loadPreprocessor();
    const { threads } = this.settings;
    const model = await this.fromPretrained(() =>
      this.modelClass.from_pretrained(this.source.location, {
        ...this.pretrainedOptions(),
        dtype: this.settings.dtype,
        device: this.settings.device,
        session_options: { logSeverityLevel: 3, ...threadingOptions(intraOpThreads(threads)) },
      }),
    );
    try {
      this.checkSession(model);
    } catch (error) {
      await model.dispose();
      throw error;
    }
    log.debug({ model: this.source.configured, file: this.modelFile, dtype: this.settings.dtype, device: this.settings.device }, 'model loaded');
    return model;
  }

  /** Every missing input and a missing output are reported at once, with what the session has. */
  private session(model: PreTrainedModel): OrtSessionLike {
    const session = Object.values(model.sessions)[0] as OrtSessionLike | undefined;
    if (!session) throw new ModelError('MODEL_INVALID', `${this.label}: no inference session was created for ${this.modelFile}`);
    return session;
  }

  private checkSession(model: PreTrainedModel): void {
    const session = this.session(model);
    const missing = this.requiredInputs.filter((name) => !session.inputNames.includes(name));
    const unknown = session.inputNames.filter((name) => !this.providedInputs.includes(name));
    const problems: string[] = [];
    if (missing.length > 0) problems.push(`missing input(s) ${missing.join(', ')} (it has: ${session.inputNames.join(', ')})`);
    if (unknown.length > 0) problems.push(`input(s) this encoder cannot provide: ${unknown.join(', ')} (it provides: ${this.providedInputs.join(', ')})`);
    if (!session.outputNames.includes(this.outputName)) problems.push(`missing output ${this.outputName} (it has: ${session.outputNames.join(', ')})`);
    if (problems.length > 0) {
      throw new ModelError('MODEL_INVALID', `${this.modelFile} of ${this.label} does not fit this encoder: ${problems.join('; ')}`, {
        model: this.source.configured,
        inputs: session.inputNames,
        outputs: session.outputNames,
      });
    }
  }

  private loadError(error: unknown): Error {
    if (error instanceof ModelError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (this.settings.device === 'cuda' && isCudaFailure(message)) return cudaUnavailable(message);
    if (!this.source.local && isNetworkFailure(error)) {
      return new ModelError(
        'MODEL_UNREACHABLE',
        `The model hub cannot be reached while loading ${this.modelFile} of ${this.label} (${message}); place the model in the models directory (docs/models.md), or try again when the hub can be reached`,
        { model: this.source.configured },
      );
    }
    const notFound = /could not locate|not found|no such file|ENOENT|404|unauthorized|allowRemoteModels|local_files_only/i.test(message);
    if (!notFound) return new ModelError('MODEL_INVALID', `Could not load ${this.modelFile} of ${this.label}: ${message}`, { model: this.source.configured });
    const where = this.source.local ? `the directory ${this.source.location}` : `the hub id ${this.source.location}`;
    const fix = this.source.local
      ? `put the transformers.js export there (config.json, tokenizer/preprocessor files, onnx/${this.modelFile}${this.settings.dtype === 'q8' ? '_quantized' : ''}.onnx)`
      : this.settings.allowRemote
        ? 'check the id and the network, or place the model in the models directory'
        : 'place the model in the models directory, or allow downloads (CUECAST_ALLOW_REMOTE_MODELS=true)';
    return new ModelError('MODEL_MISSING', `Model files missing in ${where} (${message}); ${fix}`, { model: this.source.configured, location: this.source.location });
  }
}
