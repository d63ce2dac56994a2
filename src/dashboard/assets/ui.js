// Small DOM helpers. Text always goes in as text (never HTML), so data cannot become markup,
// and no inline style or script is ever written (the page's CSP forbids both).

/** An element: `attrs` sets properties (`class`, `text`, `on<event>`, `data-*`, `aria-*`). */
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.setAttribute('class', value);
    else if (name === 'text') el.textContent = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export const STATUSES = [
  ['not_assessed', 'Not assessed'],
  ['not_started', 'Not started'],
  ['in_progress', 'In progress'],
  ['stalled', 'Stalled'],
  ['implemented', 'Implemented'],
  ['partially_implemented', 'Partially implemented'],
  ['not_implemented', 'Not implemented'],
  ['superseded', 'Superseded'],
];
const STATUS_LABELS = Object.fromEntries(STATUSES);
export const HEALTHS = [
  ['on_track', 'On track'],
  ['at_risk', 'At risk'],
  ['off_track', 'Off track'],
];
const HEALTH_LABELS = Object.fromEntries(HEALTHS);
export const COUNTRIES = [
  ['US', 'United States'],
  ['KR', 'Republic of Korea'],
  ['JP', 'Japan'],
];

export const statusLabel = (key) => STATUS_LABELS[key] || key;
export const healthLabel = (key) => HEALTH_LABELS[key] || key || '';
export const countryLabel = (code) =>
  (COUNTRIES.find(([c]) => c === code) || [code, code])[1];

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, text: statusLabel(status) });
}

export function healthBadge(health) {
  return health ? h('span', { class: `badge health-${health}`, text: healthLabel(health) }) : '';
}

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/** `2026-10-03` as a readable day, inside a <time>. */
export function day(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  return h('time', { datetime: iso, text: dateFormat.format(new Date(`${iso}T00:00:00Z`)) });
}

export function instant(iso) {
  return h('time', { datetime: iso, text: timeFormat.format(new Date(iso)) });
}

export const isoDay = (date) => date.toISOString().slice(0, 10);

/** A wide table that scrolls sideways on a narrow screen (and can be scrolled by keyboard). */
export function table(caption, headings, rows, attrs = {}) {
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h(
      'table',
      attrs,
      h('caption', { class: 'visually-hidden', text: caption }),
      h('thead', {}, h('tr', {}, headings.map((text) => h('th', { scope: 'col', text })))),
      h('tbody', {}, rows),
    ),
  );
}

export function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id, text: title }), children);
}

/** A problem's detail and its field errors, for a form or a page. */
export function problemBox(problem, extra) {
  const fields = (problem.errors || []).map((e) =>
    h('li', {}, h('code', { text: e.field }), `: ${e.message}`),
  );
  return h(
    'div',
    { class: 'alert', role: 'alert' },
    h('p', {}, h('strong', { text: problem.title || 'Error' }), ` ${problem.detail || problem.message}`),
    fields.length ? h('ul', {}, fields) : null,
    extra,
  );
}

export function toast(message) {
  const box = document.getElementById('toast');
  box.textContent = message;
  box.classList.add('shown');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove('shown'), 4000);
}

/** Replaces what `el` holds. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function title(text) {
  document.title = text ? `${text} · policytrack` : 'policytrack';
}

/** The report's own navigation: its summary, timeline and trend. */
export function reportTabs(report, current) {
  const base = `/reports/${encodeURIComponent(report.slug)}`;
  const tabs = [
    ['Summary', base],
    ['Timeline', `${base}/timeline`],
    ['Trend', `${base}/trend`],
  ];
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'Report views' },
    h('ul', {}, tabs.map(([text, href]) =>
      h('li', {}, h('a', { href, text, 'aria-current': text === current ? 'page' : null })),
    )),
  );
}
