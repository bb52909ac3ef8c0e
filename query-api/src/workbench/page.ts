import { CONDITIONS, LISTING_STATUSES, SHIPPING_PAYERS } from '../../../core/src/index.js';
import { MAX_PAGE_SIZE, MAX_QUERY_LENGTH, SORTS } from '../schemas/search.js';

const label = (v: string) => v.replace(/_/g, ' ');
const options = (values: readonly string[], selected?: string, empty?: string) =>
  [
    ...(empty !== undefined ? [`<option value="">${empty}</option>`] : []),
    ...values.map((v) => `<option value="${v}"${v === selected ? ' selected' : ''}>${label(v)}</option>`),
  ].join('');

/**
 * The workbench page. Rendered on the server from the search schema's own lists (sorts, conditions,
 * statuses, shipping payers), so the form offers exactly what /v1/search accepts. It holds no data: the
 * scripts fetch everything, with the key typed into the page (kept in sessionStorage) as x-api-key, or
 * else with the operator password the browser was asked for when it opened the page.
 */
export function renderWorkbenchPage(assetVersion: string): string {
  const conditionBoxes = CONDITIONS.map(
    (c) => `<label class="check"><input type="checkbox" name="condition" value="${c}"> ${label(c)}</label>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Relevance workbench</title>
<link rel="stylesheet" href="/workbench/assets/workbench.css?v=${assetVersion}">
<script type="module" src="/workbench/assets/workbench.js?v=${assetVersion}"></script>
</head>
<body>
<header class="top">
  <h1>Relevance workbench</h1>
  <div class="key">
    <label for="api-key">Operator API key</label>
    <input id="api-key" type="password" autocomplete="off" spellcheck="false" placeholder="x-api-key">
    <span class="hint">sent as x-api-key, kept in this tab only (sessionStorage); empty: the password the browser asked for</span>
  </div>
</header>
<div id="status" role="status" aria-live="polite" class="status"></div>
<div id="error" role="alert" class="error" hidden></div>
<main>
<section aria-labelledby="search-h">
  <h2 id="search-h">Search and compare</h2>
  <form id="search-form" class="search-form">
    <div class="row">
      <label for="q">Query</label>
      <input id="q" name="q" type="search" maxlength="${MAX_QUERY_LENGTH}" autofocus>
      <button type="submit" id="search-button">Search</button>
    </div>
    <div class="filters">
      <label>Category <input name="category" placeholder="e.g. Women &gt; Shoes"></label>
      <label>Brand <input name="brand" placeholder="one or a comma list"></label>
      <fieldset><legend>Condition</legend>${conditionBoxes}</fieldset>
      <label>Min price (cents) <input name="price_min" type="number" min="0" step="1"></label>
      <label>Max price (cents) <input name="price_max" type="number" min="0" step="1"></label>
      <label>Shipping paid by <select name="shipping_payer">${options(SHIPPING_PAYERS, undefined, 'any')}</select></label>
      <label>Status <select name="status">${options(LISTING_STATUSES, 'on_sale')}</select></label>
      <label>Sort <select name="sort">${options(SORTS, 'relevance')}</select></label>
      <label>Results <input name="size" type="number" min="1" max="${MAX_PAGE_SIZE}" value="20"></label>
      <label>User id <input name="user_id" maxlength="64" placeholder="personal ranking, A/B bucket"></label>
      <label class="check"><input id="compare" type="checkbox" checked> compare with <code>rank=bm25</code></label>
    </div>
  </form>
  <div id="facets" class="facets" aria-label="Facets"></div>
  <div id="results" class="results"></div>
</section>
<section aria-labelledby="judgments-h">
  <h2 id="judgments-h">Judgments</h2>
  <p>A <code>query,docid,rating</code> CSV (grades 0-3), the format <code>make train</code> reads. Grades show on the
  results; NDCG@10 of both sides counts an unjudged result as 0.</p>
  <div class="row">
    <label for="judgments-file">Load judgments</label>
    <input id="judgments-file" type="file" accept=".csv,text/csv">
    <span id="judgments-info"></span>
  </div>
  <div class="row">
    <button type="button" id="download-new">Download my grades (CSV)</button>
    <button type="button" id="download-all">Download loaded + my grades (CSV)</button>
  </div>
</section>
<section aria-labelledby="recs-h">
  <h2 id="recs-h">Recommendations preview</h2>
  <form id="feed-form" class="row">
    <label for="feed-user">User id</label>
    <input id="feed-user" name="user_id" maxlength="64" required>
    <button type="submit">Show feed</button>
  </form>
  <form id="similar-form" class="row">
    <label for="similar-id">Listing id</label>
    <input id="similar-id" name="id" maxlength="64" required>
    <button type="submit">Show similar items</button>
  </form>
  <div id="recs" class="results single"></div>
</section>
</main>
</body>
</html>
`;
}
