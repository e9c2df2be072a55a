import type { StoredTokens } from '../token-store.js';

/** The address people open: a wildcard listening address is reached as localhost from this machine. */
export function publicBase(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/** The ready-to-paste capture and overlay URLs for the generated tokens. */
export function pageUrls(base: string, tokens: StoredTokens): { capture: string; overlay: string } {
  const query = (token: string) => `stream=${encodeURIComponent(tokens.streamId)}&token=${encodeURIComponent(token)}`;
  return { capture: `${base}/capture?${query(tokens.tokens.stream)}`, overlay: `${base}/overlay?${query(tokens.tokens.overlay)}` };
}

export const listeningLine = (base: string): string => `cuecast stream server listening on ${base} (loading models and catalog; /readyz says when it is ready)\n`;

/** The capture and overlay pages of the generated tokens: the whole URLs when the tokens are new or asked for. */
export function tokenLines(base: string, generated: StoredTokens, printUrls: boolean): string {
  if (generated.created.length === 0 && !printUrls) {
    return `stream "${generated.streamId}": capture ${base}/capture, overlay ${base}/overlay (tokens in ${generated.path}; \`cuecast serve --print-urls\` prints the full URLs)\n`;
  }
  const urls = pageUrls(base, generated);
  return [
    `${generated.created.length > 0 ? 'Generated' : 'Stored'} tokens for stream "${generated.streamId}" (kept in ${generated.path}, readable only by you):`,
    `    capture (send a tab or camera):  ${urls.capture}`,
    `    overlay (OBS browser source):    ${urls.overlay}`,
    'Keep them secret; `cuecast serve --print-urls` prints them again. Set CUECAST_STREAM_TOKENS / CUECAST_OVERLAY_TOKENS to use your own.',
    '',
  ].join('\n');
}

export function readyLine(base: string, tracks: number, standIn: boolean): string {
  return `cuecast stream server ready on ${base} (${tracks} tracks${standIn ? '; STAND-IN MODELS: picks are not meaningful' : ''}; overlay: ${base}/overlay?stream=<id>&token=<overlay token>, capture: ${base}/capture)\n`;
}
