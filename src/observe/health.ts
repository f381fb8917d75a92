/**
 * Kubernetes-style probes on the metrics port of join and train:
 *   GET /healthz  200 while the work loop turned within the health timeout
 *                 (observe.healthTimeoutMs), else 503: a process stuck in a
 *                 loop that no longer turns is to be restarted
 *   GET /readyz   200 once partitions are assigned and each is positioned
 *                 (its read offsets known), else 503: not yet doing its work
 * Both answer a small JSON object saying why, e.g.
 *   {"status":"ok","lastTurnMsAgo":120}  or  {"status":"not ready","reason":"no partition assigned yet"}
 */
import type { Reply } from './http.js';

/** What a long-running command says about itself; asked on every probe. */
export interface HealthSource {
  /** Wall-clock time (ms) the loop last turned; undefined before it started. */
  lastTurnAt(): number | undefined;
  /** undefined: ready; else why not. */
  notReady(): string | undefined;
}

export function healthzReply(source: HealthSource | undefined, now: number, timeoutMs: number): Reply {
  const last = source?.lastTurnAt();
  if (last === undefined) return json(503, { status: 'starting', reason: 'the work loop has not started yet' });
  const ago = now - last;
  if (ago > timeoutMs) return json(503, { status: 'stuck', reason: `the work loop last turned ${ago} ms ago (more than ${timeoutMs} ms)`, lastTurnMsAgo: ago });
  return json(200, { status: 'ok', lastTurnMsAgo: ago });
}

export function readyzReply(source: HealthSource | undefined): Reply {
  if (source === undefined) return json(503, { status: 'not ready', reason: 'starting' });
  const why = source.notReady();
  return why === undefined ? json(200, { status: 'ready' }) : json(503, { status: 'not ready', reason: why });
}

function json(status: number, body: Record<string, unknown>): Reply {
  return { status, type: 'application/json', body: `${JSON.stringify(body)}\n` };
}
