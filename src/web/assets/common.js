// Shared by the search page and the dashboard: the API key and calls made with it, error
// messages, Prometheus text parsing and histogram quantiles, hand-drawn SVG charts and number
// formatting. No framework and no build step: an ES module served as it is written. It must not
// depend on either page's markup beyond the header's key button (id "key-button").

const KEY_STORAGE = 'tandem.apiKey';

/** Escapes text for insertion into HTML (element content and quoted attribute values). */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// ---------------------------------------------------------------------------------------------
// The API key: asked once through a modal form, kept in sessionStorage for the browser session.

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) || '';
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
  updateKeyButton();
}

let keyDialog = null;
let updateKeyButton = () => {};
const keyListeners = [];

/** Calls `listener` after every new key is entered (the page then loads again what it shows). */
export function onKeyChange(listener) {
  keyListeners.push(listener);
}

/**
 * Opens the key form, with `message` (why it is asked: a refusal's text) above the field. Asking
 * while it is open only updates the message, so that several refused calls make one prompt.
 */
export function askForKey(message = '') {
  const dialog = keyDialog || (keyDialog = buildKeyDialog());
  const note = dialog.querySelector('#key-message');
  note.textContent = message;
  note.hidden = !message;
  if (!dialog.open) {
    dialog.querySelector('#key-input').value = '';
    dialog.showModal();
  }
  dialog.querySelector('#key-input').focus();
}

function buildKeyDialog() {
  const dialog = document.createElement('dialog');
  dialog.className = 'key-dialog';
  dialog.setAttribute('aria-labelledby', 'key-title');
  dialog.innerHTML = `
    <form id="key-form" method="dialog">
      <h2 id="key-title">API key</h2>
      <p id="key-message" class="error" role="alert" hidden></p>
      <label for="key-input">Key (kept for this browser session only)</label>
      <input id="key-input" name="key" type="password" autocomplete="off" spellcheck="false" required>
      <div class="actions">
        <button type="submit" class="primary">Use this key</button>
        <button type="button" id="key-cancel">Cancel</button>
      </div>
    </form>`;
  document.body.append(dialog);
  dialog.querySelector('#key-cancel').addEventListener('click', () => dialog.close());
  dialog.querySelector('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = dialog.querySelector('#key-input').value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    dialog.close();
    for (const listener of keyListeners) listener();
  });
  return dialog;
}

/** Wires the header's key button: "Sign out" forgets the key and asks for another. */
export function setUpKeyButton() {
  const button = document.getElementById('key-button');
  updateKeyButton = () => { button.textContent = apiKey() ? 'Change key' : 'Enter key'; };
  button.addEventListener('click', () => {
    forgetKey();
    askForKey();
  });
  onKeyChange(updateKeyButton);
  updateKeyButton();
}

// ---------------------------------------------------------------------------------------------
// API calls

/** A refused or failed call: the HTTP status, the error body's code, message and details. */
export class ApiError extends Error {
  constructor(status, code, message, details = null, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

/**
 * Calls the API with the key. Resolves to {status, headers, data} (data: parsed JSON, or the
 * text when `text` is set) for 2xx answers; rejects with ApiError otherwise and passes an
 * AbortError through untouched. A 401 forgets the key (so that a poller does not keep sending a
 * refused key into the server's failed-attempt limit) and asks for another with the server's
 * message.
 */
export async function api(path, { method = 'GET', body, contentType, signal, text = false } = {}) {
  const headers = {};
  const key = apiKey();
  if (key) headers['X-API-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body, signal, cache: 'no-store' });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', `cannot reach the server (${err.message})`);
  }
  const raw = await res.text();
  if (res.ok) {
    return { status: res.status, headers: res.headers, data: text ? raw : parseJson(raw) };
  }
  const error = errorFrom(res, raw);
  if (res.status === 401) {
    forgetKey();
    askForKey(error.message);
  }
  throw error;
}

function parseJson(raw) {
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return raw;
  }
}

function errorFrom(res, raw) {
  const body = parseJson(raw);
  const err = body && typeof body === 'object' && body.error ? body.error : {};
  const retryAfter = res.headers.get('Retry-After');
  let message = err.message || `${res.status} ${res.statusText}`.trim();
  if (res.status === 429) message = `rate limited, retry in ${retryAfter ?? '?'} s`;
  return new ApiError(res.status, err.code || 'http_' + res.status, message, err.details || null,
    retryAfter === null ? null : Number(retryAfter));
}

// ---------------------------------------------------------------------------------------------
// Prometheus text format 0.0.4

/**
 * Parses the exposition text into a Map from metric name to [{labels, value}]. Comment lines
 * are skipped; label values may hold the escapes \" \\ and \n; a trailing timestamp is ignored.
 */
export function parsePrometheus(text) {
  const families = new Map();
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const sample = parseSample(line);
    if (!sample) continue;
    let list = families.get(sample.name);
    if (!list) families.set(sample.name, (list = []));
    list.push({ labels: sample.labels, value: sample.value });
  }
  return families;
}

function parseSample(line) {
  const nameEnd = line.search(/[{\s]/);
  if (nameEnd <= 0) return null;
  const name = line.slice(0, nameEnd);
  const labels = {};
  let i = nameEnd;
  if (line[i] === '{') {
    i++;
    while (i < line.length && line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0 || line[eq + 1] !== '"') return null;
      const label = line.slice(i, eq).trim();
      let value = '';
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) {
          j++;
          value += line[j] === 'n' ? '\n' : line[j];
        } else {
          value += line[j];
        }
      }
      labels[label] = value;
      i = j + 1;
      if (line[i] === ',') i++;
    }
    i++;
  }
  const rest = line.slice(i).trim();
  if (!rest) return null;
  return { name, labels, value: parseValue(rest.split(/\s+/)[0]) };
}

function parseValue(text) {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** The sum of a family's samples whose labels pass `keep` (all by default); 0 when absent. */
export function sum(families, name, keep = () => true) {
  let total = 0;
  for (const s of families.get(name) || []) if (keep(s.labels)) total += s.value;
  return total;
}

/** Whether the family is present at all (a metric a newer binary adds may be missing). */
export function has(families, name) {
  return families.has(name);
}

/**
 * A histogram's cumulative buckets summed over every label set but `le`: a Map le → count, with
 * le as a number (Infinity for "+Inf").
 */
export function histogramBuckets(families, name) {
  const buckets = new Map();
  for (const s of families.get(name + '_bucket') || []) {
    const le = parseValue(s.labels.le);
    buckets.set(le, (buckets.get(le) || 0) + s.value);
  }
  return buckets;
}

/** Bucket counts of `now` minus those of `before` (the observations between two scrapes). */
export function bucketDelta(now, before) {
  const delta = new Map();
  for (const [le, count] of now) delta.set(le, Math.max(0, count - ((before && before.get(le)) || 0)));
  return delta;
}

/**
 * The q-quantile of cumulative buckets, as Prometheus' histogram_quantile computes it: find the
 * bucket holding rank q·total and interpolate linearly inside it (from 0 for the first bucket);
 * a rank in the +Inf bucket answers the highest finite bound. NaN without observations.
 */
export function histogramQuantile(q, buckets) {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  if (bounds.length < 2 || bounds[bounds.length - 1] !== Infinity) return NaN;
  const total = buckets.get(Infinity);
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le);
    if (count >= rank) {
      if (le === Infinity) return bounds[bounds.length - 2];
      if (count === below) return le;
      return lower + (le - lower) * ((rank - below) / (count - below));
    }
    lower = le;
    below = count;
  }
  return NaN;
}

// ---------------------------------------------------------------------------------------------
// Charts: SVG drawn by hand, scaled to the element's viewBox.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Draws `series` ([{values, className}]) as lines into `svg` (its viewBox sets the size), all on
 * one scale from 0 to the largest value, the newest value at the right edge and `slots` values
 * across; NaN values leave gaps. `label` becomes the chart's accessible name.
 */
export function lineChart(svg, series, label, slots = 60) {
  const [, , width, height] = svg.getAttribute('viewBox').split(/\s+/).map(Number);
  const pad = 2;
  let max = 0;
  for (const s of series) for (const v of s.values) if (Number.isFinite(v)) max = Math.max(max, v);
  if (max === 0) max = 1;
  const step = (width - 2 * pad) / (slots - 1);
  const y = (v) => (height - pad - (v / max) * (height - 2 * pad)).toFixed(1);
  svg.replaceChildren();
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const base = document.createElementNS(SVG_NS, 'line');
  base.setAttribute('class', 'chart-axis');
  base.setAttribute('x1', 0);
  base.setAttribute('x2', width);
  base.setAttribute('y1', height - pad);
  base.setAttribute('y2', height - pad);
  svg.append(base);
  for (const s of series) {
    let d = '';
    let pen = 'M';
    const offset = slots - s.values.length;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) { pen = 'M'; return; }
      d += `${pen}${(pad + (offset + i) * step).toFixed(1)} ${y(v)} `;
      pen = 'L';
    });
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('class', 'chart-line ' + (s.className || ''));
    path.setAttribute('d', d.trim() || 'M0 0');
    svg.append(path);
  }
}

/** A fixed-length history of numbers for a chart: push() drops the oldest beyond `size`. */
export class History {
  constructor(size = 60) {
    this.size = size;
    this.values = [];
  }
  push(value) {
    this.values.push(value);
    if (this.values.length > this.size) this.values.shift();
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

const integerFormat = new Intl.NumberFormat('en-US');

export function formatInt(n) {
  return Number.isFinite(n) ? integerFormat.format(Math.round(n)) : '–';
}

/** A number with at most `digits` decimals, thousands separated; "–" for none. */
export function formatNumber(n, digits = 1) {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function formatPercent(ratio, digits = 1) {
  return Number.isFinite(ratio) ? (ratio * 100).toFixed(digits) + ' %' : '–';
}

/** Seconds as "850 µs", "12.3 ms" or "1.25 s". */
export function formatSeconds(s) {
  if (!Number.isFinite(s)) return '–';
  if (s < 0.001) return `${Math.round(s * 1e6)} µs`;
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`;
  return `${s.toFixed(2)} s`;
}

/** A duration in seconds as "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** An RFC 3339 time as local date and time, with "in 4 min" / "5 s ago" after it. */
export function formatTime(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '–';
  const delta = (t - now) / 1000;
  const relative = delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
  return `${new Date(t).toLocaleString()} (${relative})`;
}

/**
 * Re-indents JSON text two spaces per level without parsing it, so that numbers keep the bytes
 * they were stored with (19.90 stays 19.90, which JSON.parse would make 19.9).
 */
export function prettyJson(text) {
  let out = '';
  let depth = 0;
  let inString = false;
  const newline = () => '\n' + '  '.repeat(depth);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      const next = text.slice(i + 1).match(/^\s*(.)/);
      if (next && next[1] === close) {
        out += c + close;
        i += next[0].length;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') {
      out += ',' + newline();
    } else if (c === ':') {
      out += ': ';
    } else if (!/\s/.test(c)) {
      out += c;
    }
  }
  return out;
}
