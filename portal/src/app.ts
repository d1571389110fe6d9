// The portal's shell: the session, navigation between pages (in the fragment), and the switch to
// the link-problem page as soon as the API refuses the token.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiClient, type LinkProblem } from './api';
import { html } from './components/ui';
import { parseRoute, type Route } from './routes';
import { endSession, linkScope, type SessionEnvironment, type SessionStart } from './session';
import { ActivityPage } from './views/activity';
import { DeliveriesPage } from './views/deliveries';
import { DeliveryPage } from './views/delivery';
import { EndpointPage } from './views/endpoint';
import { EndpointsPage } from './views/endpoints';
import { LinkProblemPage, type Problem } from './views/link-problem';
import { NewEndpointPage } from './views/new-endpoint';

export interface AppProps {
  readonly session: SessionStart;
  readonly environment: SessionEnvironment;
  readonly apiBaseUrl: string;
  readonly userAgent: string;
}

const TITLES: Record<Route['page'], string> = {
  endpoints: 'Endpoints',
  'new-endpoint': 'Add an endpoint',
  endpoint: 'Endpoint',
  deliveries: 'Delivery log',
  delivery: 'Delivery',
  activity: 'Last 24 hours',
};

export function App({ session, environment, apiBaseUrl, userAgent }: AppProps) {
  const [problem, setProblem] = useState<Problem | undefined>(session.kind === 'missing' ? 'missing' : undefined);
  const api = useMemo(
    () =>
      session.kind === 'token'
        ? new ApiClient({
            baseUrl: apiBaseUrl,
            token: session.token,
            fetch: (request) => fetch(request),
            onLinkProblem: (found: LinkProblem) => {
              endSession(environment);
              setProblem(found);
            },
          })
        : undefined,
    [],
  );
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const navigated = useRef(false);
  useEffect(() => {
    const onHashChange = () => {
      navigated.current = true;
      setRoute(parseRoute(location.hash));
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);
  // A layout effect: focus moves in the same task that renders the new page, so nobody (a
  // keyboard user, a test) meets the new heading before it has the focus.
  useLayoutEffect(() => {
    document.title = problem ? 'Link problem · GeoRedir Webhooks' : `${TITLES[route.page]} · GeoRedir Webhooks`;
    // Screen readers and keyboards start at the new page's heading, not at the old focus.
    if (navigated.current || problem) document.getElementById('page-title')?.focus();
  }, [route, problem]);

  if (problem || !api) return html`<${Layout}><${LinkProblemPage} problem=${problem ?? 'missing'} /><//>`;
  // A read link's pages hide every control that would change something (the API refuses them anyway).
  const readOnly = session.kind === 'token' && linkScope(session.token) === 'read';
  const props = { api, userAgent, readOnly };
  const section = route.page === 'deliveries' || route.page === 'delivery' ? 'deliveries' : route.page === 'activity' ? 'activity' : 'endpoints';
  return html`<${Layout} section=${section} readOnly=${readOnly}>
    ${route.page === 'endpoints' ? html`<${EndpointsPage} ...${props} />` : null}
    ${route.page === 'new-endpoint' ? html`<${NewEndpointPage} ...${props} />` : null}
    ${route.page === 'endpoint' ? html`<${EndpointPage} key=${route.id} ...${props} id=${route.id} />` : null}
    ${route.page === 'deliveries' ? html`<${DeliveriesPage} ...${props} filters=${route.filters} />` : null}
    ${route.page === 'delivery' ? html`<${DeliveryPage} key=${route.id} ...${props} id=${route.id} />` : null}
    ${route.page === 'activity' ? html`<${ActivityPage} ...${props} />` : null}
  <//>`;
}

function Layout({ section, readOnly, children }: { section?: string; readOnly?: boolean; children?: unknown }) {
  const link = (name: string, href: string, label: string) =>
    html`<a href=${href} aria-current=${section === name ? 'page' : undefined}>${label}</a>`;
  return html`<a class="skip" href="#main" onClick=${(event: Event) => {
      event.preventDefault();
      document.getElementById('main')?.focus();
    }}>Skip to content</a>
    <header class="top">
      <div class="brand"><span class="logo" aria-hidden="true">◆</span> GeoRedir <span class="muted">Webhooks</span>${readOnly
        ? html` <span class="badge badge-pending" id="read-only-link" title="This link can look at the account but change nothing">read-only link</span>`
        : null}</div>
      ${section
        ? html`<nav aria-label="Portal">
            ${link('endpoints', '#/endpoints', 'Endpoints')}
            ${link('deliveries', '#/deliveries', 'Delivery log')}
            ${link('activity', '#/activity', 'Last 24 hours')}
          </nav>`
        : null}
    </header>
    <main id="main" tabindex="-1">${children}</main>`;
}
