import { ModelError } from '../../core/errors.js';
import { InputError } from '../../core/errors.js';
import type { ChatMessage, LlmBackend, LlmSettings } from './backend.js';

/** The `openai` backend from config: `llm.baseUrl` and `llm.model` are required. */
export async function createLlmBackend(config: LlmSettings): Promise<LlmBackend> {
  const { baseUrl, model, apiKey, timeoutMs } = config.llm;
  const missing = [!baseUrl && 'CUECAST_LLM_BASE_URL (llm.baseUrl)', !model && 'CUECAST_LLM_MODEL (llm.model)'].filter(Boolean);
  if (!baseUrl || !model) throw new InputError('INPUT_INVALID', `The openai description backend needs ${missing.join(' and ')}`);
  return Promise.resolve(new OpenAiChatBackend({ baseUrl, model, ...(apiKey ? { apiKey } : {}), timeoutMs }));
}

export interface OpenAiBackendOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `http://localhost:8000/v1`. */
  readonly baseUrl: string;
  readonly model: string;
  readonly apiKey?: string;
  readonly timeoutMs?: number;
  /** Extra attempts after a retryable failure (network error, timeout, 408, 429, 5xx). */
  readonly retries?: number;
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** First retry delay; doubles each time. */
  readonly backoffMs?: number;
}

interface ChatCompletion {
  choices?: { message?: { content?: unknown } }[];
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Chat completions over HTTP against any OpenAI-compatible server (vLLM, llama.cpp, Ollama, hosted). */
export class OpenAiChatBackend implements LlmBackend {
  readonly name = 'openai';
  readonly model: string;
  readonly #options: Required<Omit<OpenAiBackendOptions, 'apiKey'>> & { apiKey?: string };

  constructor(options: OpenAiBackendOptions) {
    this.model = options.model;
    this.#options = { timeoutMs: 30_000, retries: 2, maxTokens: 160, temperature: 0.7, backoffMs: 250, ...options };
  }

  async complete(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<string> {
    const { baseUrl, model, apiKey, timeoutMs, retries, maxTokens, temperature, backoffMs } = this.#options;
    const url = `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const body = JSON.stringify({ model, messages, max_tokens: maxTokens, temperature, n: 1, stream: false });
    let last: ModelError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
      signal?.throwIfAborted();
      const deadline = AbortSignal.timeout(timeoutMs);
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers, body, signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
      } catch (error) {
        signal?.throwIfAborted();
        const timedOut = deadline.aborted;
        last = new ModelError('MODEL_FAILED', `LLM endpoint ${url} ${timedOut ? `timed out after ${timeoutMs} ms` : `unreachable: ${(error as Error).message}`}`, { url, attempt }, { cause: error });
        continue;
      }
      if (!response.ok) {
        const detail = (await response.text().catch(() => '')).slice(0, 200);
        last = new ModelError('MODEL_FAILED', `LLM endpoint ${url} answered ${response.status}: ${detail}`, { url, status: response.status, attempt });
        if (retryable(response.status)) continue;
        throw last;
      }
      const json = (await response.json().catch(() => undefined)) as ChatCompletion | undefined;
      const content = json?.choices?.[0]?.message?.content;
      if (typeof content !== 'string' || content.trim() === '') {
        throw new ModelError('MODEL_FAILED', `LLM endpoint ${url} returned no message content`, { url });
      }
      return content.trim();
    }
    throw last ?? new ModelError('MODEL_FAILED', `LLM endpoint ${url} failed`, { url });
  }
}
