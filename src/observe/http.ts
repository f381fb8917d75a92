/**
 * A small HTTP server for the metrics endpoint and the dashboard: routes by
 * exact path, GET only, answers 404 otherwise. Listening errors become a
 * ListenError (a port in use is named).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListenError } from './errors.js';

export interface Reply {
  readonly status?: number;
  readonly type: string;
  readonly body: string | Buffer;
}

export type Route = (request: IncomingMessage) => Promise<Reply> | Reply;

export interface RunningServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function serve(what: string, host: string, port: number, routes: Readonly<Record<string, Route>>): Promise<RunningServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path];
    if (req.method !== 'GET' || route === undefined) {
      res.writeHead(req.method === 'GET' ? 404 : 405, { 'content-type': 'text/plain' }).end(req.method === 'GET' ? 'not found\n' : 'GET only\n');
      return;
    }
    Promise.resolve(route(req)).then(
      (reply) => {
        res.writeHead(reply.status ?? 200, { 'content-type': reply.type, 'cache-control': 'no-store' }).end(reply.body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new ListenError(what, host, port, error)));
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
