// Recommendations preview: a user's home feed (each item's source) and a listing's similar items
// (each item's reasons), as the app would show them.
import { card, h } from './render.js';

const $ = (id) => document.getElementById(id);

/** Wires the two forms; `ctx` gives the page's API caller and its status / error lines. */
export function setupRecs({ api, status, showError }) {
  const show = (title, subtitle, items, tags) => {
    $('recs').replaceChildren(
      h('h3', {}, title),
      h('p', { class: 'summary' }, subtitle),
      h(
        'ol',
        { class: 'cards' },
        items.map((item, pos) =>
          card(item, pos, [
            h(
              'div',
              { class: 'tags' },
              tags(item).map((t) => h('span', { class: 'tag' }, t)),
            ),
          ]),
        ),
      ),
    );
  };

  async function feed(userId) {
    showError('');
    try {
      const { body, cache } = await api('/v1/feed', { user_id: userId, size: 20 });
      show(
        `Feed for ${userId}`,
        `${body.personalized ? 'personalized' : 'cold start (no profile)'} · ${body.items.length} items · cache ${cache}`,
        body.items,
        (i) => [`source: ${i.source}`],
      );
      status(`Feed for ${userId}: ${body.items.length} items`);
    } catch (err) {
      showError(err.message);
    }
  }

  async function similar(id) {
    showError('');
    try {
      const { body } = await api(`/v1/listings/${encodeURIComponent(id)}/similar`, { size: 12 });
      show(`Similar to ${id}`, `${body.items.length} items`, body.items, (i) =>
        i.reasons.map((r) => `reason: ${r.replace(/_/g, ' ')}`),
      );
      status(`Similar to ${id}: ${body.items.length} items`);
    } catch (err) {
      showError(err.message);
    }
  }

  $('feed-form').addEventListener('submit', (e) => {
    e.preventDefault();
    feed($('feed-user').value.trim());
  });
  $('similar-form').addEventListener('submit', (e) => {
    e.preventDefault();
    similar($('similar-id').value.trim());
  });
  // "Similar" on a search result: fill the form and show them.
  document.addEventListener('workbench:similar', (e) => {
    $('similar-id').value = e.detail;
    similar(e.detail);
    $('recs-h').scrollIntoView({ behavior: 'smooth' });
  });
}
