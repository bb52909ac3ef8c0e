// DOM building for the workbench. Listing text is data from sellers: it only ever goes into
// textContent / attribute values, never into innerHTML.

/** An element with attributes (on* keys become listeners) and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const formatPrice = (minor, currency) => {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency || 'USD' }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
};

const fmt = (n, d = 3) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(d) : '–');

/**
 * How far an item moved from the BM25 order: up / down by N places, unchanged, or from outside the
 * BM25 list shown. `from` is its BM25 position (0-based) or -1, `to` its served position.
 */
export function movement(from, to) {
  if (from < 0) return h('span', { class: 'move new', title: 'not in the BM25 list shown' }, '★ new');
  const d = from - to;
  if (d === 0) return h('span', { class: 'move same', title: 'same place as in BM25' }, '= 0');
  const label = `${d > 0 ? 'up' : 'down'} ${Math.abs(d)} from BM25 position ${from + 1}`;
  return h(
    'span',
    { class: `move ${d > 0 ? 'up' : 'down'}`, title: label, 'aria-label': label },
    `${d > 0 ? '▲' : '▼'} ${Math.abs(d)}`,
  );
}

/** One result card: image, title, price, condition, brand, category, plus what the caller adds. */
export function card(item, position, extras = []) {
  const placeholder = () => h('div', { class: 'noimg', 'aria-hidden': 'true' }, '—');
  // Decorative (the title says what it is); a broken link shows the placeholder, not a broken-image icon.
  const img = item.image_url
    ? h('img', {
        src: item.image_url,
        alt: '',
        loading: 'lazy',
        width: 64,
        height: 64,
        onerror: (e) => e.currentTarget.replaceWith(placeholder()),
      })
    : placeholder();
  return h(
    'li',
    { class: 'card', 'data-id': item.id },
    h('span', { class: 'pos' }, `${position + 1}`),
    img,
    h(
      'div',
      { class: 'body' },
      h('div', { class: 'title' }, item.title),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'price' }, formatPrice(item.price, item.currency)),
        ' · ',
        h('span', {}, item.condition.replace(/_/g, ' ')),
        item.brand ? ' · ' : '',
        item.brand ? h('span', {}, item.brand) : '',
        ' · ',
        h('span', { class: 'id' }, item.id),
      ),
      h('div', { class: 'cat' }, (item.category_path ?? []).join(' › ')),
      ...extras,
    ),
  );
}

/** The explain row of one result: scores, ranks and every feature by name. */
export function explainTable(row) {
  return h(
    'div',
    { class: 'explain' },
    h(
      'p',
      {},
      `model score ${fmt(row.model_score, 4)} · BM25 ${fmt(row.bm25, 3)} · BM25 rank ${row.bm25_rank === null ? '– (kNN only)' : row.bm25_rank + 1}${row.semantic == null ? '' : ` · cosine ${fmt(row.semantic, 3)}`} → served rank ${row.final_rank + 1}`,
    ),
    h(
      'table',
      {},
      h('caption', {}, 'Features'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'feature'), h('th', { scope: 'col' }, 'value'))),
      h(
        'tbody',
        {},
        Object.entries(row.features).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, fmt(v, 4)))),
      ),
    ),
  );
}

/** A price bucket as money: "$10.00 – $25.00", "under $10.00", "$500.00 and up". */
const priceRange = (b) =>
  b.from === undefined
    ? `under ${formatPrice(b.to, 'USD')}`
    : b.to === undefined
      ? `${formatPrice(b.from, 'USD')} and up`
      : `${formatPrice(b.from, 'USD')} – ${formatPrice(b.to, 'USD')}`;

/** Facet lists with counts; clicking a value filters by it. */
export function facetsView(facets, onPick) {
  const list = (title, name, buckets) =>
    buckets.length === 0
      ? ''
      : h(
          'div',
          { class: 'facet' },
          h('h3', {}, title),
          h(
            'ul',
            {},
            buckets.map((b) =>
              h(
                'li',
                {},
                h(
                  'button',
                  { type: 'button', class: 'link', onclick: () => onPick(name, b.key, b) },
                  `${name === 'price' ? priceRange(b) : b.key.replace(/_/g, ' ')} (${b.count})`,
                ),
              ),
            ),
          ),
        );
  return [
    list(
      facets.category.parent ? `Category in ${facets.category.parent}` : 'Category',
      'category',
      facets.category.buckets,
    ),
    list('Brand', 'brand', facets.brand),
    list('Condition', 'condition', facets.condition),
    list('Price', 'price', facets.price),
  ];
}
