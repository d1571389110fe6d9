// Headless Debian Chromium driven by playwright-core for the portal's browser tests: a fresh
// profile per launch, no network besides what the page asks for, every CSP violation, page error
// and failed request recorded, and a screenshot per test under test-output/screenshots/.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(__dirname, '..', '..', '..', 'test-output', 'screenshots');

/** The flags the suite runs Chromium with (headless, no sandbox as root, nothing phoning home). */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (bash .ci/run installs it)`);
  // launch() starts Chromium on a new, empty user-data-dir of its own and removes it on close().
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}

export interface PageRecord {
  /** CSP violations the page reported (securitypolicyviolation) or Chromium logged. */
  readonly cspViolations: string[];
  readonly pageErrors: string[];
  /** Requests the page made, as `METHOD url`. */
  readonly requests: string[];
  /** Referer headers the page sent, if any. */
  readonly referers: string[];
}

/** A context of its own (cookies, storage) with a phone-or-desk viewport, recording what the page does. */
export async function openContext(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page; record: PageRecord }> {
  const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const record: PageRecord = { cspViolations: [], pageErrors: [], requests: [], referers: [] };
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (load|apply|execute|connect|frame)/i.test(message.text())) record.cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => record.pageErrors.push(error.message));
  page.on('request', (request) => {
    record.requests.push(`${request.method()} ${request.url()}`);
    const referer = request.headers().referer;
    if (referer) record.referers.push(referer);
  });
  return { context, page, record };
}

/** A run's screenshots are all its own: none left from an earlier run (of the files `mine` names, so test files clear only their own). */
export function clearScreenshots(mine: (file: string) => boolean = () => true): void {
  if (!existsSync(SCREENSHOTS)) return;
  for (const file of readdirSync(SCREENSHOTS)) if (mine(file)) rmSync(join(SCREENSHOTS, file), { recursive: true, force: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Polls `check` until it returns a value other than undefined/false, or fails with `what`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
