// The agency directory: what each agency leads and supports, its open and overdue
// milestones; one agency's page lists them.

import { get, getAll } from './api.js';
import { h, fill, section, table, title, day, statusBadge, countryLabel, COUNTRIES } from './ui.js';

const PAGE = 50;

export async function renderList(main, _args, query) {
  title('Agencies');
  const agencies = await getAll('/agencies');
  const country = query.get('country') || '';
  const shown = agencies.filter((a) => !country || a.country === country);
  const rows = shown.map((a) =>
    h('tr', { 'data-code': a.code },
      h('th', { scope: 'row' }, h('a', { href: `/agencies/${encodeURIComponent(a.code)}`, text: a.code })),
      h('td', { text: a.name, lang: a.language }),
      h('td', { text: countryLabel(a.country) }),
      h('td', { class: 'num', text: String(a.counts.recommendations_led) }),
      h('td', { class: 'num', text: String(a.counts.recommendations_supported) }),
      h('td', { class: 'num', text: String(a.counts.open_milestones) }),
      h('td', { class: a.counts.overdue_milestones ? 'num alert-text' : 'num', text: String(a.counts.overdue_milestones) }),
    ),
  );
  const choose = h('select', { id: 'agency-country', name: 'country' },
    h('option', { value: '', text: 'All countries' }),
    COUNTRIES.map(([code, name]) => h('option', { value: code, text: name, selected: code === country })));
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter agencies' },
    h('div', { class: 'field' }, h('label', { for: 'agency-country', text: 'Country' }), choose),
    h('div', { class: 'field actions' }, h('button', { type: 'submit', text: 'Apply' })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.location.search = choose.value ? `?country=${choose.value}` : '';
  });
  fill(main,
    h('h1', { text: 'Agencies' }),
    form,
    section('Directory', table('Agencies', ['Code', 'Name', 'Country', 'Leads', 'Supports', 'Open milestones', 'Overdue'], rows, { id: 'agencies' })),
  );
}

function paged(caption, headings, path, params, toRow, empty) {
  const wrap = h('div');
  const more = h('button', { type: 'button', text: 'Show more', hidden: true });
  let cursor = null;
  let body = null;
  const next = async () => {
    const page = await get(path, { ...params, limit: PAGE, cursor });
    cursor = page.next_cursor;
    if (!body) {
      if (!page.items.length) {
        fill(wrap, h('p', { text: empty }));
        return;
      }
      const t = table(caption, headings, page.items.map(toRow));
      body = t.querySelector('tbody');
      fill(wrap, t, more);
    } else {
      body.append(...page.items.map(toRow));
    }
    more.hidden = !cursor;
  };
  more.addEventListener('click', next);
  return { element: wrap, ready: next() };
}

const recRow = (r) =>
  h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: `/recommendations/${r.id}`, text: r.code })),
    h('td', { text: r.title }),
    h('td', {}, statusBadge(r.status)),
    h('td', { text: r.overdue_milestone_count ? `${r.overdue_milestone_count} overdue` : '' }),
  );

export async function renderOne(main, [code]) {
  const agencies = await getAll('/agencies');
  const agency = agencies.find((a) => a.code === code || a.id === code);
  if (!agency) {
    title('Agency not found');
    fill(main, h('h1', { text: 'Agency not found' }), h('p', {}, `No agency has the code ${code}. `, h('a', { href: '/agencies', text: 'All agencies' })));
    return null;
  }
  title(agency.code);
  const led = paged('Recommendations it leads', ['Code', 'Title', 'Status', 'Milestones'], '/recommendations', { lead_agency: agency.id }, recRow, 'It leads none.');
  const all = paged('Recommendations it leads or supports', ['Code', 'Title', 'Status', 'Milestones'], '/recommendations', { agency: agency.id }, recRow, 'None.');
  const milestones = paged('Its open milestones', ['Due', 'Milestone', 'Recommendation', 'State'], '/milestones', { owner_agency: agency.id, status: 'planned,in_progress' }, (m) =>
    h('tr', { class: m.overdue ? 'overdue' : '' },
      h('td', {}, day(m.due_on)),
      h('td', { text: m.title }),
      h('td', {}, h('a', { href: `/recommendations/${m.recommendation_id}`, text: m.recommendation_code })),
      h('td', {}, m.overdue ? h('span', { class: 'badge overdue', text: 'Overdue' }) : m.status.replaceAll('_', ' ')),
    ), 'No open milestones.');
  await Promise.all([led.ready, all.ready, milestones.ready]);
  fill(main,
    h('p', { class: 'crumbs' }, h('a', { href: '/agencies', text: 'Agencies' }), ` / ${agency.code}`),
    h('h1', { text: agency.name, lang: agency.language }),
    h('p', { class: 'muted', text: `${agency.code} · ${countryLabel(agency.country)}` }),
    h('div', { class: 'summary' }, [
      ['recommendations_led', 'leads'], ['recommendations_supported', 'supports'], ['open_milestones', 'open milestones'], ['overdue_milestones', 'overdue'],
    ].map(([key, text]) => h('div', { class: 'figure' }, h('span', { class: 'figure-value', text: String(agency.counts[key]) }), h('span', { text })))),
    section('Open milestones', milestones.element),
    section('Leads', led.element),
    section('Leads or supports', all.element),
  );
  return null;
}
