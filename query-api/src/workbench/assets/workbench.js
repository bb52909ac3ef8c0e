// The relevance workbench (served at /workbench): search with the search bar's filters, the served
// ranking beside rank=bm25, explain on demand, grades and NDCG@10 from a judgments file.
import { JudgmentStore, ndcgAt10, readJudgmentsCsv, toCsv } from './judgments.js';
import { setupRecs } from './recs.js';
import { card, explainTable, facetsView, h, movement } from './render.js';

const KEY = 'workbench.apiKey';
const $ = (id) => document.getElementById(id);
const judgments = new JudgmentStore();
/** The last search: its parameters, both sides' answers and the explain rows once fetched. */
let current = null;

const keyInput = $('api-key');
keyInput.value = sessionStorage.getItem(KEY) ?? '';
keyInput.addEventListener('input', () => sessionStorage.setItem(KEY, keyInput.value));

export function status(text) {
  $('status').textContent = text;
}

export function showError(text) {
  const el = $('error');
  el.hidden = !text;
  el.textContent = text ?? '';
}

/** GET an API path with the operator key; a problem+json answer becomes an Error with its detail. */
export async function api(path, params = {}) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  const headers = keyInput.value ? { 'x-api-key': keyInput.value } : {};
  const res = await fetch(`${path}${qs.size ? `?${qs}` : ''}`, { headers });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${path}: ${res.status} ${body.detail ?? body.title ?? res.statusText}`);
  return { body, cache: res.headers.get('x-cache') ?? 'n/a' };
}

function formParams() {
  const form = new FormData($('search-form'));
  const p = {};
  for (const name of [
    'q',
    'category',
    'brand',
    'price_min',
    'price_max',
    'shipping_payer',
    'status',
    'sort',
    'size',
    'user_id',
  ]) {
    const v = String(form.get(name) ?? '').trim();
    if (v) p[name] = v;
  }
  const conditions = form.getAll('condition');
  if (conditions.length) p.condition = conditions.join(',');
  return p;
}

async function runSearch() {
  showError('');
  const params = formParams();
  const compare = $('compare').checked;
  status('Searching…');
  try {
    const [served, bm25] = await Promise.all([
      api('/v1/search', params),
      compare ? api('/v1/search', { ...params, rank: 'bm25' }) : null,
    ]);
    current = { params, served, bm25, explain: null };
    renderAll();
    status(
      `${served.body.total.value}${served.body.total.relation === 'gte' ? '+' : ''} results for “${params.q ?? ''}”`,
    );
  } catch (err) {
    showError(err.message);
    status('');
  }
}

/** The explain rows of the current search (fetched once, on the first "Explain" click). */
async function explainRows() {
  if (!current.explain) {
    const { body } = await api('/v1/search/explain', {
      ...current.params,
      size: 100,
      sort: undefined,
      rank: undefined,
    });
    current.explain = new Map(body.explain.map((r) => [r.id, r]));
  }
  return current.explain;
}

async function toggleExplain(button, id, slot) {
  if (slot.firstChild) {
    slot.replaceChildren();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  try {
    const row = (await explainRows()).get(id);
    slot.replaceChildren(row ? explainTable(row) : h('p', {}, 'Not in the served top 100: no explain row.'));
    button.setAttribute('aria-expanded', 'true');
  } catch (err) {
    showError(err.message);
  }
}

function gradeControl(query, id) {
  const known = judgments.grade(query, id);
  if (judgments.isLoaded(query, id)) return h('span', { class: `grade g${known}` }, `grade ${known}`);
  const select = h(
    'select',
    {
      'aria-label': `grade for ${id}`,
      class: 'grade-select',
      onchange: (e) => {
        if (e.target.value === '') return;
        judgments.add(query, id, Number(e.target.value));
        renderAll();
      },
    },
    h('option', { value: '' }, 'ungraded'),
    [0, 1, 2, 3].map((g) => h('option', { value: g, selected: known === g }, `grade ${g}`)),
  );
  return h('label', { class: 'grade-label' }, select);
}

function side(title, answer, other, query, withMoves) {
  const items = answer.body.items;
  const otherIds = other ? other.body.items.map((i) => i.id) : [];
  const ratings = items.map((i) => judgments.grade(query, i.id) ?? null);
  const ndcg = query ? ndcgAt10(ratings, judgments.gradesFor(query)) : null;
  const judged = ratings.slice(0, 10).filter((r) => r !== null).length;
  const list = h(
    'ol',
    { class: 'cards' },
    items.map((item, pos) => {
      const slot = h('div', { class: 'explain-slot' });
      const explainButton = h(
        'button',
        {
          type: 'button',
          class: 'small',
          'aria-expanded': 'false',
          onclick: (e) => toggleExplain(e.currentTarget, item.id, slot),
        },
        'Explain',
      );
      const similar = h(
        'button',
        {
          type: 'button',
          class: 'small',
          onclick: () => document.dispatchEvent(new CustomEvent('workbench:similar', { detail: item.id })),
        },
        'Similar',
      );
      const extras = [
        h(
          'div',
          { class: 'actions' },
          withMoves && other ? movement(otherIds.indexOf(item.id), pos) : '',
          query ? gradeControl(query, item.id) : '',
          explainButton,
          similar,
        ),
        slot,
      ];
      return card(item, pos, extras);
    }),
  );
  return h(
    'div',
    { class: 'side' },
    h('h3', {}, title),
    h(
      'p',
      { class: 'summary' },
      `ranker ${answer.body.ranker} · ${answer.body.took_ms} ms · cache `,
      h('strong', { class: 'cache' }, answer.cache),
    ),
    h(
      'p',
      { class: 'ndcg' },
      ndcg === null
        ? 'NDCG@10 – (no positive grade for this query)'
        : `NDCG@10 ${ndcg.toFixed(3)} (judged ${judged} of top ${Math.min(10, items.length)})`,
    ),
    list,
  );
}

function renderAll() {
  if (!current) return;
  const { served, bm25, params } = current;
  const query = params.q ?? '';
  $('facets').replaceChildren(...facetsView(served.body.facets, pickFacet));
  const sides = [side('Served', served, bm25, query, true)];
  if (bm25) sides.push(side('BM25 (rank=bm25)', bm25, served, query, false));
  $('results').replaceChildren(...sides);
  $('results').classList.toggle('single', !bm25);
}

function pickFacet(name, key, bucket) {
  const form = $('search-form');
  if (name === 'condition') form.querySelector(`input[name=condition][value="${key}"]`).checked = true;
  else if (name === 'price') {
    form.elements.price_min.value = bucket.from ?? '';
    form.elements.price_max.value = bucket.to !== undefined ? bucket.to - 1 : '';
  } else form.elements[name].value = key;
  runSearch();
}

$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  runSearch();
});

$('judgments-file').addEventListener('change', async (e) => {
  const file = e.target.files?.[0];
  if (!file) return;
  try {
    const { pairs, queries } = judgments.load(readJudgmentsCsv(await file.text()));
    $('judgments-info').textContent = `${pairs} judgments for ${queries} queries loaded from ${file.name}`;
    showError('');
    renderAll();
  } catch (err) {
    showError(`${file.name}: ${err.message}`);
  }
});

function download(name, rows) {
  const url = URL.createObjectURL(new Blob([toCsv(rows)], { type: 'text/csv' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$('download-new').addEventListener('click', () => download('workbench-grades.csv', judgments.addedRows()));
$('download-all').addEventListener('click', () => download('judgments-merged.csv', judgments.allRows()));

setupRecs({ api, status, showError });
