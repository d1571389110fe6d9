// Ctrl-C and SIGTERM for `npm start`: the first signal stops the run cleanly (or aborts a start
// still in progress, which then stops what it started); a second one exits at once.

export interface StopSignals {
  /** Aborted by the first signal while the run is still starting. */
  readonly startAborted: AbortSignal;
  /** Hands over the started run: a signal from now on stops it and exits. */
  started(run: { stop(): Promise<void> }): void;
}

export function handleStopSignals(print: (line: string) => void, exit: (code: number) => void = (code) => process.exit(code)): StopSignals {
  const abort = new AbortController();
  let run: { stop(): Promise<void> } | undefined;
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      print(`[local] ${signal} again: exiting now`);
      return exit(1);
    }
    stopping = true;
    print(`[local] ${signal}: stopping...`);
    if (!run) return abort.abort();
    await run.stop();
    print('[local] stopped');
    exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  return {
    startAborted: abort.signal,
    started(started) {
      run = started;
    },
  };
}
