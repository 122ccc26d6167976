import { h, replace } from '../dom.js';
import type { ViewRoute } from '../router.js';
import { resolveSearch } from '../search.js';
import { loading, notice, pageHeading } from '../ui.js';

/** `#/search?q=…`: resolves the query and replaces itself with the page it names. */
export const searchRoute: ViewRoute = {
  path: /^\/search$/,
  title: (m) => `Search ${m.query.get('q') ?? ''}`,
  async render(root, match, ctx, signal) {
    const q = match.query.get('q') ?? '';
    replace(root, pageHeading('Search', undefined, h('p', { class: 'lede mono' }, q)), loading('the result'));
    const result = await resolveSearch(ctx.api, q, signal);
    if (signal.aborted) return;
    if (result.found) {
      // Replace the search entry, so Back returns to where the search started.
      history.replaceState(null, '', `#${result.route}`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      return;
    }
    replace(root, pageHeading('Search', undefined, h('p', { class: 'lede mono' }, q)), notice(result.message, 'error'));
  },
};
