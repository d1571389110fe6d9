// Runs the guide's receivers (express-receiver.js, flask-receiver.py, php/router.php) as their
// own processes on 127.0.0.1 and reads back what they accepted and rejected.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type GuideReceiverKind = 'express' | 'flask' | 'php';

export interface GuideReceiverRecord {
  readonly receiver: GuideReceiverKind;
  readonly status: number;
  readonly delivery: string | null;
  readonly attempt: string | null;
  readonly signature: string | null;
  /** What the receiver verified: the raw body (Flask, PHP) or JSON.stringify(req.body) (Express). */
  readonly body: string;
}

export interface GuideReceiver {
  readonly kind: GuideReceiverKind;
  readonly url: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  records(): GuideReceiverRecord[];
  stop(): Promise<void>;
}

/** Debian's python3-flask installs for this interpreter; `python3` on PATH may be another build. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

function command(kind: GuideReceiverKind, port: number): { file: string; args: string[] } {
  const here = __dirname;
  switch (kind) {
    case 'express':
      return { file: process.execPath, args: [join(here, 'express-receiver.js')] };
    case 'flask':
      return { file: SYSTEM_PYTHON, args: [join(here, 'flask-receiver.py')] };
    case 'php':
      return { file: 'php', args: ['-S', `127.0.0.1:${port}`, join(here, 'php', 'router.php')] };
  }
}

export async function startGuideReceiver(kind: GuideReceiverKind, port: number, secret: string): Promise<GuideReceiver> {
  const dir = mkdtempSync(join(tmpdir(), `guide-${kind}-`));
  const log = join(dir, 'requests.jsonl');
  const { file, args } = command(kind, port);
  const child: ChildProcess = spawn(file, args, {
    // Only what a receiver needs: nothing of the test process (AWS settings, loader flags).
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), GEOREDIR_WEBHOOK_SECRET: secret, RECEIVER_LOG: log },
    cwd: join(__dirname, '..', '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, 10_000, () => child.exitCode !== null);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${kind} receiver did not listen on ${port}: ${(error as Error).message}\n${output}`);
  }
  return {
    kind,
    url: `http://127.0.0.1:${port}/webhooks/georedir`,
    output: () => output,
    records: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as GuideReceiverRecord)
        : [],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) throw new Error('the process exited');
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listening within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
