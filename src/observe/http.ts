/**
 * A small HTTP server for the metrics endpoint and the dashboard: routes by
 * exact path, GET only, answers 404 otherwise. Listening errors become a
 * ListenError (a port in use is named).
 *
 * Bound to a loopback address (the default), it answers only requests whose
 * Host header names a loopback host (127.0.0.1, localhost, [::1], any port):
 * a web page elsewhere cannot read it through a DNS name that resolves to
 * 127.0.0.1 (DNS rebinding); other hosts get 421. Bound to another address, the
 * caller is told (`exposed`) that it serves without authentication.
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
  /** Bound to an address other than loopback: reachable from elsewhere, without authentication. */
  readonly exposed: boolean;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host part of a Host header ("localhost:9464" -> "localhost", "[::1]:80" -> "[::1]"). */
export function hostOf(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.lastIndexOf(':');
  return (colon < 0 ? header : header.slice(0, colon)).toLowerCase();
}

export async function serve(what: string, host: string, port: number, routes: Readonly<Record<string, Route>>): Promise<RunningServer> {
  const loopbackOnly = isLoopback(host);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (loopbackOnly && !isLoopback(hostOf(req.headers.host ?? ''))) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('this server answers requests for 127.0.0.1 or localhost only\n');
      return;
    }
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
    exposed: !loopbackOnly,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
