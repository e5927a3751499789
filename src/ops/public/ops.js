// The operations page: live state from the server (server-sent events), rendered into the views.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const selected = new Set();
const shown = new Map();
let state = null;

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== false && value !== undefined) node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
};
const cell = (text, attrs = {}) => el('td', { text: String(text), ...attrs });
const time = (ms) => (ms === null || ms === undefined ? '–' : new Date(ms).toLocaleTimeString(undefined, { hour12: false }));
function relative(ms, now) {
  if (ms === null || ms === undefined) return '–';
  const seconds = Math.round((ms - now) / 1000);
  if (Math.abs(seconds) < 1) return 'now';
  const span = Math.abs(seconds) < 120 ? `${Math.abs(seconds)} s` : `${Math.round(Math.abs(seconds) / 60)} min`;
  return seconds > 0 ? `in ${span}` : `${span} ago`;
}

/** Re-renders a table body only when its data changed, keeping the focused control focused. */
function fill(id, rows, key) {
  const fingerprint = JSON.stringify(key);
  if (shown.get(id) === fingerprint) return;
  shown.set(id, fingerprint);
  const body = document.querySelector(`#${id} tbody`);
  const focused = document.activeElement?.dataset?.focusKey;
  body.replaceChildren(...rows);
  if (focused) body.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
}

const SVG = 'http://www.w3.org/2000/svg';
/** accepted (dashed) and delivered (solid) per minute, as a small inline chart */
function sparkline(series, label) {
  const width = 120;
  const height = 28;
  const max = Math.max(1, ...series.accepted, ...series.delivered);
  const points = (values) => values.map((value, i) => `${((i / (values.length - 1)) * width).toFixed(1)},${(height - 2 - (value / max) * (height - 4)).toFixed(1)}`).join(' ');
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  for (const [name, values] of [['accepted', series.accepted], ['delivered', series.delivered]]) {
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points(values));
    line.setAttribute('class', `spark-${name}`);
    svg.append(line);
  }
  return svg;
}

async function post(url, body = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  document.getElementById('result').textContent = answer.message ?? `refused: ${answer.error}`;
  shown.clear();
  await refresh();
}

function sinkRow(sink, now) {
  const paused = sink.state === 'paused';
  const action = el('button', {
    type: 'button',
    'data-focus-key': `sink-${sink.name}`,
    'aria-label': `${paused ? 'Resume' : 'Pause'} ${sink.name}`,
    text: paused ? 'Resume' : 'Pause',
    onclick: () => post(`/api/sinks/${encodeURIComponent(sink.name)}/${paused ? 'resume' : 'pause'}`),
  });
  const pace = sink.pace.limitPerMinute === null ? `${sink.pace.lastMinute}/min` : `${sink.pace.lastMinute}/min of ${sink.pace.limitPerMinute}/min`;
  const waiting = `${sink.waiting}${sink.held > 0 ? ` (${sink.held} held until ${time(sink.heldUntil)})` : ''}${sink.dead > 0 ? `, ${sink.dead} dead` : ''}`;
  return el(
    'tr',
    { 'data-sink': sink.name, class: `state-${sink.state}` },
    el('th', { scope: 'row', text: `${sink.name} (${sink.type})` }),
    el('td', {}, el('span', { class: `badge badge-${sink.state}`, text: sink.state }), ' ', el('span', { class: 'state-text', text: sink.stateText })),
    cell(waiting),
    cell(sink.nextAttemptAt === null ? '–' : relative(Math.max(now, sink.nextAttemptAt), now)),
    cell(pace),
    cell(sink.lastError ? `${time(sink.lastError.at)}: ${sink.lastError.text}` : '–', { class: 'last-error' }),
    el('td', {}, sparkline(sink.series, `${sink.name}: accepted and delivered per minute, last 30 minutes`)),
    el('td', {}, action),
  );
}

function deadRow(letter) {
  const box = el('input', {
    type: 'checkbox',
    'data-focus-key': `select-${letter.id}`,
    'aria-label': `select dead letter ${letter.id}`,
    checked: selected.has(letter.id),
    onchange: (event) => (event.target.checked ? selected.add(letter.id) : selected.delete(letter.id)),
  });
  const button = (label, url, danger) =>
    el('button', { type: 'button', class: danger ? 'danger' : undefined, 'data-focus-key': `${label}-${letter.id}`, 'aria-label': `${label} ${letter.id}`, text: label, onclick: () => post(url, { ids: [letter.id] }) });
  return el(
    'tr',
    { 'data-letter': letter.id },
    el('td', {}, box),
    cell(letter.sink),
    cell(`${letter.event} ${letter.eventId} (route ${letter.route})`),
    cell(`${time(letter.failedAt)} after ${letter.attempts} attempt(s)`),
    cell(letter.error, { class: 'reason' }),
    el('td', {}, el('pre', { class: 'preview', text: letter.preview })),
    el('td', {}, button('Replay', '/api/dead/replay', false), ' ', button('Discard', '/api/dead/discard', true)),
  );
}

function auditRow(entry) {
  if (entry.platform === 'ops') {
    return el('tr', {}, cell(time(entry.at)), cell(entry.actor), cell(entry.action), cell(entry.ids ? `${entry.sink} · ${entry.ids.join(', ')}` : entry.sink), cell(entry.outcome), cell(entry.detail));
  }
  const who = entry.actorName ? `${entry.actorName} (${entry.actor}, ${entry.platform})` : `${entry.actor} (${entry.platform})`;
  return el('tr', {}, cell(time(entry.at)), cell(who), cell(`report ${entry.action}`), cell(`${entry.source}/${entry.reportId} via ${entry.sink}`), cell(entry.outcome), cell(entry.detail ?? ''));
}

function render() {
  const { now } = state;
  fill('sources', state.sources.map((s) => el('tr', {}, el('th', { scope: 'row', text: s.name }), cell(s.lastEventAt === null ? 'none yet' : relative(s.lastEventAt, now)), cell(s.perMinute), cell(s.unrouted))), [state.sources, Math.floor(now / 5000)]);
  fill('sinks', state.sinks.map((sink) => sinkRow(sink, now)), [state.sinks, Math.floor(now / 1000)]);
  document.getElementById('dead-count').textContent = `(${state.deadLetterCount})`;
  fill('dead', state.deadLetters.map(deadRow), state.deadLetters);
  fill('audit', state.audit.map(auditRow), state.audit);
  fill(
    'instances',
    state.instances.map((i) => el('tr', {}, el('th', { scope: 'row', text: i.id }), cell(i.host), cell(i.pid), cell(new Date(i.since).toISOString()), cell(i.leases), cell(relative(i.heartbeatAt, now)), cell(i.alive ? 'live' : 'gone: its leases run out, others take its messages'))),
    [state.instances, Math.floor(now / 5000)],
  );
}

async function refresh() {
  const response = await fetch('/api/state');
  if (response.ok) {
    state = await response.json();
    render();
  }
}

function selectedAction(url) {
  return () => {
    const ids = [...selected].filter((id) => state.deadLetters.some((letter) => letter.id === id));
    if (ids.length === 0) document.getElementById('result').textContent = 'select dead letters first';
    else post(url, { ids }).then(() => ids.forEach((id) => selected.delete(id)));
  };
}

const STATES = {
  waiting: 'waiting',
  held: 'held for a summary',
  dead: 'in the dead letters',
  delivered: 'delivered',
  gone: 'no longer in the store (dropped, or delivered by another instance)',
};

function found(deliveries) {
  if (deliveries.length === 0) return [el('p', { text: 'nothing found: no waiting or dead delivery, and none this process sent, for that event' })];
  return deliveries.map((d) =>
    el(
      'article',
      { class: 'delivery', 'data-job': d.jobId },
      el('h3', { text: `${d.event} ${d.eventId} → ${d.sink} (route ${d.route}): ${STATES[d.state]}` }),
      d.message ? el('p', { class: 'message' }, d.message.link ? el('a', { href: d.message.link, rel: 'noreferrer', text: 'open the message' }) : el('span', { text: `message ${d.message.ref.id} in ${d.message.ref.channel}` })) : null,
      el('ol', { class: 'attempts' }, ...d.attempts.map((a) => el('li', { text: `${time(a.at)} ${a.outcome}${a.reason ? `: ${a.reason}` : ''}` }))),
    ),
  );
}

function showView(id) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const active = tab.id === `tab-${id}`;
    tab.setAttribute('aria-selected', String(active));
    tab.tabIndex = active ? 0 : -1;
    document.getElementById(tab.getAttribute('aria-controls')).hidden = !active;
  }
}

function setUp() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => showView(tab.id.slice(4)));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      next.focus();
      showView(next.id.slice(4));
    });
  });
  document.getElementById('replay-selected').addEventListener('click', selectedAction('/api/dead/replay'));
  document.getElementById('discard-selected').addEventListener('click', selectedAction('/api/dead/discard'));
  document.getElementById('find-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const query = document.getElementById('find-query').value;
    const response = await fetch(`/api/find?q=${encodeURIComponent(query)}`);
    document.getElementById('found').replaceChildren(...found(await response.json()));
  });
  const live = document.getElementById('live');
  const stream = new EventSource('/api/stream');
  stream.onmessage = (message) => {
    state = JSON.parse(message.data);
    live.textContent = `live · ${time(state.now)}`;
    render();
  };
  stream.onerror = () => (live.textContent = 'reconnecting…');
}

setUp();
