import { h, link, replace } from '../dom.js';
import type { ViewRoute } from '../router.js';
import { pageHeading } from '../ui.js';

export const notFoundRoute: ViewRoute = {
  path: /^$/,
  title: () => 'Not found',
  render(root) {
    replace(root, pageHeading('Page not found'), h('p', null, 'No explorer page has this address. ', link('/', 'Back to the overview'), '.'));
  },
};
