// The search page: search as you type over a collection, with facets to click, sort, pages and
// a record view. Every keystroke sends its search at once and aborts the one before, so only the
// answer to what is in the box is ever shown. Depends on common.js and index.html's ids only.

import {
  api, apiKey, askForKey, escapeHtml, formatInt, formatSeconds, onKeyChange, prettyJson,
  setUpKeyButton,
} from './common.js';

const PER_PAGE = 10;
const MAX_FACET_VALUES = 10;
const $ = (id) => document.getElementById(id);

const state = {
  collection: 'products',
  schema: null,      // {fields: [...]} of the collection, or null when the key may not read it
  q: '',
  page: 1,
  sort: '',
  filters: new Map(), // facet field → Set of selected values (strings, as facets return them)
  renders: 0,         // result lists rendered, exposed as data-render-seq for tests
  searchSeq: 0,       // the newest search's number: older answers are dropped
  controller: null,   // AbortController of the search in flight
  recordSeq: 0,
};

// ---------------------------------------------------------------------------------------------
// Schema-derived settings

const fields = () => (state.schema ? state.schema.fields : []);
const fieldNamed = (name) => fields().find((f) => f.name === name);
const facetFields = () => fields().filter((f) => f.facet).map((f) => f.name);
const textFields = () => fields().filter((f) => f.type === 'text').map((f) => f.name);

/** Fields shown under a hit's title: the schema's non-text ones, or without a schema the
 * document's scalar members (a key without `read` cannot see the schema). */
function summaryFields(doc, titleField) {
  if (state.schema) return fields().filter((f) => f.type !== 'text').slice(0, 8);
  return Object.keys(doc).filter((k) => k !== 'id' && k !== titleField && typeof doc[k] !== 'object'
    && String(doc[k]).length <= 40).slice(0, 6).map((name) => ({ name, type: typeof doc[name] }));
}

/** One value in filter syntax: bare when it is a plain word, else quoted with \ and " escaped. */
function filterValue(field, value) {
  const type = fieldNamed(field)?.type;
  if (type === 'bool' || ((type === 'int' || type === 'float') && /^-?[0-9.]+$/.test(value))) {
    return value;
  }
  if (/^[A-Za-z0-9_.:-]+$/.test(value) && !/^(and|or|not|in|to)$/i.test(value)) return value;
  return '"' + value.replace(/[\\"]/g, '\\$&') + '"';
}

/** `category = electronics AND brand IN [acme, "globex inc"]` from the selected facet values. */
function filterExpression() {
  const parts = [];
  for (const [field, values] of state.filters) {
    const list = [...values].map((v) => filterValue(field, v));
    if (list.length === 1) parts.push(`${field} = ${list[0]}`);
    else if (list.length > 1) parts.push(`${field} IN [${list.join(', ')}]`);
  }
  return parts.join(' AND ');
}

function searchParams() {
  const params = new URLSearchParams();
  params.set('q', state.q.trim() === '' ? '*' : state.q);
  const facets = facetFields();
  if (facets.length) {
    params.set('facets', facets.join(','));
    params.set('max_facet_values', MAX_FACET_VALUES);
  }
  const highlight = textFields();
  if (highlight.length) params.set('highlight', highlight.join(','));
  params.set('page', state.page);
  params.set('per_page', PER_PAGE);
  if (state.sort) params.set('sort', state.sort);
  const filter = filterExpression();
  if (filter) params.set('filter', filter);
  return params;
}

// ---------------------------------------------------------------------------------------------
// Searching

async function search() {
  if (state.controller) state.controller.abort();
  const controller = (state.controller = new AbortController());
  const seq = ++state.searchSeq;
  const query = state.q;
  const path = `/v1/collections/${encodeURIComponent(state.collection)}/search?${searchParams()}`;
  try {
    const { data } = await api(path, { signal: controller.signal });
    if (seq !== state.searchSeq) return;
    showError('');
    render(data, query);
  } catch (err) {
    if (err.name === 'AbortError' || seq !== state.searchSeq) return;
    showError(err.message); // a 400 names the parameter's problem and its position itself
  } finally {
    if (state.controller === controller) state.controller = null;
  }
}

function showError(message) {
  const el = $('search-error');
  el.textContent = message;
  el.hidden = !message;
}

function render(data, query) {
  const about = data.found_is_estimate ? 'about ' : '';
  const dropped = Array.isArray(data.dropped_words) && data.dropped_words.length
    ? ` (without “${data.dropped_words.join(' ')}”)` : '';
  $('status').innerHTML = `<span data-testid="found">${about}${formatInt(data.found)}</span> ` +
    `${data.found === 1 ? 'result' : 'results'} in ` +
    `<span data-testid="took">${formatSeconds(data.took_ms / 1000)}</span>${escapeHtml(dropped)}`;
  $('hits').innerHTML = data.hits.map(hitHtml).join('') ||
    '<li class="empty">Nothing matches. Try fewer words or remove a filter.</li>';
  const refocus = focusedFacet();
  renderFacets(data.facets || {});
  renderActiveFilters();
  refocus();
  renderPager(data);
  saveUrl();
  document.body.dataset.renderedQuery = query;
  document.body.dataset.renderedFound = String(data.found);
  document.body.dataset.renderSeq = String(++state.renders);
}

/** A hit: highlights (escaped by the server, with <mark>) as HTML, everything else escaped. */
function hitHtml(hit) {
  const doc = hit.document || {};
  const marks = hit.highlights || {};
  const texts = textFields();
  const titleField = texts[0] || ['name', 'title'].find((f) => typeof doc[f] === 'string');
  const title = marks[titleField] ?? escapeHtml(doc[titleField] ?? hit.id);
  const snippets = texts.slice(1).filter((f) => marks[f] !== undefined || doc[f] !== undefined)
    .map((f) => `<span class="snippet" data-field="${escapeHtml(f)}">${marks[f] ?? escapeHtml(doc[f])}</span>`)
    .join('');
  const meta = summaryFields(doc, titleField).filter((f) => doc[f.name] !== undefined && doc[f.name] !== null)
    .map((f) => `<span class="meta-item"><span class="meta-name">${escapeHtml(f.name)}</span> ` +
      `<span class="meta-value" data-field="${escapeHtml(f.name)}">${escapeHtml(formatField(doc[f.name], f))}</span></span>`)
    .join('');
  return `<li><button type="button" class="hit" data-id="${escapeHtml(hit.id)}">` +
    `<span class="hit-title" data-field="${escapeHtml(titleField || 'id')}">${title}</span>` +
    `${snippets}<span class="hit-meta">${meta}</span></button></li>`;
}

function formatField(value, field) {
  if (Array.isArray(value)) return value.join(', ');
  if (field.type === 'timestamp') return String(value).slice(0, 10);
  return String(value);
}

function renderFacets(facets) {
  const html = facetFields().map((field) => {
    const selected = state.filters.get(field) || new Set();
    const values = facets[field] || [];
    const shown = new Set(values.map((v) => String(v.value)));
    const items = values.map((v) => facetButton(field, String(v.value), v.count, selected.has(String(v.value))));
    for (const value of selected) if (!shown.has(value)) items.push(facetButton(field, value, null, true));
    if (!items.length) return '';
    return `<fieldset class="facet" data-facet="${escapeHtml(field)}"><legend>${escapeHtml(label(field))}</legend>` +
      `<ul>${items.join('')}</ul></fieldset>`;
  }).join('');
  $('facets').innerHTML = html || '<p class="muted">No facets.</p>';
}

/**
 * Facets are drawn again with every answer: when one of their buttons has the focus (it was just
 * clicked, or pressed with the keyboard), returns a function that gives the focus to its
 * successor, so that keyboard users keep their place.
 */
function focusedFacet() {
  const el = document.activeElement;
  if (!el || !el.classList.contains('facet-value')) return () => {};
  const { field, value } = el.dataset;
  const where = el.closest('#facets') ? 'facets' : 'active-filters';
  return () => {
    const again = [...$(where).querySelectorAll('.facet-value')]
      .find((b) => b.dataset.field === field && b.dataset.value === value);
    (again || $('q')).focus();
  };
}

function facetButton(field, value, count, pressed) {
  return `<li><button type="button" class="facet-value" aria-pressed="${pressed}" ` +
    `data-field="${escapeHtml(field)}" data-value="${escapeHtml(value)}">` +
    `<span class="facet-label">${escapeHtml(value)}</span>` +
    `<span class="count">${count === null ? '–' : formatInt(count)}</span></button></li>`;
}

function label(field) {
  return field.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

function renderActiveFilters() {
  const chips = [];
  for (const [field, values] of state.filters) {
    for (const value of values) {
      chips.push(`<li><button type="button" class="chip facet-value" aria-pressed="true" ` +
        `data-field="${escapeHtml(field)}" data-value="${escapeHtml(value)}" ` +
        `aria-label="Remove filter ${escapeHtml(field)} ${escapeHtml(value)}">` +
        `${escapeHtml(field)}: ${escapeHtml(value)} <span aria-hidden="true">✕</span></button></li>`);
    }
  }
  $('active-filters').innerHTML = chips.join('');
}

function renderPager(data) {
  const pages = Math.max(1, Math.ceil(data.found / PER_PAGE));
  $('pager').hidden = data.found <= PER_PAGE && state.page === 1;
  $('page-info').textContent = `Page ${state.page} of ${data.found_is_estimate ? 'about ' : ''}${formatInt(pages)}`;
  $('prev-page').disabled = state.page <= 1;
  $('next-page').disabled = state.page >= pages || data.hits.length < PER_PAGE;
}

function toggleFilter(field, value) {
  const values = state.filters.get(field) || new Set();
  if (values.has(value)) values.delete(value);
  else values.add(value);
  if (values.size) state.filters.set(field, values);
  else state.filters.delete(field);
  state.page = 1;
  search();
}

// ---------------------------------------------------------------------------------------------
// The record view

async function openRecord(id, opener) {
  const dialog = $('record');
  const seq = ++state.recordSeq;
  dialog.returnFocusTo = opener;
  $('record-title').textContent = id;
  $('record-source').textContent = 'Loading…';
  $('record-json').textContent = '';
  $('record-error').hidden = true;
  if (!dialog.open) dialog.showModal();
  $('record-close').focus();
  try {
    const shown = await fetchRecord(id);
    if (seq !== state.recordSeq) return;
    $('record-source').textContent = shown.source;
    $('record-json').textContent = shown.json;
  } catch (err) {
    if (seq !== state.recordSeq) return;
    $('record-source').textContent = '';
    $('record-error').textContent = err.message;
    $('record-error').hidden = false;
  }
}

/** The record by id through the cache; a key without `read` falls back to /cache on products. */
async function fetchRecord(id) {
  const path = `/v1/collections/${encodeURIComponent(state.collection)}/records/${encodeURIComponent(id)}`;
  try {
    const res = await api(path, { text: true });
    const version = (res.headers.get('ETag') || '').replace(/"/g, '');
    return { source: describeSource(res.headers.get('X-Cache') === 'hit', version), json: prettyJson(res.data) };
  } catch (err) {
    if (err.status !== 403 || state.collection !== 'products') throw err;
    const { data } = await api(`/cache?id=${encodeURIComponent(id)}`);
    return {
      source: describeSource(data.source === 'cache', data.version),
      json: prettyJson(JSON.stringify(data.document)),
    };
  }
}

function describeSource(fromCache, version) {
  return (fromCache ? 'from the cache' : 'from the store') + (version ? ` · version ${version}` : '');
}

function closeRecord() {
  const dialog = $('record');
  if (dialog.open) dialog.close();
}

// ---------------------------------------------------------------------------------------------
// Collections, the URL and start-up

async function loadCollections() {
  const select = $('collection');
  try {
    const { data } = await api('/v1/collections');
    const names = data.collections.map((c) => c.name);
    if (!names.includes(state.collection)) state.collection = names[0] || 'products';
    select.innerHTML = names.map((n) => `<option>${escapeHtml(n)}</option>`).join('');
  } catch (err) {
    if (err.status === 401) return false;
    select.innerHTML = `<option>${escapeHtml(state.collection)}</option>`;
  }
  select.value = state.collection;
  return loadSchema();
}

async function loadSchema() {
  try {
    const { data } = await api(`/v1/collections/${encodeURIComponent(state.collection)}`);
    state.schema = data.schema;
    showNotice('');
  } catch (err) {
    if (err.status === 401) return false;
    state.schema = null;
    showNotice(`The collection's schema could not be read (${err.message}): facets, sorting and highlights are off.`);
  }
  fillSortOptions();
  for (const field of state.filters.keys()) if (!facetFields().includes(field)) state.filters.delete(field);
  return true;
}

function showNotice(message) {
  $('notice').textContent = message;
  $('notice').hidden = !message;
}

function fillSortOptions() {
  const options = ['<option value="">Relevance</option>'];
  for (const f of fields().filter((x) => x.sort)) {
    const name = escapeHtml(label(f.name));
    options.push(`<option value="${escapeHtml(f.name)}:asc">${name}, ascending</option>`);
    options.push(`<option value="${escapeHtml(f.name)}:desc">${name}, descending</option>`);
  }
  const select = $('sort');
  select.innerHTML = options.join('');
  select.value = [...select.options].some((o) => o.value === state.sort) ? state.sort : '';
  state.sort = select.value;
}

/** Keeps the page's state in its address, so that a reload or a shared link shows the same. */
function saveUrl() {
  const params = new URLSearchParams();
  if (state.collection !== 'products') params.set('collection', state.collection);
  if (state.q) params.set('q', state.q);
  if (state.sort) params.set('sort', state.sort);
  if (state.page > 1) params.set('page', state.page);
  for (const [field, values] of state.filters) for (const v of values) params.append('f', `${field}:${v}`);
  const query = params.toString();
  history.replaceState(null, '', query ? `?${query}` : location.pathname);
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  state.collection = params.get('collection') || 'products';
  state.q = params.get('q') || '';
  state.sort = params.get('sort') || '';
  state.page = Math.max(1, Number.parseInt(params.get('page'), 10) || 1);
  for (const f of params.getAll('f')) {
    const at = f.indexOf(':');
    if (at <= 0) continue;
    const field = f.slice(0, at);
    if (!state.filters.has(field)) state.filters.set(field, new Set());
    state.filters.get(field).add(f.slice(at + 1));
  }
  $('q').value = state.q;
}

async function start() {
  if (!apiKey()) {
    $('status').textContent = 'Searching needs an API key: use “Enter key” above.';
    askForKey();
    return;
  }
  if (await loadCollections()) search();
}

/** Arrow keys move between the box and the hits; Home and End jump to the ends. */
function moveFocus(event) {
  const hits = [...document.querySelectorAll('#hits .hit')];
  if (!hits.length) return;
  const at = hits.indexOf(document.activeElement);
  let next = null;
  if (event.key === 'ArrowDown') next = at < 0 ? hits[0] : hits[Math.min(at + 1, hits.length - 1)];
  else if (event.key === 'ArrowUp') next = at <= 0 ? $('q') : hits[at - 1];
  else if (at >= 0 && event.key === 'Home') next = hits[0];
  else if (at >= 0 && event.key === 'End') next = hits[hits.length - 1];
  if (next) {
    event.preventDefault();
    next.focus();
  }
}

function wire() {
  setUpKeyButton();
  onKeyChange(start);
  const box = $('q');
  box.addEventListener('input', () => {
    state.q = box.value;
    state.page = 1;
    search();
  });
  box.addEventListener('keydown', (e) => { if (e.key === 'ArrowDown') moveFocus(e); });
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.q = box.value;
    search();
  });
  $('collection').addEventListener('change', async (e) => {
    state.collection = e.target.value;
    state.filters.clear();
    state.page = 1;
    if (await loadSchema()) search();
  });
  $('sort').addEventListener('change', (e) => {
    state.sort = e.target.value;
    state.page = 1;
    search();
  });
  $('prev-page').addEventListener('click', () => changePage(-1));
  $('next-page').addEventListener('click', () => changePage(1));
  document.addEventListener('click', (e) => {
    const facet = e.target.closest('.facet-value');
    if (facet) return toggleFilter(facet.dataset.field, facet.dataset.value);
    const hit = e.target.closest('.hit');
    if (hit) openRecord(hit.dataset.id, hit);
  });
  $('hits').addEventListener('keydown', moveFocus);
  $('record-close').addEventListener('click', closeRecord);
  $('record').addEventListener('close', () => {
    const opener = $('record').returnFocusTo;
    if (opener && opener.isConnected) opener.focus();
  });
  $('record').addEventListener('click', (e) => { if (e.target === $('record')) closeRecord(); });
  const wide = matchMedia('(min-width: 50rem)');
  $('facets-panel').open = wide.matches;
  wide.addEventListener('change', () => { $('facets-panel').open = wide.matches; });
}

function changePage(delta) {
  state.page = Math.max(1, state.page + delta);
  search();
  $('results').focus({ preventScroll: true });
  $('results').scrollIntoView({ block: 'start' });
}

wire();
readUrl();
start();
