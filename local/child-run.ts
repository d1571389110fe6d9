// `npm start` (local/start.ts) as a child process, for the tools and tests that drive a whole
// local run: start it with its own ports and output folder, wait for its `ready` line, read its
// outputs, stop it, and find the processes below it (Linux /proc).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LocalOutputs, readLocalOutputs } from './outputs';

export const REPOSITORY_ROOT = resolve(__dirname, '..');

export interface ChildRunOptions {
  /** Arguments of `npm start` (`--persist DIR`, `--verbose`). */
  readonly args?: readonly string[];
  /** On top of this process's environment, whose AWS_* and NODE_OPTIONS are left out. */
  readonly env: Record<string, string>;
  /** LOCAL_OUTPUT_DIR: where its outputs.json is written. */
  readonly outputDir: string;
  readonly readyTimeoutMs: number;
  /** Every stdout and stderr line, as it comes. */
  readonly onLine?: (line: string) => void;
}

export interface ChildRun {
  readonly child: ChildProcess;
  readonly outputs: LocalOutputs;
  /** From spawn to the `ready` line. */
  readonly readyMs: number;
  /** SIGTERM by default; resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; durationMs: number }>;
}

export async function startChildRun(options: ChildRunOptions): Promise<ChildRun> {
  // Nothing of this process's AWS settings or loader flags may leak into the local run.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_OPTIONS'));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPOSITORY_ROOT, 'local', 'start.ts'), ...(options.args ?? [])], {
    cwd: REPOSITORY_ROOT,
    env: { ...inherited, LOCAL_OUTPUT_DIR: options.outputDir, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const ready = new Promise<number>((resolveReady, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        options.onLine?.(line);
        if (/^\[local\] ready\b/.test(line)) resolveReady(performance.now() - started);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`local run exited (${signal ?? code}) before ready:\n${tail.join('\n')}`)));
    setTimeout(() => reject(new Error(`no ready line within ${options.readyTimeoutMs} ms:\n${tail.join('\n')}`)), options.readyTimeoutMs).unref();
  });
  let readyMs: number;
  let outputs: LocalOutputs;
  try {
    readyMs = await ready;
    outputs = readLocalOutputs(options.outputDir);
  } catch (error) {
    // SIGTERM lets it stop its own children; a run that failed to start must not leave them.
    child.kill('SIGTERM');
    await exited;
    throw error;
  }
  return {
    child,
    outputs,
    readyMs,
    async stop(signal = 'SIGTERM') {
      const stopping = performance.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const result = await exited;
      return { ...result, durationMs: performance.now() - stopping };
    },
  };
}

/** Every process below `pid`, with its command line. */
export function descendantsOf(pid: number): Array<{ pid: number; command: string }> {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces; the ppid follows the state.
      const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(afterName[1]));
      commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      // The process ended while we looked.
    }
  }
  const result: Array<{ pid: number; command: string }> = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        result.push({ pid: child, command: commands.get(child) ?? '' });
        queue.push(child);
      }
    }
  }
  return result;
}

/** A process's environment variable, or undefined (gone, or not ours to read). */
export function environmentOf(pid: number, name: string): string | undefined {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((candidate) => candidate.startsWith(`${name}=`));
    return entry?.slice(name.length + 1);
  } catch {
    return undefined;
  }
}
