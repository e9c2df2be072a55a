import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The HTTP server of `cuecast serve`, listening from the start; it answers "starting" until `ready()`. */
export interface ListeningServer {
  readonly http: Server;
  readonly port: number;
  /** Stops answering "starting": whatever handles requests from now on must be attached at once. */
  ready(): void;
  close(): void;
}

/** /healthz: alive; /readyz: 503, models and catalog not ready; anything else: BUSY, retry in 5 s. */
function answerWhileLoading(request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const body =
    path === '/healthz' ? { status: 'ok' } : path === '/readyz' ? { status: 'not ready', checks: { models: false, catalog: false } } : { error: { code: 'BUSY', message: 'The server is starting' } };
  response.writeHead(path === '/healthz' ? 200 : 503, { 'content-type': 'application/json', 'retry-after': '5' }).end(JSON.stringify(body));
}

/** Listens at once, so orchestrators see /healthz (alive) and /readyz (503) while models load. */
export async function listenWhileLoading(port: number, host: string): Promise<ListeningServer> {
  const http = createServer();
  http.on('request', answerWhileLoading);
  await new Promise<void>((done, fail) => {
    http.once('error', fail);
    http.listen(port, host, done);
  });
  return {
    http,
    port: (http.address() as AddressInfo).port,
    ready: () => http.off('request', answerWhileLoading),
    close: () => {
      if (http.listening) http.close();
    },
  };
}
