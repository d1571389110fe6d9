// Where `npm run bench` writes its report: outside the tracked tree unless --save asks for
// bench/results/latest.json, so a run leaves `git status` clean.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { REPOSITORY_ROOT, resultsFilePath, SAVED_RESULTS_FILE, SCRATCH_RESULTS_FILE, writeResultsFile } from '../../../bench/results-file';

const report = { generatedAt: '2026-12-07T00:00:00.000Z', headline: { wru_per_delivery: 1.111 } };

describe('the bench report file', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bench-results-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('goes to .cache/bench/latest.json by default, not under bench/results', () => {
    const path = resultsFilePath({ save: false });
    expect(relative(REPOSITORY_ROOT, path)).toBe(join('.cache', 'bench', 'latest.json'));
    expect(relative(REPOSITORY_ROOT, path).split(sep)).not.toContain('results');
  });

  it('goes to the tracked bench/results/latest.json only with --save', () => {
    expect(relative(REPOSITORY_ROOT, resultsFilePath({ save: true }))).toBe(join('bench', 'results', 'latest.json'));
  });

  it('keeps its default in a folder .gitignore ignores', () => {
    const ignored = readFileSync(join(REPOSITORY_ROOT, '.gitignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toContain(`${SCRATCH_RESULTS_FILE.split(sep)[0]}/`);
  });

  it('leaves bench/results untouched without --save', () => {
    const path = writeResultsFile(report, { save: false, root });
    expect(path).toBe(join(root, SCRATCH_RESULTS_FILE));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(report);
    expect(existsSync(join(root, 'bench'))).toBe(false);
    expect(readdirSync(root)).toEqual(['.cache']);
  });

  it('writes bench/results/latest.json with --save, and nothing under .cache', () => {
    const path = writeResultsFile(report, { save: true, root });
    expect(path).toBe(join(root, SAVED_RESULTS_FILE));
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(readdirSync(root)).toEqual(['bench']);
  });
});
