// The pipeline dashboard: every 2 s (paused while the tab is hidden) it reads /health, /ready,
// /metrics, /v1/jobs and /v1/deadletters and shows rates and percentiles computed from the
// difference between two scrapes. Parts a server does not report yet (/ready, lag_seconds,
// backends) show "–" or "unknown". Depends on common.js and dashboard.html's ids only.

import {
  api, apiKey, askForKey, bucketDelta, escapeHtml, formatDuration, formatInt, formatNumber,
  formatPercent, formatSeconds, formatTime, has, histogramBuckets, histogramQuantile, History,
  lineChart, onKeyChange, parsePrometheus, setUpKeyButton, sum,
} from './common.js';

const POLL_MS = 2000;
const RATE_WINDOW = 5; // scrapes a sink's catch-up rate is averaged over (about 10 s)
const $ = (id) => document.getElementById(id);
const setText = (id, text) => { $(id).textContent = text; };

const state = {
  previous: null,           // {t, families} of the last scrape of /metrics
  timer: null,
  running: false,
  ingest: new History(60),
  head: new History(60),
  p50: new History(60), p95: new History(60), p99: new History(60),
  sinkSamples: new Map(),   // sink name → [{t, applied, head}] of the last RATE_WINDOW+1 scrapes
  jobsSignature: new Map(), // job name → JSON of what its card shows, to redraw only on change
  deadSignature: '',
};

// ---------------------------------------------------------------------------------------------
// Polling

async function refresh() {
  if (state.running) return;
  state.running = true;
  clearTimeout(state.timer);
  let delay = POLL_MS;
  try {
    const t = performance.now();
    const keyed = (call) => (apiKey() ? call() : Promise.reject(new Error('needs an API key')));
    const [health, ready, metrics, jobs, dead] = await Promise.allSettled([
      publicJson('/health'), publicJson('/ready'), api('/metrics', { text: true }),
      keyed(() => api('/v1/jobs')), keyed(() => api('/v1/deadletters?limit=100')),
    ]);
    // A 429 anywhere waits its Retry-After; jobs and dead letters show their errors themselves.
    for (const r of [metrics, jobs, dead]) {
      if (r.status === 'rejected' && r.reason.retryAfter) delay = Math.max(delay, r.reason.retryAfter * 1000);
    }
    const errors = [health, metrics].filter((r) => r.status === 'rejected')
      .map((r) => `${r === health ? '/health' : '/metrics'}: ${r.reason.message}`);
    const families = metrics.status === 'fulfilled' ? parsePrometheus(metrics.value.data) : null;
    renderStatus(health, ready);
    renderMetrics(families, t);
    renderSinks(health.status === 'fulfilled' ? health.value.data : null, families, t);
    renderBackends(health.status === 'fulfilled' ? health.value.data : null, families);
    renderJobs(jobs);
    renderDeadLetters(dead);
    showError(errors.join(' · '));
    setText('updated', `updated ${new Date().toLocaleTimeString()}`);
  } finally {
    state.running = false;
    schedule(delay);
  }
}

function schedule(delay = POLL_MS) {
  clearTimeout(state.timer);
  if (!document.hidden) state.timer = setTimeout(refresh, delay);
}

/** A public route, without the key: {status, data} for any answer that carries JSON. */
async function publicJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  let data = null;
  try { data = await res.json(); } catch { /* not JSON: data stays null */ }
  return { status: res.status, data };
}

function showError(message) {
  $('dash-error').textContent = message;
  $('dash-error').hidden = !message;
}

// ---------------------------------------------------------------------------------------------
// Status and readiness

function renderStatus(health, ready) {
  const h = health.status === 'fulfilled' ? health.value.data : null;
  setBadge('health-status', h ? h.status : 'unreachable', h && h.status === 'ok' ? 'ok' : 'bad');
  setText('version', h && h.version ? h.version : '–');
  setText('uptime', h && Number.isFinite(h.uptime_s) ? formatDuration(h.uptime_s) : '–');
  let reasons = [];
  if (ready.status !== 'fulfilled' || !ready.value.data || ready.value.status === 404) {
    setBadge('ready-status', 'unknown', 'unknown');
  } else if (ready.value.status === 200) {
    setBadge('ready-status', ready.value.data.status || 'ready', 'ok');
  } else {
    setBadge('ready-status', ready.value.data.status || `not ready (${ready.value.status})`, 'bad');
    reasons = ready.value.data.reasons || [];
  }
  $('ready-reasons').innerHTML = reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
}

function setBadge(id, text, kind) {
  const el = $(id);
  el.textContent = String(text).replace(/_/g, ' ');
  el.className = `badge ${kind}`;
}

// ---------------------------------------------------------------------------------------------
// Rates, latency and the caches, from two scrapes of /metrics

function renderMetrics(families, t) {
  if (!families) return;
  const prev = state.previous;
  const dt = prev ? (t - prev.t) / 1000 : NaN;
  const rate = (name, keep) => {
    if (!prev || !(dt > 0)) return NaN;
    const delta = sum(families, name, keep) - sum(prev.families, name, keep);
    return delta >= 0 ? delta / dt : NaN; // a counter that went back: the server restarted
  };

  const accepted = sum(families, 'tandem_records_accepted_total');
  setText('records-accepted', formatInt(accepted));
  setText('records-rejected', formatInt(sum(families, 'tandem_records_rejected_total')));
  const ingest = rate('tandem_records_accepted_total');
  setText('ingest-rate', formatNumber(ingest, 1));
  state.ingest.push(ingest);
  lineChart($('ingest-chart'), [{ values: state.ingest.values }], 'Records accepted per second, last 2 minutes');

  if (has(families, 'tandem_changelog_head_seq')) {
    setText('head-seq', formatInt(sum(families, 'tandem_changelog_head_seq')));
    const headRate = rate('tandem_changelog_head_seq');
    setText('head-rate', formatNumber(headRate, 1));
    state.head.push(headRate);
    lineChart($('head-chart'), [{ values: state.head.values }], 'Changes committed per second, last 2 minutes');
  }

  setText('requests-rate', formatNumber(rate('tandem_http_requests_total'), 1));
  renderLatency(families, prev);
  renderCache(families, prev);
  state.previous = { t, families };
}

function renderLatency(families, prev) {
  const name = 'tandem_http_request_duration_seconds';
  const now = histogramBuckets(families, name);
  const window = prev ? bucketDelta(now, histogramBuckets(prev.families, name)) : null;
  const q = (p) => (window ? histogramQuantile(p, window) : NaN);
  const [p50, p95, p99] = [q(0.5), q(0.95), q(0.99)];
  setText('latency-p50', formatSeconds(p50));
  setText('latency-p95', formatSeconds(p95));
  setText('latency-p99', formatSeconds(p99));
  state.p50.push(p50 * 1000);
  state.p95.push(p95 * 1000);
  state.p99.push(p99 * 1000);
  lineChart($('latency-chart'), [
    { values: state.p50.values, className: 'p50' },
    { values: state.p95.values, className: 'p95' },
    { values: state.p99.values, className: 'p99' },
  ], 'Request latency p50, p95 and p99 in milliseconds, last 2 minutes');
}

function renderCache(families, prev) {
  const events = (f, cache, event) =>
    sum(f, 'tandem_cache_events_total', (l) => l.cache === cache && l.event === event);
  const ratio = (hits, misses) => (hits + misses > 0 ? hits / (hits + misses) : NaN);
  let evictions = 0;
  for (const cache of ['records', 'queries']) {
    const hits = events(families, cache, 'hit');
    const misses = events(families, cache, 'miss');
    evictions += events(families, cache, 'eviction');
    setText(`cache-hit-ratio-${cache}-total`, formatPercent(ratio(hits, misses)));
    const interval = prev
      ? ratio(hits - events(prev.families, cache, 'hit'), misses - events(prev.families, cache, 'miss'))
      : NaN;
    setText(`cache-hit-ratio-${cache}`, formatPercent(interval));
  }
  setText('cache-evictions', has(families, 'tandem_cache_events_total') ? formatInt(evictions) : '–');
}

// ---------------------------------------------------------------------------------------------
// Sinks: the change log's head against each sink's position, with catch-up progress

function renderSinks(health, families, t) {
  const sinks = sinkList(health, families);
  if (!sinks.length) {
    $('sinks').innerHTML = '<p class="muted">No sinks reported.</p>';
    return;
  }
  $('sinks').innerHTML = sinks.map((s) => sinkHtml(s, catchUp(s, t))).join('');
  for (const s of sinks) {
    const bar = $('sinks').querySelector(`[data-testid="sink-${cssEscape(s.name)}-progress"] > span`);
    bar.style.width = `${s.head > 0 ? Math.min(100, (100 * s.applied) / s.head) : 100}%`;
  }
}

/** Sinks from /health (lag, breaker, errors) or else /metrics; lag_seconds from either. */
function sinkList(health, families) {
  const fromMetrics = (name) => new Map(((families && families.get(name)) || []).map((x) => [x.labels.sink, x.value]));
  const lagSeconds = fromMetrics('tandem_sink_lag_seconds');
  const components = health && health.components;
  if (components && Array.isArray(components.sinks)) {
    const head = components.store ? components.store.head_seq : NaN;
    return components.sinks.map((s) => ({
      name: s.name, applied: s.applied_seq, head, lag: s.lag ?? head - s.applied_seq,
      lagSeconds: s.lag_seconds ?? lagSeconds.get(s.name), breaker: s.breaker, lastError: s.last_error,
    }));
  }
  if (!families) return [];
  const head = sum(families, 'tandem_changelog_head_seq');
  const open = fromMetrics('tandem_sink_breaker_open');
  return [...fromMetrics('tandem_sink_applied_seq')].map(([name, applied]) => ({
    name, applied, head, lag: head - applied, lagSeconds: lagSeconds.get(name),
    breaker: open.has(name) ? (open.get(name) ? 'open' : 'closed') : undefined,
  }));
}

/** Rates over the last few scrapes: {rate, headRate, left} (changes/s, changes/s, seconds). */
function catchUp(sink, t) {
  const samples = state.sinkSamples.get(sink.name) || [];
  samples.push({ t, applied: sink.applied, head: sink.head });
  while (samples.length > RATE_WINDOW + 1) samples.shift();
  state.sinkSamples.set(sink.name, samples);
  const first = samples[0];
  const dt = (t - first.t) / 1000;
  if (!(dt > 0)) return { rate: NaN, headRate: NaN, left: NaN };
  const rate = (sink.applied - first.applied) / dt;
  const headRate = (sink.head - first.head) / dt;
  const gain = rate - headRate;
  return { rate, headRate, left: sink.lag > 0 && gain > 0 ? sink.lag / gain : NaN };
}

function sinkHtml(s, c) {
  const id = escapeHtml(s.name);
  const percent = s.head > 0 ? (100 * s.applied) / s.head : 100;
  const behind = s.lag > 0;
  const moving = behind && c.rate > 0;
  let progress = 'in step with the change log';
  if (moving) {
    progress = `catching up: <strong data-testid="sink-${id}-percent">${percent.toFixed(1)} %</strong> · ` +
      `${formatNumber(c.rate, 0)} changes/s · ` +
      `<strong data-testid="sink-${id}-left">${Number.isFinite(c.left) ? formatDuration(c.left) + ' left' : 'not gaining'}</strong>`;
  } else if (behind) {
    progress = 'behind and not moving';
  }
  const breakerKind = s.breaker === 'closed' ? 'ok' : s.breaker === undefined ? 'unknown' : 'bad';
  return `<div class="sink" data-testid="sink-${id}">
    <div class="sink-head"><span class="sink-name">${id}</span>
      <span>breaker <span class="badge ${breakerKind}" data-testid="sink-${id}-breaker">${escapeHtml(s.breaker ?? '–')}</span></span></div>
    <div class="progress${behind ? ' behind' : ''}" data-testid="sink-${id}-progress" role="progressbar"
      aria-label="${id}: applied of head" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${percent.toFixed(1)}"><span></span></div>
    <p class="sub"><strong data-testid="sink-${id}-applied">${formatInt(s.applied)}</strong> of ${formatInt(s.head)} ·
      lag <strong data-testid="sink-${id}-lag">${formatInt(s.lag)}</strong> changes,
      <strong data-testid="sink-${id}-lag-seconds">${Number.isFinite(s.lagSeconds) ? formatNumber(s.lagSeconds, 1) + ' s' : '–'}</strong> behind</p>
    <p class="sub">${progress}</p>
    ${s.lastError ? `<p class="error">${escapeHtml(s.lastError)}</p>` : ''}
  </div>`;
}

/** Attribute values in selectors: sink names hold ':' and may hold quotes. */
function cssEscape(value) {
  return CSS.escape(value);
}

// ---------------------------------------------------------------------------------------------
// Backends

function renderBackends(health, families) {
  let rows = health && health.components && health.components.backends;
  if (!Array.isArray(rows) && families && has(families, 'tandem_backend_up')) {
    rows = families.get('tandem_backend_up').map((x) => ({
      role: x.labels.role, backend: x.labels.backend, up: x.value === 1,
    }));
  }
  if (!Array.isArray(rows) || !rows.length) {
    $('backends').innerHTML = '<tr><td colspan="5" class="muted">– (not reported by this server)</td></tr>';
    return;
  }
  $('backends').innerHTML = rows.map((b) => {
    const role = escapeHtml(b.role);
    const up = b.up === true ? ['up', 'ok'] : b.up === false ? ['down', 'bad'] : ['–', 'unknown'];
    return `<tr data-testid="backend-${role}"><td data-label="Role">${role}</td>` +
      `<td data-label="Backend">${escapeHtml(b.backend ?? '–')}</td>` +
      `<td data-label="Status"><span><span class="badge ${up[1]}" data-testid="backend-${role}-status">${up[0]}</span></span></td>` +
      `<td class="num" data-label="Latency">${Number.isFinite(b.latency_ms) ? formatSeconds(b.latency_ms / 1000) : '–'}</td>` +
      `<td class="reason" data-label="Error">${escapeHtml(b.error || '')}</td></tr>`;
  }).join('');
}

// ---------------------------------------------------------------------------------------------
// Jobs: one card per job, kept across refreshes so that its button keeps focus

function renderJobs(result) {
  const error = $('jobs-error');
  if (result.status === 'rejected') {
    error.textContent = result.reason.message;
    error.hidden = false;
    return;
  }
  error.hidden = true;
  const container = $('jobs');
  const jobs = result.value.data.jobs || [];
  const names = new Set(jobs.map((j) => j.name));
  for (const card of [...container.children]) if (!names.has(card.dataset.job)) card.remove();
  for (const job of jobs) {
    let card = [...container.children].find((c) => c.dataset.job === job.name);
    if (!card) {
      card = jobCard(job.name);
      container.append(card);
    }
    const signature = JSON.stringify([job.schedule, job.next_run, job.running, job.runs]);
    if (state.jobsSignature.get(job.name) !== signature) {
      state.jobsSignature.set(job.name, signature);
      fillJobCard(card, job);
    }
  }
  if (!jobs.length) container.innerHTML = '<p class="muted">No jobs.</p>';
}

function jobCard(name) {
  const card = document.createElement('article');
  const id = escapeHtml(name);
  card.className = 'job';
  card.dataset.job = name;
  card.dataset.testid = `job-${name}`;
  card.innerHTML = `
    <div class="job-head">
      <h3 class="job-name">${id} <span class="badge" data-role="state"></span></h3>
      <button type="button" data-testid="job-run-${id}">Run now</button>
    </div>
    <p class="sub" data-role="schedule"></p>
    <p class="job-message error" data-testid="job-message-${id}" aria-live="polite"></p>
    <ol class="runs" data-testid="job-runs-${id}" aria-label="Last runs of ${id}"></ol>`;
  card.querySelector('button').addEventListener('click', () => runJob(name, card));
  return card;
}

function fillJobCard(card, job) {
  const badge = card.querySelector('[data-role="state"]');
  badge.textContent = job.running ? 'running' : 'idle';
  badge.className = `badge ${job.running ? 'warn' : 'unknown'}`;
  card.querySelector('[data-role="schedule"]').innerHTML =
    `schedule <strong>${escapeHtml(job.schedule)}</strong> · next run ` +
    `<strong>${job.next_run ? escapeHtml(formatTime(job.next_run)) : '–'}</strong>`;
  const runs = [...(job.runs || [])].sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
  card.querySelector('.runs').innerHTML = runs.map((r) => {
    const kind = r.outcome === 'ok' ? 'ok' : r.outcome === 'failed' ? 'bad' : 'warn';
    return `<li data-outcome="${escapeHtml(r.outcome)}" data-started-at="${escapeHtml(r.started_at)}">` +
      `<span><span class="badge ${kind}">${escapeHtml(r.outcome)}</span></span>` +
      `<span class="run-message">${escapeHtml(r.message || '')}</span>` +
      `<span class="run-meta">${escapeHtml(new Date(r.started_at).toLocaleString())} · ` +
      `${formatNumber(r.duration_ms, 1)} ms</span></li>`;
  }).join('') || '<li class="muted">No runs yet.</li>';
}

async function runJob(name, card) {
  const button = card.querySelector('button');
  const message = card.querySelector('.job-message');
  button.disabled = true;
  message.textContent = '';
  try {
    await api(`/v1/jobs/${encodeURIComponent(name)}/run`, { method: 'POST' });
  } catch (err) {
    message.textContent = err.message;
  } finally {
    button.disabled = false;
  }
  await refreshJobsUntilIdle(name);
}

/** After "Run now": reads /v1/jobs again every 250 ms (up to 5 s) until the run is recorded. */
async function refreshJobsUntilIdle(name) {
  for (let i = 0; i < 20; i++) {
    let result;
    try {
      result = { status: 'fulfilled', value: await api('/v1/jobs') };
    } catch (err) {
      result = { status: 'rejected', reason: err };
    }
    renderJobs(result);
    const job = result.status === 'fulfilled' && result.value.data.jobs.find((j) => j.name === name);
    if (!job || !job.running) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// ---------------------------------------------------------------------------------------------
// Dead letters

function renderDeadLetters(result) {
  if (result.status === 'rejected') {
    showDeadMessage(result.reason.message, 'load');
    return;
  }
  if ($('dl-message').dataset.kind === 'load') showDeadMessage('');
  const rows = result.value.data.dead_letters || [];
  const signature = JSON.stringify(rows);
  setText('dl-count', `${formatInt(rows.length)} shown`);
  if (signature === state.deadSignature) return;
  state.deadSignature = signature;
  $('deadletters').innerHTML = rows.map((d) => {
    const id = escapeHtml(d.id);
    return `<tr data-testid="deadletter-${id}"><td class="num" data-label="Id">${id}</td>` +
      `<td data-label="Sink">${escapeHtml(d.sink)}</td><td class="num" data-label="Seq">${formatInt(d.seq)}</td>` +
      `<td data-label="Collection">${escapeHtml(d.collection)}</td>` +
      `<td class="mono" data-label="Record">${escapeHtml(d.record_id)}</td><td data-label="Op">${escapeHtml(d.op)}</td>` +
      `<td class="reason" data-label="Reason">${escapeHtml(d.reason)}</td>` +
      `<td data-label="At">${escapeHtml(d.at ? new Date(d.at).toLocaleString() : '–')}</td>` +
      `<td><button type="button" class="retry" data-id="${id}" data-testid="deadletter-retry-${id}" ` +
      `aria-label="Retry dead letter ${id}">Retry</button></td></tr>`;
  }).join('') || '<tr><td colspan="9" class="muted">None: every sink accepted every change.</td></tr>';
}

/** One line above the table: why the list could not be read (kind "load") or a retry's outcome. */
function showDeadMessage(message, kind = 'retry') {
  const el = $('dl-message');
  el.textContent = message;
  el.hidden = !message;
  el.dataset.kind = kind;
}

async function retryDeadLetter(button) {
  button.disabled = true;
  showDeadMessage('');
  try {
    await api(`/v1/deadletters/${encodeURIComponent(button.dataset.id)}/retry`, { method: 'POST' });
    button.closest('tr').remove();
  } catch (err) {
    showDeadMessage(`dead letter ${button.dataset.id}: ${err.message}`);
    button.disabled = false;
  }
  state.deadSignature = '';
  refresh();
}

// ---------------------------------------------------------------------------------------------
// Start-up

function start() {
  setUpKeyButton();
  onKeyChange(() => {
    state.jobsSignature.clear();
    state.deadSignature = '';
    refresh();
  });
  $('deadletters').addEventListener('click', (e) => {
    const button = e.target.closest('button.retry');
    if (button) retryDeadLetter(button);
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      clearTimeout(state.timer);
      setText('updated', 'paused while the tab is hidden');
    } else {
      refresh();
    }
  });
  if (!apiKey()) askForKey('The dashboard needs a key for metrics, jobs and dead letters (health is public).');
  refresh();
}

start();
