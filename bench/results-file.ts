// Where `npm run bench` keeps its report. By default under .cache/ (gitignored), so a run leaves the
// tracked tree as it was; with `--save` in bench/results/latest.json, the tracked copy the docs quote.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's root folder (this file is in bench/). */
export const REPOSITORY_ROOT = join(__dirname, '..');

/** The default: untracked (`.cache/` is in .gitignore). */
export const SCRATCH_RESULTS_FILE = join('.cache', 'bench', 'latest.json');
/** Only with `--save`: the tracked report. */
export const SAVED_RESULTS_FILE = join('bench', 'results', 'latest.json');

export interface ResultsFileOptions {
  /** `--save`: write the tracked bench/results/latest.json instead of the untracked copy. */
  readonly save: boolean;
  /** The folder the paths are relative to; the repository root unless a test says otherwise. */
  readonly root?: string;
}

/** The file a report goes to: never under bench/results unless `save` is set. */
export function resultsFilePath(options: ResultsFileOptions): string {
  return join(options.root ?? REPOSITORY_ROOT, options.save ? SAVED_RESULTS_FILE : SCRATCH_RESULTS_FILE);
}

/** Writes the report (pretty JSON) where `resultsFilePath` says, creating the folder; returns the path. */
export function writeResultsFile(report: unknown, options: ResultsFileOptions): string {
  const path = resultsFilePath(options);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
