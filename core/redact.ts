/**
 * Secrets out of what is printed: URL credentials (`user:pass@`) and query strings (stream keys and
 * signatures live there) are replaced, in a URL or in any text that contains URLs (ffmpeg's stderr).
 */

/** A URL with `***:***@` for credentials and `?…` for its query; text that is not a URL is returned as is. */
export function redactUrl(value: string | URL): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return String(value);
  }
  const credentials = url.username !== '' || url.password !== '';
  url.username = '';
  url.password = '';
  const query = url.search !== '';
  url.search = '';
  let text = url.href;
  if (credentials) text = text.replace('//', '//***:***@');
  if (query) text = text.replace(/(#.*)?$/, (hash) => `?…${hash}`);
  return text;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s'"<>]+/gi;
/** `scheme://user:pass@` that `new URL` cannot parse (ffmpeg prints hosts like `h` with odd ports). */
const CREDENTIALS = /\b([a-z][a-z0-9+.-]{1,15}:\/\/)[^\s/@'"]+@/gi;

/** Every URL in `text` redacted as `redactUrl` does. */
export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    const trailing = /[),.;:]+$/.exec(match)?.[0] ?? '';
    const url = match.slice(0, match.length - trailing.length);
    return redactUrl(url).replace(CREDENTIALS, '$1***:***@') + trailing;
  });
}
