/**
 * One HTTP(S) request of the registry client, on node:http / node:https (not
 * fetch: fetch cannot be given a CA of our own). A transport failure (refused,
 * reset, DNS, no answer in time, a TLS handshake that failed) rejects with
 * HttpTransportError carrying Node's error code; any HTTP answer resolves.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

export interface HttpRequestOptions {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  readonly timeoutMs: number;
  /** PEM CA for https; undefined: the system's CAs. */
  readonly ca?: Buffer | undefined;
}

export class HttpTransportError extends Error {
  /** Node's error code (ECONNREFUSED, SELF_SIGNED_CERT_IN_CHAIN, ...) or TIMEOUT. */
  readonly code: string;

  constructor(code: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

export function send(url: string, o: HttpRequestOptions): Promise<HttpAnswer> {
  const target = new URL(url);
  const headers = { ...o.headers, ...(o.body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(o.body)) }) };
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', (error: NodeJS.ErrnoException) => reject(new HttpTransportError(error.code ?? 'ERROR', error.message, error)));
    };
    const req = target.protocol === 'https:'
      ? httpsRequest(target, { method: o.method, headers, ...(o.ca === undefined ? {} : { ca: o.ca }) }, onResponse)
      : httpRequest(target, { method: o.method, headers }, onResponse);
    const timer = setTimeout(() => req.destroy(new HttpTransportError('TIMEOUT', `no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error instanceof HttpTransportError ? error : new HttpTransportError(error.code ?? 'ERROR', error.message, error));
    });
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}
