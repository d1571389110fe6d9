// Starts `npm start`'s entry (local/start.ts) as a child process on free ports with its own
// output directory, waits for its `ready` line, and can list and stop its process tree.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort } from '../../../local/dynamodb-local';
import { type LocalOutputs, readLocalOutputs } from '../../../local/outputs';

export interface LocalRunProcess {
  readonly child: ChildProcess;
  readonly outputs: LocalOutputs;
  readonly outputDir: string;
  /** From spawn to the `ready` line. */
  readonly readyMs: number;
  /** Every stdout and stderr line so far. */
  readonly lines: string[];
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; durationMs: number }>;
}

export const repositoryRoot = resolve(__dirname, '..', '..', '..');

/** `args` go to `npm start` (e.g. `--verbose`). */
export async function startLocalRunProcess(env: Record<string, string>, readyTimeoutMs: number, args: readonly string[] = []): Promise<LocalRunProcess> {
  const outputDir = mkdtempSync(join(tmpdir(), 'georedir-local-run-'));
  // Nothing of this test process (AWS settings, loader flags) may leak into the local run.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'NODE_OPTIONS'));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repositoryRoot, 'local', 'start.ts'), ...args], {
    cwd: repositoryRoot,
    env: {
      ...inherited,
      PORT: String(await findFreePort()),
      AWS_LOCAL_PORT: String(await findFreePort()),
      LOCAL_OUTPUT_DIR: outputDir,
      // Tests create endpoints and publish at once: no account caching in the dispatcher.
      ACCOUNT_CACHE_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
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
        lines.push(line);
        if (/^\[local\] ready\b/.test(line)) resolveReady(performance.now() - started);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(({ code, signal }) => reject(new Error(`local run exited (${signal ?? code}) before ready:\n${lines.slice(-40).join('\n')}`)));
    setTimeout(() => reject(new Error(`no ready line within ${readyTimeoutMs} ms:\n${lines.slice(-40).join('\n')}`)), readyTimeoutMs).unref();
  });
  let readyMs: number;
  let outputs: LocalOutputs;
  try {
    readyMs = await ready;
    outputs = readLocalOutputs(outputDir);
  } catch (error) {
    // SIGTERM lets it stop its own children; a test that failed to start must not leave them.
    child.kill('SIGTERM');
    await exited;
    throw error;
  }
  return {
    child,
    outputs,
    outputDir,
    readyMs,
    lines,
    async stop(signal = 'SIGTERM') {
      const stopping = performance.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const result = await exited;
      return { ...result, durationMs: performance.now() - stopping };
    },
  };
}

/** Every process below `pid`, from /proc (Linux). */
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

/** Running, not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
