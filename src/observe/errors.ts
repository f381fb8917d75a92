/**
 * Errors of the observability subsystem (metrics endpoint, dashboard).
 */
import { LabeljoinError } from '../errors.js';

export class ListenError extends LabeljoinError {
  constructor(what: string, host: string, port: number, cause: unknown) {
    const inUse = (cause as { code?: unknown }).code === 'EADDRINUSE';
    super(inUse ? 'PORT_IN_USE' : 'USAGE', inUse ? `${what}: port ${port} on ${host} is already in use; choose another port (0 picks a free one)` : `${what}: cannot listen on ${host}:${port}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
