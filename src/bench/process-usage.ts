/**
 * CPU time, peak resident memory and bytes written to disk of another process,
 * sampled from Linux's /proc/<pid> while it runs (the last sample before it
 * exits is what is reported, so up to one interval of CPU may be missed):
 *   /proc/<pid>/stat    fields 14-15: utime, stime in clock ticks (100 per second)
 *   /proc/<pid>/status  VmHWM: peak resident set size, kB
 *   /proc/<pid>/io      write_bytes: bytes the process caused to be written to storage;
 *                       rchar: bytes it read by read-like system calls (its sockets, so its
 *                       fetches, and the files it read, a few MiB of code at start)
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ProcessUsage {
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
  readonly writeBytes: number;
  readonly readBytes: number;
}

/** CPU seconds (user + system) the process has used so far; undefined when it has ended. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

export class ProcessWatch {
  #last: ProcessUsage = { cpuSeconds: 0, peakRssBytes: 0, writeBytes: 0, readBytes: 0 };
  readonly #timer: NodeJS.Timeout;

  constructor(readonly pid: number, everyMs = 100) {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  stop(): ProcessUsage {
    clearInterval(this.#timer);
    this.#sample();
    return this.#last;
  }

  #sample(): void {
    try {
      const cpuSeconds = processCpuSeconds(this.pid);
      if (cpuSeconds === undefined) return; // the process has ended: keep the last sample
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      const ioText = readFileSync(`/proc/${this.pid}/io`, 'utf8');
      const io = /write_bytes:\s+(\d+)/.exec(ioText);
      const read = /rchar:\s+(\d+)/.exec(ioText);
      this.#last = {
        cpuSeconds: Math.max(this.#last.cpuSeconds, cpuSeconds),
        peakRssBytes: Math.max(this.#last.peakRssBytes, hwm === null ? 0 : Number(hwm[1]) * 1024),
        writeBytes: Math.max(this.#last.writeBytes, io === null ? 0 : Number(io[1])),
        readBytes: Math.max(this.#last.readBytes, read === null ? 0 : Number(read[1])),
      };
    } catch {
      // the process has ended: keep the last sample
    }
  }
}
