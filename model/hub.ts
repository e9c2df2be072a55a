/** Whether the model hub can serve a model, asked once per host and model before any worker starts. */

/** What the hub said about one model id. */
export type HubAnswer =
  | { readonly status: 'available' }
  /** The hub answered, but has no such model (or refuses it). */
  | { readonly status: 'missing'; readonly detail: string }
  /** No answer: no route, DNS failure, refused connection, timeout, or a server error. */
  | { readonly status: 'unreachable'; readonly detail: string };

export type HubProbe = (hubUrl: string, modelId: string) => Promise<HubAnswer>;

/** How long the probe waits for the hub (a host with no route can otherwise hang for minutes). */
export const HUB_PROBE_TIMEOUT_MS = 8_000;

/** The URL transformers.js downloads a model's config.json from (its remotePathTemplate). */
export function hubFileUrl(hubUrl: string, modelId: string, file = 'config.json'): string {
  return `${hubUrl.replace(/\/+$/, '')}/${modelId}/resolve/main/${file}`;
}

function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return `no answer within ${HUB_PROBE_TIMEOUT_MS / 1000} s`;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** Asks the hub for the model's config.json (headers only). */
export const probeHub: HubProbe = async (hubUrl, modelId) => {
  const url = hubFileUrl(hubUrl, modelId);
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(HUB_PROBE_TIMEOUT_MS) });
    if (response.ok) return { status: 'available' };
    if (response.status >= 500) return { status: 'unreachable', detail: `${url} answered ${response.status}` };
    return { status: 'missing', detail: `${url} answered ${response.status}` };
  } catch (error) {
    return { status: 'unreachable', detail: describeFailure(error) };
  }
};
