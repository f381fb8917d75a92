/**
 * Signals however labeljoin is started. Under `npx labeljoin …` or `npm exec`,
 * the process tree is npm → sh → node, and a SIGTERM to npm (what a container
 * runtime or a supervisor sends to the process it started) ends npm and sh
 * but does not reach node: the work went on, orphaned. So when npx or npm exec
 * started us (npm_command "exec", which children inherit), we watch our parent: once it is gone (we are
 * re-parented), the command stops as on SIGTERM, cleanly. Started by node
 * directly (or under nohup, setsid, a shell) nothing is watched: losing a
 * parent is then no reason to stop, unless LABELJOIN_STOP_WITH_PARENT=1 (what
 * `labeljoin autoscale` gives the instances it starts: killed, it leaves none behind).
 */

/** How often the parent is looked at. */
const EVERY_MS = 500;

/** Starts watching when `npx` / `npm exec` started us (npm_command "exec"); returns what stops the watch (call it when the command is over). */
export function stopWhenNpmParentEnds(env: NodeJS.ProcessEnv = process.env): () => void {
  if (env['npm_command'] !== 'exec' && env['LABELJOIN_STOP_WITH_PARENT'] !== '1') return () => undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.stderr.write(`labeljoin: the process that started this one (pid ${parent}) ended; stopping as on SIGTERM\n`);
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
    else process.exit(143);
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
