// A report's dated events (status changes, milestones due and completed) on a time axis that
// zooms from years to a month, filtered by category and kind; arrow keys move it, + and -
// zoom, and every event links to its recommendation. The list below holds the same events.

import { get } from './api.js';
import { h, fill, section, title, day, statusLabel, reportTabs, isoDay } from './ui.js';

const ZOOMS = [
  ['years', 'Years', 36],
  ['year', 'Year', 12],
  ['quarter', 'Quarter', 3],
  ['month', 'Month', 1],
];
const KINDS = [
  ['status_change', 'Status changes'],
  ['milestone_due', 'Milestones due'],
  ['milestone_completed', 'Milestones completed'],
];
const KIND_LABELS = Object.fromEntries(KINDS);
const MARKERS_MAX = 300;
const PAGES_MAX = 25;
const LIST_PAGE = 100;

function monthStart(date) {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

function addMonths(date, n) {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + n, 1));
}

/** The window the address names, or one around today. */
function windowOf(query) {
  const zoom = ZOOMS.find(([key]) => key === query.get('zoom')) || ZOOMS[1];
  const months = zoom[2];
  const at = /^\d{4}-\d{2}$/.test(query.get('at') || '') ? new Date(`${query.get('at')}-01T00:00:00Z`) : null;
  const start = at || addMonths(monthStart(new Date()), -Math.floor(months / 2));
  const end = addMonths(start, months);
  return { zoom: zoom[0], months, start, end };
}

function ticks(win) {
  const out = [];
  const step = win.months >= 36 ? 12 : 1;
  let t = step === 12 ? new Date(Date.UTC(win.start.getUTCFullYear(), 0, 1)) : win.start;
  while (t < win.end) {
    if (t >= win.start) out.push(t);
    t = addMonths(t, step);
  }
  if (win.months === 1) {
    // A month shows its weeks' Mondays as well.
    const d = new Date(win.start);
    while (d < win.end) {
      if (d.getUTCDay() === 1 && d.getUTCDate() !== 1) out.push(new Date(d));
      d.setUTCDate(d.getUTCDate() + 1);
    }
  }
  return out;
}

const tickLabel = (t, win) => {
  if (win.months >= 36) return String(t.getUTCFullYear());
  if (win.months === 1 && t.getUTCDate() !== 1) return String(t.getUTCDate());
  return t.toLocaleDateString('en', { month: 'short', year: t.getUTCMonth() === 0 || win.months <= 3 ? 'numeric' : undefined, timeZone: 'UTC' });
};

function eventText(e) {
  const what = e.kind === 'status_change'
    ? `${statusLabel(e.label.split(' -> ')[0])} → ${statusLabel(e.status)}`
    : e.label;
  return `${KIND_LABELS[e.kind]}: ${e.recommendation.code} · ${what}${e.overdue ? ' (overdue)' : ''}`;
}

function track(events, win) {
  const span = win.end - win.start;
  const at = (iso) => (100 * (new Date(`${iso}T12:00:00Z`) - win.start)) / span;
  const axis = h('div', { class: 'axis-row', 'aria-hidden': 'true' });
  const all = ticks(win);
  // A narrow screen labels every other tick, so the labels do not run into each other.
  const every = window.innerWidth < 600 && all.length > 6 ? 2 : 1;
  for (const [i, t] of all.entries()) {
    const tick = h('span', { class: 'tick', text: i % every === 0 ? tickLabel(t, win) : '' });
    tick.style.left = `${(100 * (t - win.start)) / span}%`;
    axis.append(tick);
  }
  const today = isoDay(new Date());
  const lanes = KINDS.map(([kind, label]) => {
    const lane = h('div', { class: 'lane', 'data-kind': kind }, h('span', { class: 'lane-label', text: label }));
    const mine = events.filter((e) => e.kind === kind);
    if (mine.length > MARKERS_MAX) {
      // Too many to point at one by one: a density strip, the list below has each.
      const buckets = new Map();
      for (const e of mine) buckets.set(e.date, (buckets.get(e.date) || 0) + 1);
      const peak = Math.max(...buckets.values());
      for (const [date, n] of buckets) {
        const mark = h('span', { class: `density kind-${kind}`, title: `${date}: ${n}` });
        mark.style.left = `${at(date)}%`;
        mark.style.height = `${Math.max(15, (100 * n) / peak)}%`;
        lane.append(mark);
      }
      lane.append(h('span', { class: 'visually-hidden', text: `${mine.length} events, listed below` }));
    } else {
      for (const e of mine) {
        const marker = h('a', {
          class: `marker kind-${kind}${e.overdue ? ' overdue' : ''}`,
          href: `/recommendations/${e.recommendation.id}`,
          'aria-label': `${e.date}: ${eventText(e)}`,
          title: `${e.date}: ${eventText(e)}`,
        });
        marker.style.left = `${at(e.date)}%`;
        lane.append(marker);
      }
    }
    return lane;
  });
  const now = h('span', { class: 'now', 'aria-hidden': 'true' });
  if (today >= isoDay(win.start) && today < isoDay(win.end)) now.style.left = `${at(today)}%`;
  else now.hidden = true;
  return h('div', { class: 'track' }, axis, lanes, now);
}

function list(events, completeness) {
  const box = h('ol', { class: 'event-list', id: 'events' });
  let shown = 0;
  const more = h('button', { type: 'button', text: 'Show more' });
  const next = () => {
    for (const e of events.slice(shown, shown + LIST_PAGE)) {
      box.append(h('li', { 'data-kind': e.kind, class: e.overdue ? 'overdue' : '' },
        day(e.date), ' ',
        h('span', { class: `kind-tag kind-${e.kind}`, text: KIND_LABELS[e.kind] }), ' ',
        h('a', { href: `/recommendations/${e.recommendation.id}`, text: e.recommendation.code }), ' ',
        e.kind === 'status_change' ? `${statusLabel(e.label.split(' -> ')[0])} → ${statusLabel(e.status)}` : e.label,
        e.overdue ? h('strong', { class: 'alert-text', text: ' overdue' }) : null));
    }
    shown = Math.min(events.length, shown + LIST_PAGE);
    more.hidden = shown >= events.length;
  };
  more.addEventListener('click', next);
  next();
  const counted = {
    complete: `${events.length} events in this window`,
    loading: `${events.length} events so far; loading the rest of this window…`,
    truncated: `The first ${events.length} events of this window; zoom in or filter to see the rest.`,
  }[completeness];
  return [h('p', { class: 'muted', id: 'event-count', 'data-complete': String(completeness === 'complete'), text: counted }), events.length ? box : null, more];
}

export async function render(main, [reportRef], initialQuery) {
  const report = await get(`/reports/${encodeURIComponent(reportRef)}`);
  title(`${report.title}: timeline`);
  let query = new URLSearchParams(initialQuery);

  const go = async (changes, focusId) => {
    for (const [name, value] of Object.entries(changes)) {
      if (value) query.set(name, value);
      else query.delete(name);
    }
    window.history.replaceState(null, '', `${window.location.pathname}?${query}`);
    await draw();
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  };

  let drawn = null;
  let generation = 0;
  // The first page draws at once; the rest of a dense window follows and redraws, keeping
  // the keyboard's place. A refresh loads everything first and redraws only on a change.
  async function draw(onlyIfChanged = false) {
    const mine = ++generation;
    const win = windowOf(query);
    const none = query.get('kind') === 'none';
    const kinds = (query.get('kind') || '').split(',').filter((k) => KIND_LABELS[k]);
    const category = query.get('category') || '';
    const params = {
      report: report.id,
      from: isoDay(win.start),
      to: isoDay(new Date(win.end - 86400000)),
      category,
      kind: kinds.join(','),
      limit: 200,
    };
    const events = [];
    let cursor = null;
    let pages = 0;
    const nextPage = async () => {
      const page = await get('/timeline', { ...params, cursor });
      events.push(...page.items);
      cursor = page.next_cursor;
      pages += 1;
    };
    const more = () => cursor && pages < PAGES_MAX;
    if (!none) await nextPage();
    // A newer draw (a later key or filter) has started: its view is the one to show.
    if (mine !== generation) return;
    if (onlyIfChanged) {
      while (more()) await nextPage();
      const signature = `${query}|${events.map((e) => `${e.id}:${e.status}:${e.overdue}`).join(',')}`;
      if (signature === drawn || mine !== generation) return;
      drawn = signature;
      view(win, none, kinds, category, events, cursor ? 'truncated' : 'complete');
      return;
    }
    drawn = null;
    view(win, none, kinds, category, events.slice(), more() ? 'loading' : cursor ? 'truncated' : 'complete');
    if (!more()) return;
    (async () => {
      while (more() && mine === generation) await nextPage();
      if (mine !== generation) return;
      const focused = document.activeElement && document.activeElement.id;
      view(win, none, kinds, category, events, cursor ? 'truncated' : 'complete');
      if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    })().catch(() => {});
  }

  // Moves and zooms read the address as it is now, not the window last drawn: a second key
  // pressed before the first redraw has finished goes on from the first.
  const step = () => Math.max(1, Math.floor(windowOf(query).months / 2));
  const shift = (n, focusId) => go({ at: isoDay(addMonths(windowOf(query).start, n)).slice(0, 7) }, focusId);
  const zoomTo = (i, focusId) => {
    if (i < 0 || i >= ZOOMS.length) return;
    const now = windowOf(query);
    const [key, , months] = ZOOMS[i];
    const middle = addMonths(now.start, Math.floor(now.months / 2));
    go({ zoom: key, at: isoDay(addMonths(middle, -Math.floor(months / 2))).slice(0, 7) }, focusId);
  };
  const zoomBy = (delta, focusId) => zoomTo(ZOOMS.findIndex(([key]) => key === windowOf(query).zoom) + delta, focusId);

  function view(win, none, kinds, category, events, completeness) {
    const zoomButtons = ZOOMS.map(([key, label], i) =>
      h('button', { type: 'button', id: `zoom-${key}`, 'aria-pressed': String(key === win.zoom), text: label, onclick: () => zoomTo(i, `zoom-${key}`) }));
    const categorySelect = h('select', { id: 'timeline-category' },
      h('option', { value: '', text: 'All categories' }),
      report.categories.map((c) => h('option', { value: c.slug, text: c.name, selected: c.slug === category })));
    categorySelect.addEventListener('change', () => go({ category: categorySelect.value }, 'timeline-category'));
    const kindBoxes = KINDS.map(([key, label]) => {
      const box = h('input', { type: 'checkbox', id: `kind-${key}`, value: key, checked: !none && (!kinds.length || kinds.includes(key)) });
      box.addEventListener('change', () => {
        const chosen = KINDS.map(([k]) => k).filter((k) => document.getElementById(`kind-${k}`).checked);
        go({ kind: chosen.length === KINDS.length ? '' : chosen.join(',') || 'none' }, `kind-${key}`);
      });
      return h('label', { class: 'check' }, box, ` ${label}`);
    });
    const shown = events;
    const area = h('div', {
      class: 'track-area',
      tabindex: '0',
      role: 'group',
      'aria-label': `Timeline from ${isoDay(win.start)} to ${isoDay(new Date(win.end - 86400000))}. Left and right arrows move it, plus and minus zoom.`,
      id: 'track-area',
    }, track(shown, win));
    area.addEventListener('keydown', (event) => {
      const keys = {
        ArrowLeft: () => shift(-step(), 'track-area'),
        ArrowRight: () => shift(step(), 'track-area'),
        '+': () => zoomBy(1, 'track-area'),
        '=': () => zoomBy(1, 'track-area'),
        '-': () => zoomBy(-1, 'track-area'),
      };
      if (keys[event.key]) {
        event.preventDefault();
        keys[event.key]();
      }
    });
    fill(main,
      h('p', { class: 'crumbs' }, h('a', { href: '/', text: 'Overview' }), ' / ', h('a', { href: `/reports/${encodeURIComponent(report.slug)}`, text: report.title }), ' / timeline'),
      h('h1', { text: `${report.title}: timeline` }),
      reportTabs(report, 'Timeline'),
      h('div', { class: 'controls' },
        h('div', { class: 'button-group', role: 'group', 'aria-label': 'Zoom' }, zoomButtons),
        h('div', { class: 'button-group', role: 'group', 'aria-label': 'Move' },
          h('button', { type: 'button', id: 'earlier', text: '← Earlier', onclick: () => shift(-step(), 'earlier') }),
          h('button', { type: 'button', id: 'today', text: 'Today', onclick: () => go({ at: '' }, 'today') }),
          h('button', { type: 'button', id: 'later', text: 'Later →', onclick: () => shift(step(), 'later') })),
        h('div', { class: 'field' }, h('label', { for: 'timeline-category', text: 'Category' }), categorySelect),
        h('fieldset', { class: 'kinds' }, h('legend', { text: 'Show' }), kindBoxes),
      ),
      h('p', { class: 'window', id: 'window' }, day(isoDay(win.start)), ' to ', day(isoDay(new Date(win.end - 86400000)))),
      area,
      section('Events', list(shown, completeness)),
    );
  }

  await draw();
  return { refresh: () => draw(true) };
}
