// Entry point of the portal's bundle (esbuild: app.js and app.css). No inline script or style
// anywhere, so the page's Content-Security-Policy can forbid both.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app';
import { html } from './components/ui';
import { startSession, type SessionEnvironment } from './session';

/** Set by the build (portal/build.ts) to the service's own User-Agent. */
declare const __GEOREDIR_USER_AGENT__: string;

function sessionStorageOrUndefined(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // refused in some embedded frames: the token then lives in memory only
  }
}

const environment: SessionEnvironment = { location: window.location, history: window.history, storage: sessionStorageOrUndefined() };
const session = startSession(environment);
// The API is the page's own origin and folder: /portal's sibling /v1/... (works under a path prefix too).
const apiBaseUrl = new URL('.', document.baseURI).href;
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(html`<${App} session=${session} environment=${environment} apiBaseUrl=${apiBaseUrl} userAgent=${__GEOREDIR_USER_AGENT__} />`, root);
}
