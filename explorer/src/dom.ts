// A tiny element builder: text goes in as text nodes, never as HTML, so nothing the node sends can
// become markup.

export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attrs = Readonly<Record<string, string | number | boolean | undefined | null | EventListener>>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
      else if (value === true) el.setAttribute(name, '');
      else el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/**
 * replace() for live content: if keyboard focus was on a link or button inside `el`, it moves to the
 * element with the same href (or id) in the new content, instead of falling back to <body>.
 */
export function replaceKeepingFocus(el: Element, ...children: Child[]): void {
  const focused = document.activeElement;
  const inside = focused instanceof HTMLElement && focused !== el && el.contains(focused);
  const key = inside ? (focused.getAttribute('href') ?? (focused.id ? `#${focused.id}` : null)) : null;
  replace(el, ...children);
  if (!inside) return;
  const again = key?.startsWith('#') && !key.startsWith('#/') ? el.querySelector<HTMLElement>(key) : key ? el.querySelector<HTMLElement>(`[href="${CSS.escape(key)}"]`) : null;
  const heading = focused.tagName === 'H1' ? el.querySelector<HTMLElement>('h1') : null;
  heading?.setAttribute('tabindex', '-1');
  (heading ?? again ?? el.querySelector<HTMLElement>('a, button'))?.focus();
}

/** A link inside the single-page app (hash routes). */
export function link(route: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href: `#${route}` }, ...children);
}

export interface Column {
  readonly label: string;
  /** Right-aligned, tabular figures. */
  readonly numeric?: boolean;
  /** May wrap (names); other cells stay on one line. */
  readonly wrap?: boolean;
}

/** A table with a caption, column headers and rows, in a box that scrolls sideways rather than widen the page. */
export function table(caption: string, columns: readonly Column[], rows: readonly (readonly Child[])[], opts: { captionHidden?: boolean; id?: string } = {}): HTMLElement {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: opts.id },
    h('caption', { class: opts.captionHidden ? 'visually-hidden' : null }, caption),
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)))),
    h('tbody', null, rows.map((r) => tableRow(columns, r))),
  ));
}

export function tableRow(columns: readonly Column[], cells: readonly Child[]): HTMLTableRowElement {
  return h('tr', null, cells.map((c, i) => h('td', { class: [columns[i]?.numeric ? 'num' : '', columns[i]?.wrap ? 'wrap' : ''].join(' ').trim() || null }, c)));
}

/** A definition list of label → value pairs (the detail pages' headers). */
export function fields(pairs: readonly (readonly [string, Child])[]): HTMLDListElement {
  return h('dl', { class: 'fields' }, pairs.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));
}
