/**
 * Text-generation worker: loads one transformers.js causal LM (tokenizer + onnx/model.onnx with its
 * KV cache) and continues prompts greedily, one at a time, as model/text-generation.ts asks.
 * onnxruntime runs here, never on the main thread.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { AutoModelForCausalLM, AutoTokenizer, InterruptableStoppingCriteria, Tensor, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { InputError, ModelError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { cudaUnavailable, isCudaFailure } from './device.js';
import { InFlightWork, setUpModelWorkerThread } from './worker-thread.js';
import { serializeError } from './protocol.js';
import { intraOpThreads, threadingOptions } from './threading.js';
import type { Continuation, FromGenerationWorker, GenerationWorkerInit, LoadedModel, ToGenerationWorker } from './text-generation-protocol.js';

const port = parentPort;
if (!port) throw new Error('model/text-generation-worker.ts must run in a worker thread');
const init = (workerData as { init: GenerationWorkerInit }).init;

setUpModelWorkerThread(init);

const log = logger('model.text-generation');
const { source } = init;
const label = source.local && source.location !== source.configured ? `${source.configured} (${source.location})` : source.configured;
const modelFile = `onnx/model${init.dtype === 'q8' ? '_quantized' : ''}.onnx`;

function send(message: FromGenerationWorker): void {
  port!.postMessage(message);
}

function loadError(error: unknown): ModelError {
  if (error instanceof ModelError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (init.device === 'cuda' && isCudaFailure(message)) return cudaUnavailable(message);
  const notFound = /could not locate|not found|no such file|ENOENT|404|unauthorized|allowRemoteModels|local_files_only/i.test(message);
  if (!notFound) return new ModelError('MODEL_INVALID', `Could not load the text-generation model ${label}: ${message}`, { model: source.configured });
  const fix = source.local
    ? `put a transformers.js text-generation export there (config.json, tokenizer.json, tokenizer_config.json, ${modelFile})`
    : init.allowRemote
      ? 'check the id and the network, or point CUECAST_LLM_MODEL (llm.model) at a local folder holding the export'
      : 'allow downloads once (CUECAST_ALLOW_REMOTE_MODELS=true) or point CUECAST_LLM_MODEL (llm.model) at a local folder holding the export';
  const where = source.local ? `the directory ${source.location}` : `the hub id ${source.location}`;
  return new ModelError('MODEL_MISSING', `Text-generation model files missing in ${where} (${message}); ${fix}`, { model: source.configured, location: source.location });
}

interface Loaded {
  readonly tokenizer: PreTrainedTokenizer;
  readonly model: PreTrainedModel;
  readonly info: LoadedModel;
}

async function load(): Promise<Loaded> {
  const options = { local_files_only: source.local || !init.allowRemote };
  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(source.location, options);
    model = await AutoModelForCausalLM.from_pretrained(source.location, {
      ...options,
      dtype: init.dtype,
      device: init.device,
      session_options: { logSeverityLevel: 3, ...threadingOptions(intraOpThreads(init.threads)) },
    });
  } catch (error) {
    throw loadError(error);
  }
  const session = model.sessions.model as { inputNames: readonly string[]; outputNames: readonly string[] } | undefined;
  if (!session || !session.inputNames.includes('input_ids') || !session.outputNames.includes('logits')) {
    await model.dispose();
    throw new ModelError(
      'MODEL_INVALID',
      `${modelFile} of ${label} is not a causal language model: it needs input_ids -> logits (it has ${session?.inputNames.join(', ') ?? 'no session'} -> ${session?.outputNames.join(', ') ?? 'nothing'})`,
      {
        model: source.configured,
      },
    );
  }
  const config = model.config as unknown as Record<string, unknown>;
  const name = config._name_or_path;
  const context = [config.max_position_embeddings, config.n_positions, tokenizer.model_max_length].find((n): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0);
  return {
    tokenizer,
    model,
    info: { modelId: typeof name === 'string' && name !== '' ? name : source.configured, contextTokens: context ?? 2048, threadId },
  };
}

const stopper = new InterruptableStoppingCriteria();
let current: number | undefined;

async function generate(loaded: Loaded, prompt: string, maxNewTokens: number): Promise<Continuation> {
  const started = performance.now();
  const { tokenizer, model, info } = loaded;
  const room = info.contextTokens - maxNewTokens;
  if (room < 1) throw new InputError('INPUT_INVALID', `maxNewTokens ${maxNewTokens} leaves no room for a prompt in the model's ${info.contextTokens}-token context`);
  const encoded = tokenizer(prompt) as { input_ids: Tensor };
  const all = Array.from(encoded.input_ids.data as BigInt64Array);
  if (all.length === 0) throw new InputError('INPUT_INVALID', 'The prompt is empty');
  // The end of the prompt holds what to continue, so the oldest tokens go first when it is too long.
  const ids = all.slice(-room);
  const inputIds = new Tensor('int64', BigInt64Array.from(ids), [1, ids.length]);
  const attentionMask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  stopper.reset();
  let output: Tensor;
  try {
    output = (await model.generate({ input_ids: inputIds, attention_mask: attentionMask, max_new_tokens: maxNewTokens, do_sample: false, stopping_criteria: [stopper] })) as Tensor;
  } catch (error) {
    log.error({ model: source.configured, promptTokens: ids.length, maxNewTokens, err: error }, 'generation failed');
    throw new ModelError('MODEL_FAILED', `Text generation with ${label} failed: ${(error as Error).message}`, { model: source.configured });
  }
  const generated = Array.from(output.data as BigInt64Array).slice(ids.length);
  const configured = [model.generation_config?.eos_token_id, (model.config as unknown as { eos_token_id?: number | number[] }).eos_token_id];
  const eos = new Set(configured.flat().filter((id): id is number => typeof id === 'number'));
  const endedWithEos = generated.length > 0 && eos.has(Number(generated.at(-1)));
  return {
    text: tokenizer.decode(generated.map(Number), { skip_special_tokens: true }),
    newTokens: generated.length,
    promptTokens: ids.length,
    droppedTokens: all.length - ids.length,
    stop: stopper.interrupted ? 'cancelled' : endedWithEos ? 'eos' : 'length',
    runMs: performance.now() - started,
  };
}

const inFlight = new InFlightWork();
let stopping = false;

// Listening from the start: a shutdown can come while the model still loads, and must wait for it.
port.on('message', (message: ToGenerationWorker) => {
  if (message.type === 'shutdown') {
    stopping = true;
    stopper.interrupt();
    void inFlight.drained().then(() => process.exit(0));
  }
});

function serve(loaded: Loaded): void {
  port!.on('message', (message: ToGenerationWorker) => {
    if (stopping || message.type === 'shutdown') return;
    if (message.type === 'cancel') {
      if (current === message.id) stopper.interrupt();
      return;
    }
    current = message.id;
    inFlight
      .track(generate(loaded, message.prompt, message.maxNewTokens))
      .then(
        (value) => send({ type: 'result', id: message.id, ok: true, value }),
        (error: unknown) => send({ type: 'result', id: message.id, ok: false, error: serializeError(error) }),
      )
      .finally(() => {
        if (current === message.id) current = undefined;
      });
  });
  send({ type: 'ready', model: loaded.info });
}

// A model that cannot load is reported once; the main thread then terminates this worker.
inFlight.track(load()).then(
  (loaded) => {
    if (!stopping) serve(loaded);
  },
  (error: unknown) => send({ type: 'failed', error: serializeError(error) }),
);
