// Optional state file for `--persist DIR`: queues with their messages, pending schedules and KMS key material,
// so a restarted local run continues where it stopped.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KmsKeySnapshot } from './kms';
import type { ScheduleRecord } from './scheduler';
import type { QueueSnapshot } from './sqs';

export interface PersistedState {
  version: 1;
  queues: QueueSnapshot[];
  schedules: ScheduleRecord[];
  /** Absent in files written before the stack had KMS keys. */
  kmsKeys?: KmsKeySnapshot[];
}

export function loadState(file: string): PersistedState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as Partial<PersistedState>;
  if (state.version !== 1 || !Array.isArray(state.queues) || !Array.isArray(state.schedules)) {
    throw new Error(`${file} is not a state file of the local AWS endpoint (version 1)`);
  }
  return state as PersistedState;
}

/** Writes via a temporary file and rename, so a crash never leaves half a file. */
export function saveState(file: string, state: PersistedState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, file);
}
