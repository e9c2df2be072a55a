import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from './http.js';

// Beside this module's folder when running from source; from dist/ the pages stay in the package's
// stream-server/pages/ (plain browser JavaScript, not compiled).
const PAGES_DIR =
  [new URL('../pages/', import.meta.url), new URL('../../../stream-server/pages/', import.meta.url)].map((url) => fileURLToPath(url)).find((dir) => existsSync(join(dir, 'studio.html'))) ??
  fileURLToPath(new URL('../pages/', import.meta.url));

/** The page's script and style, by URL path; they need no token (the page and the API do). */
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/studio/studio.js': { file: 'studio.js', type: 'text/javascript; charset=utf-8' },
  '/studio/studio.css': { file: 'studio.css', type: 'text/css; charset=utf-8' },
};

const isRead = (request: IncomingMessage): boolean => request.method === 'GET' || request.method === 'HEAD';

/** The studio page and its static files, read once from pages/. */
export class StudioPages {
  private readonly cache = new Map<string, Buffer>();

  /** Whether `pathname` is one of the page's static files for this request (GET or HEAD). */
  isAsset(request: IncomingMessage, pathname: string): boolean {
    return Object.hasOwn(ASSETS, pathname) && isRead(request);
  }

  async sendAsset(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<void> {
    const asset = ASSETS[pathname]!;
    const body = await this.read(asset.file);
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': 'no-cache' }).end(request.method === 'HEAD' ? undefined : body);
  }

  async sendPage(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await this.read('studio.html');
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : body);
  }

  private async read(file: string): Promise<Buffer> {
    let body = this.cache.get(file);
    if (!body) {
      body = await readFile(join(PAGES_DIR, file));
      this.cache.set(file, body);
    }
    return body;
  }
}
