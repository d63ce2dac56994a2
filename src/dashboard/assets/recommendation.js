// One recommendation: its text, status, owners, milestones and everything that happened to
// it; signed-in analysts post a check-in or change the status from here, with If-Match.

import { get, getAll, fetchJson, send, canWrite, session, Problem } from './api.js';
import { h, fill, section, table, title, day, instant, statusBadge, healthBadge, statusLabel, HEALTHS, problemBox, toast } from './ui.js';
import { progress } from './charts.js';

const TAKES_HEALTH = ['not_started', 'in_progress', 'stalled'];
const STALE_MESSAGE = 'This recommendation was changed by someone else since you opened it.';
const LANGUAGES = { en: 'English', ko: 'Korean', ja: 'Japanese' };

async function load(id) {
  const [rec, milestones, history, checkIns, events, transitions] = await Promise.all([
    fetchJson(`/recommendations/${id}`),
    get(`/recommendations/${id}/milestones`),
    getAll(`/recommendations/${id}/history`),
    getAll(`/recommendations/${id}/check-ins`),
    getAll(`/recommendations/${id}/events`),
    get(`/recommendations/${id}/transitions`),
  ]);
  const report = await get(`/reports/${rec.data.report_id}`);
  return { changed: rec.changed, rec: rec.data, milestones: milestones.items, history, checkIns, events, transitions, report };
}

/** Status changes, check-ins and the other events (edits with reasons, milestones), newest first. */
function happenings(data) {
  const entries = [];
  // Ordered by the day each describes (a change effective in June but recorded today sits
  // in June), then by when it was recorded.
  const onDay = (date, recorded) => `${date}T${recorded.slice(11)}`;
  for (const c of data.history) {
    entries.push({
      at: onDay(c.effective_on, c.recorded_at),
      when: day(c.effective_on),
      kind: 'Status change',
      heading: [statusBadge(c.from_status), ' → ', statusBadge(c.to_status), c.health ? [' ', healthBadge(c.health)] : null],
      note: c.note,
      meta: ['recorded ', instant(c.recorded_at), c.actor ? ` by ${c.actor}` : '', c.approved_by ? ` · approved by ${c.approved_by}` : ''],
      links: c.evidence_urls,
    });
  }
  for (const c of data.checkIns) {
    entries.push({
      at: onDay(c.as_of, c.recorded_at),
      when: day(c.as_of),
      kind: 'Check-in',
      heading: c.health ? healthBadge(c.health) : null,
      note: c.note,
      meta: ['recorded ', instant(c.recorded_at), c.actor ? ` by ${c.actor}` : ''],
      links: c.evidence_urls,
    });
  }
  const duplicated = ['recommendation.status_changed', 'recommendation.checked_in'];
  for (const e of data.events) {
    if (duplicated.includes(e.type)) continue;
    const d = e.data || {};
    let heading = e.type.replace('.', ': ').replaceAll('_', ' ');
    let note = null;
    if (e.type === 'recommendation.updated') {
      heading = `Edited: ${Object.keys(d.changes || {}).join(', ').replaceAll('_', ' ')}`;
      note = d.reason;
    } else if (e.type.startsWith('milestone.')) {
      heading = `Milestone ${e.type.slice(10).replaceAll('_', ' ')}: ${d.title || ''}`;
    }
    entries.push({
      at: e.occurred_at,
      when: instant(e.occurred_at),
      kind: 'Event',
      heading,
      note,
      meta: [e.actor && e.actor.email ? `by ${e.actor.email}` : `by ${e.actor ? e.actor.kind : 'system'}`],
      links: [],
    });
  }
  entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return entries;
}

function activity(data) {
  const items = happenings(data).map((e) =>
    h('li', { class: 'entry', 'data-kind': e.kind },
      h('p', { class: 'entry-head' }, h('strong', { text: e.kind }), ' ', e.when, ' ', e.heading),
      e.note ? h('p', { class: 'entry-note', text: e.note }) : null,
      h('p', { class: 'muted small' }, e.meta),
      e.links && e.links.length ? h('ul', { class: 'links' }, e.links.map((href) => h('li', {}, h('a', { href, rel: 'noopener noreferrer', text: href })))) : null,
    ),
  );
  return section('What happened', items.length ? h('ol', { class: 'activity', id: 'activity' }, items) : h('p', { text: 'Nothing yet.' }));
}

function details(data) {
  const { rec, report } = data;
  const owners = [
    rec.lead_agency ? h('li', {}, h('strong', { text: 'Lead: ' }), h('a', { href: `/agencies/${encodeURIComponent(rec.lead_agency.code)}`, text: rec.lead_agency.code }), ` ${rec.lead_agency.name}`) : h('li', { text: 'No lead agency yet' }),
    ...rec.supporting_agencies.map((s) =>
      h('li', {}, h('strong', { text: `${s.role === 'supporting' ? 'Supporting' : s.role.replaceAll('_', ' ')}: ` }), h('a', { href: `/agencies/${encodeURIComponent(s.agency.code)}`, text: s.agency.code }), ` ${s.agency.name}`),
    ),
  ];
  const milestoneRows = data.milestones.map((m) =>
    h('tr', { class: m.overdue ? 'overdue' : m.status === 'done' ? 'done' : '' },
      h('td', { text: m.title }),
      h('td', {}, day(m.due_on)),
      h('td', {}, m.status === 'done' ? h('span', { class: 'badge done', text: 'Done' }) : m.overdue ? h('span', { class: 'badge overdue', text: 'Overdue' }) : h('span', { class: 'badge', text: m.status.replaceAll('_', ' ') })),
      h('td', {}, m.completed_on ? day(m.completed_on) : ''),
    ),
  );
  return [
    h('p', { class: 'crumbs' }, h('a', { href: '/', text: 'Overview' }), ' / ', h('a', { href: `/reports/${encodeURIComponent(report.slug)}`, text: report.title }), ` / ${rec.code}`),
    h('h1', {}, h('span', { class: 'code', text: rec.code }), ' ', h('span', { text: rec.title, lang: rec.language })),
    h('p', { class: 'badges', id: 'current-status' }, statusBadge(rec.status), ' ', healthBadge(rec.health), ' ', rec.priority ? h('span', { class: 'badge', text: `${rec.priority} priority` }) : null,
      rec.pending_proposal ? h('span', { class: 'badge', text: 'closure awaiting review' }) : null,
      rec.language !== rec.original_language
        ? h('span', { class: 'badge', id: 'translated', text: `${rec.machine_translated ? 'Machine translation' : 'Translation'} from ${LANGUAGES[rec.original_language] || rec.original_language}` })
        : null),
    h('div', { class: 'columns' },
      section('Recommendation',
        h('p', { class: 'rec-text', text: rec.text, lang: rec.language }),
        h('dl', { class: 'facts' },
          h('dt', { text: 'Category' }), h('dd', { text: rec.category ? rec.category.name : '—' }),
          h('dt', { text: 'Target date' }), h('dd', {}, day(rec.target_on)),
          h('dt', { text: 'Progress' }), h('dd', {}, progress(rec.progress, `Progress of ${rec.code}`)),
          h('dt', { text: 'Status since' }), h('dd', {}, rec.status_changed_at ? instant(rec.status_changed_at) : '—'),
        )),
      section('Owners', h('ul', { class: 'owners' }, owners)),
    ),
    section('Milestones', milestoneRows.length ? table('Milestones', ['Milestone', 'Due', 'State', 'Completed'], milestoneRows, { id: 'milestones' }) : h('p', { text: 'No milestones yet.' })),
  ];
}

function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null, control);
}

function healthSelect(id, keepText) {
  return h('select', { id, name: 'health' }, h('option', { value: '', text: keepText }), HEALTHS.map(([key, text]) => h('option', { value: key, text })));
}

function lines(text) {
  return text.split(/\s+/).map((s) => s.trim()).filter(Boolean);
}

/** The check-in and status forms; they stay on the page while the rest is redrawn. */
function forms(state, reload) {
  const outcome = h('div', { class: 'outcome', 'aria-live': 'polite' });
  const stale = () =>
    problemBox({ title: 'Not saved.', detail: STALE_MESSAGE },
      h('p', {}, 'Your text is kept. ', h('button', {
        type: 'button',
        text: 'Reload the recommendation',
        onclick: async () => {
          await reload();
          fill(outcome, h('p', { class: 'ok', text: 'Reloaded. Check the change, then send again.' }));
        },
      })));

  async function submit(form, path, body, done) {
    fill(outcome);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const answer = await send('POST', path, body, state.version);
      form.reset();
      state.dirty = false;
      toast(done(answer));
      fill(outcome, h('p', { class: 'ok', text: done(answer) }));
      await reload();
    } catch (error) {
      if (error instanceof Problem && error.status === 412) fill(outcome, stale());
      else fill(outcome, problemBox(error instanceof Problem ? error : { title: 'Error', detail: error.message }));
    } finally {
      button.disabled = false;
    }
  }

  const checkIn = h('form', { id: 'check-in-form', 'aria-labelledby': 'check-in-title' },
    h('h3', { id: 'check-in-title', text: 'Post a check-in' }),
    field('check-in-note', 'What happened', h('textarea', { id: 'check-in-note', name: 'note', required: true, rows: '4', maxlength: '10000' })),
    field('check-in-health', 'Health', healthSelect('check-in-health', 'Keep as it is'), 'For not started, in progress and stalled recommendations.'),
    field('check-in-as-of', 'As of (optional)', h('input', { id: 'check-in-as-of', name: 'as_of', type: 'date' })),
    field('check-in-evidence', 'Evidence links (optional, one per line)', h('textarea', { id: 'check-in-evidence', name: 'evidence', rows: '2' })),
    h('button', { type: 'submit', text: 'Post check-in' }),
  );
  checkIn.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = new FormData(checkIn);
    const body = { note: f.get('note'), evidence_urls: lines(f.get('evidence')) };
    if (f.get('health')) body.health = f.get('health');
    if (f.get('as_of')) body.as_of = f.get('as_of');
    submit(checkIn, `/recommendations/${state.id}/check-ins`, body, () => 'Check-in posted.');
  });

  const statusChoice = h('select', { id: 'status-to', name: 'status', required: true });
  const statusForm = h('form', { id: 'status-form', 'aria-labelledby': 'status-title' },
    h('h3', { id: 'status-title', text: 'Change the status' }),
    field('status-to', 'New status', statusChoice),
    field('status-health', 'Health', healthSelect('status-health', 'None'), 'Required for not started, in progress and stalled.'),
    field('status-note', 'Why', h('textarea', { id: 'status-note', name: 'note', required: true, rows: '4', maxlength: '10000' })),
    field('status-evidence', 'Evidence links (one per line)', h('textarea', { id: 'status-evidence', name: 'evidence', rows: '2' }), 'At least one for implemented and partially implemented.'),
    field('status-effective', 'Effective on (optional)', h('input', { id: 'status-effective', name: 'effective_on', type: 'date' })),
    h('button', { type: 'submit', text: 'Change status' }),
  );
  statusForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = new FormData(statusForm);
    const body = { status: f.get('status'), note: f.get('note'), evidence_urls: lines(f.get('evidence')) };
    if (f.get('health') && TAKES_HEALTH.includes(body.status)) body.health = f.get('health');
    if (f.get('effective_on')) body.effective_on = f.get('effective_on');
    submit(statusForm, `/recommendations/${state.id}/status`, body, (answer) =>
      answer && answer.state ? 'Closure proposed; it awaits a reviewer.' : `Status changed to ${statusLabel(body.status).toLowerCase()}.`);
  });
  for (const form of [checkIn, statusForm]) form.addEventListener('input', () => { state.dirty = true; });

  const setChoices = (transitions) => {
    const chosen = statusChoice.value;
    fill(statusChoice, transitions.allowed.map((key) => h('option', { value: key, text: statusLabel(key), selected: key === chosen })));
    statusForm.hidden = transitions.allowed.length === 0;
  };
  return { element: section('Update', outcome, h('div', { class: 'columns' }, checkIn, statusForm)), setChoices };
}

export async function render(main, [id]) {
  let data = await load(id);
  title(data.rec.code);
  const state = { id, version: data.rec.version, dirty: false };
  const top = h('div');
  const history = h('div');
  const draw = () => {
    fill(top, details(data));
    fill(history, activity(data));
  };
  const reload = async () => {
    data = await load(id);
    state.version = data.rec.version;
    draw();
    if (actions) actions.setChoices(data.transitions);
  };
  let actions = null;
  let invite = null;
  if (canWrite()) {
    actions = forms(state, reload);
    actions.setChoices(data.transitions);
  } else {
    const next = encodeURIComponent(window.location.pathname);
    invite = section('Update', session.me
      ? h('p', { text: `Your role (${session.me.role}) reads only; analysts post check-ins and change statuses.` })
      : h('p', {}, h('a', { href: `/sign-in?next=${next}`, text: 'Sign in' }), ' to post a check-in or change the status.'));
  }
  draw();
  fill(main, top, actions ? actions.element : invite, history);
  return {
    // While someone is typing, the version they opened stays the one they write against.
    refresh: async () => {
      if (state.dirty) return;
      const next = await load(id);
      if (!next.changed) return;
      data = next;
      state.version = data.rec.version;
      draw();
      if (actions) actions.setChoices(data.transitions);
    },
  };
}
