import { KeyInputError } from '../auth/operator-key.js';
import { h, link, replace } from '../dom.js';
import type { ViewRoute } from '../router.js';
import { notice, pageHeading } from '../ui.js';

/** Where to go after signing in: a route of this page (`?next=/reconciliation/…`), else the operator's own page. */
function nextRoute(q: URLSearchParams): string {
  const next = q.get('next') ?? '';
  return /^\/[A-Za-z0-9/_.?=&%-]*$/.test(next) && !next.startsWith('//') ? next : '/me';
}

/**
 * Operator sign-in: the operator's Ed25519 key, loaded from its file or pasted, kept in this tab's
 * memory only (src/auth/operator-session.ts) to sign the explorer's requests. Sign-out forgets it.
 */
export const signInRoute: ViewRoute = {
  path: /^\/sign-in$/,
  title: () => 'Operator sign-in',
  render(root, match, ctx, signal) {
    const { session, status } = ctx;
    const draw = () => {
      const op = session.operator;
      if (op) {
        const out = h('button', { type: 'button', class: 'primary', id: 'sign-out-here' }, 'Sign out');
        out.addEventListener('click', () => session.signOut());
        replace(root,
          pageHeading('Operator sign-in'),
          h('section', { class: 'card' },
            h('p', null, 'Signed in as ', h('strong', null, op.name), ` (${op.plmn}). The explorer signs its requests with the key (${op.implementation}); the node shows you your own data.`),
            h('p', null, link('/me', 'Your operator page'), ' · ', link('/reconciliation', 'your reconciliation')),
            out,
          ),
        );
        return;
      }
      const file = h('input', { id: 'key-file', type: 'file', accept: '.json,.pem,application/json,application/x-pem-file' });
      const text = h('textarea', { id: 'key-text', rows: 6, spellcheck: 'false', autocomplete: 'off', placeholder: '{"plmn": 20801, "batchSeed": "…"}  or  -----BEGIN PRIVATE KEY-----' });
      const operator = h('select', { id: 'key-operator' },
        h('option', { value: '' }, 'as the key file says'),
        (status.current?.operators ?? []).map((o) => h('option', { value: String(o.plmn) }, `${o.name} (${o.plmn})`)));
      const error = h('p', { class: 'form-error', role: 'alert', id: 'sign-in-error' });
      const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
      file.addEventListener('change', () => {
        const f = file.files?.[0];
        if (!f) return;
        void f.text().then((t) => {
          text.value = t;
          // The input keeps no path to the file once read.
          file.value = '';
        });
      });
      const form = h('form', { class: 'card sign-in', 'aria-describedby': 'sign-in-note' },
        h('div', { class: 'field' }, h('label', { for: 'key-file' }, 'Key file'), file,
          h('span', { class: 'hint' }, 'the JSON file `cdrchain keys create` wrote, or an Ed25519 PKCS#8 PEM private key')),
        h('div', { class: 'field' }, h('label', { for: 'key-text' }, 'Or paste the key'), text),
        h('div', { class: 'field' }, h('label', { for: 'key-operator' }, 'Operator'), operator, h('span', { class: 'hint' }, 'needed for a PEM key, which does not say whose it is')),
        submit,
        error,
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        submit.textContent = 'Checking the key…';
        const plmn = operator.value === '' ? undefined : Number(operator.value);
        void session.signIn(text.value, plmn, (p) => status.operatorName(p)).then(
          () => {
            text.value = '';
            ctx.go(nextRoute(match.query));
          },
          (err: unknown) => {
            if (signal.aborted) return;
            submit.disabled = false;
            submit.textContent = 'Sign in';
            error.textContent = err instanceof KeyInputError ? err.message : `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
          },
        );
      });
      replace(root,
        pageHeading('Operator sign-in', undefined, h('p', { class: 'lede' }, 'Operators see their own data: their batches, their sequences, their pairs\' disputed events.')),
        h('div', { class: 'two-col wide-left' },
          form,
          h('section', { class: 'card', 'aria-labelledby': 'key-note-h' },
            h('h2', { id: 'key-note-h' }, 'Where your key goes'),
            h('p', { id: 'sign-in-note' }, 'Nowhere. It stays in this tab\'s memory (imported into WebCrypto as a non-extractable key where the browser supports Ed25519) and is never stored or sent: the page signs each request to this node with it (HTTP Message Signatures, RFC 9421), and only those signatures leave. Signing out, closing or reloading the tab forgets it.'),
            notice('Anyone who can run scripts in this page could sign with the key while you are signed in: sign in only on a node and a browser you trust.'),
          ),
        ),
      );
    };
    draw();
    session.onChange(draw, signal);
  },
};
