/**
 * TLS for tests: a CA and server certificates made with openssl in a test
 * directory, and a TLS front for a plain TCP server (Debian's redis-server is
 * built without TLS): a real TLS handshake with Node's own TLS server, whose
 * bytes are passed on to the real server behind it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createServer } from 'node:tls';
import { testDir } from './tmp.js';

export interface TestCa {
  readonly dir: string;
  readonly caFile: string;
  readonly caKey: string;
}

function openssl(args: readonly string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

export function makeCa(t: TestContext, name: string): TestCa {
  const dir = testDir(t, `ca-${name}`);
  const ca = { dir, caFile: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key') };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ca.caKey, '-out', ca.caFile, '-days', '1', '-subj', `/CN=${name} test CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return ca;
}

/** A server key and certificate signed by the CA, naming `altNames` (e.g. "IP:127.0.0.1"). */
export function serverCert(ca: TestCa, name: string, altNames: string): { cert: string; key: string } {
  const cert = join(ca.dir, `${name}.crt`);
  const key = join(ca.dir, `${name}.key`);
  const ext = join(ca.dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth\n`);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', `${cert}.csr`, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', `${cert}.csr`, '-CA', ca.caFile, '-CAkey', ca.caKey, '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', ext]);
  return { cert, key };
}

/** A TLS server on 127.0.0.1 in front of the plain server at `target` ("host:port"); returns its port. Closed when the test ends. */
export async function tlsFront(t: TestContext, target: { host: string; port: number }, files: { cert: string; key: string }): Promise<number> {
  const server = createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, (socket) => {
    const upstream = connect(target.port, target.host);
    socket.pipe(upstream).pipe(socket);
    const end = (): void => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end);
    upstream.on('error', end);
    socket.on('close', end);
    upstream.on('close', end);
  });
  server.on('tlsClientError', () => undefined); // a client refusing our certificate: what some tests want
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}
