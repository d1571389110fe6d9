// What a visitor sees when the link cannot open the portal: it ran out, or it is not a link (any
// more). Nothing of any account is loaded or shown.
import { html } from '../components/ui';

export type Problem = 'expired' | 'invalid' | 'missing';

export function LinkProblemPage({ problem }: { problem: Problem }) {
  const expired = problem === 'expired';
  return html`<section class="link-problem" aria-labelledby="page-title" data-problem=${problem}>
    <h1 id="page-title" tabindex="-1">${expired ? 'This link has expired' : 'This link is not valid'}</h1>
    <p>${expired
      ? 'Links to the webhooks portal work for a limited time, to keep your account safe.'
      : 'The link is incomplete, was made for another page, or has been withdrawn.'}</p>
    <p>Open <strong>Webhooks</strong> again from your GeoRedir dashboard to get a new link.</p>
  </section>`;
}
