// One report: counts by status, categories × status, progress per category, lead agencies ×
// status, countries, and the recommendation list, all under filters kept in the address.

import { get, getAll, fetchJson, url, download, session } from './api.js';
import { h, fill, section, table, title, day, statusBadge, healthBadge, reportTabs, STATUSES, HEALTHS, COUNTRIES, countryLabel, toast } from './ui.js';
import { stackedBar, legend, progress } from './charts.js';

const FILTERS = ['category', 'status', 'health', 'agency', 'country', 'q'];
const PAGE = 50;

function filtersOf(query) {
  const filters = {};
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

async function load(reportRef, filters) {
  const report = await get(`/reports/${encodeURIComponent(reportRef)}`);
  const scoped = { report: report.id, ...filters };
  const categories = filters.category
    ? report.categories.filter((c) => c.slug === filters.category)
    : report.categories;
  const [stats, perCategory, page] = await Promise.all([
    fetchJson('/stats', scoped),
    Promise.all(categories.map((c) => fetchJson('/stats', { ...scoped, category: c.slug }))),
    fetchJson('/recommendations', { ...scoped, limit: PAGE }),
  ]);
  return {
    changed: [stats, page, ...perCategory].some((r) => r.changed),
    report,
    stats: stats.data,
    perCategory: categories.map((c, i) => ({ category: c, stats: perCategory[i].data })),
    page: page.data,
  };
}

function select(name, label, options, value) {
  const id = `filter-${name}`;
  // A shared link may hold a value the list does not offer (`status=in_progress,stalled`):
  // shown as it is, so the form says what is filtered.
  const choices = value && !options.some(([key]) => key === value) ? [...options, [value, value]] : options;
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    h('select', { id, name },
      h('option', { value: '', text: 'All' }),
      choices.map(([key, text]) => h('option', { value: key, text, selected: key === value }))),
  );
}

function filterForm(report, agencies, filters, apply) {
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter recommendations' },
    h('div', { class: 'field grow' },
      h('label', { for: 'filter-q', text: 'Search' }),
      h('input', { id: 'filter-q', name: 'q', type: 'search', value: filters.q || '', placeholder: 'Words in code, title or text' })),
    select('category', 'Category', report.categories.map((c) => [c.slug, c.name]), filters.category),
    select('status', 'Status', STATUSES, filters.status),
    select('health', 'Health', HEALTHS, filters.health),
    select('agency', 'Agency (lead or supporting)', agencies.map((a) => [a.code, `${a.code} · ${a.name}`]), filters.agency),
    select('country', 'Country', COUNTRIES, filters.country),
    h('div', { class: 'field actions' },
      h('button', { type: 'submit', text: 'Apply' }),
      h('a', { href: `/reports/${encodeURIComponent(report.slug)}`, text: 'Clear' })),
  );
  const submit = (event) => {
    event.preventDefault();
    const next = {};
    for (const [name, value] of new FormData(form)) if (value.trim()) next[name] = value.trim();
    apply(next);
  };
  form.addEventListener('submit', submit);
  form.addEventListener('change', (event) => {
    if (event.target.tagName === 'SELECT') submit(event);
  });
  return form;
}

function recommendationRows(items) {
  return items.map((r) =>
    h('tr', { 'data-code': r.code },
      h('th', { scope: 'row' }, h('a', { href: `/recommendations/${r.id}`, text: r.code })),
      h('td', { text: r.title, lang: r.language }),
      h('td', { text: r.category ? r.category.name : '' }),
      h('td', {}, statusBadge(r.status), ' ', healthBadge(r.health)),
      h('td', { text: r.lead_agency ? r.lead_agency.code : '—' }),
      h('td', {}, progress(r.progress, `Progress of ${r.code}`)),
      h('td', {}, day(r.target_on)),
      h('td', { text: r.overdue_milestone_count ? `${r.overdue_milestone_count} overdue` : '' }),
    ),
  );
}

function listSection(data, filters) {
  const scoped = { report: data.report.id, ...filters };
  const rows = recommendationRows(data.page.items);
  const listTable = table('Recommendations', ['Code', 'Title', 'Category', 'Status', 'Lead', 'Progress', 'Target', 'Milestones'], rows, { id: 'recommendations' });
  const shown = h('p', { class: 'muted', id: 'shown' });
  let cursor = data.page.next_cursor;
  const more = h('button', { type: 'button', text: 'Show more' });
  const count = () => {
    const n = listTable.querySelectorAll('tbody tr').length;
    shown.textContent = `Showing ${n} of ${data.stats.recommendations}`;
    more.hidden = !cursor;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = await get('/recommendations', { ...scoped, limit: PAGE, cursor });
      cursor = page.next_cursor;
      listTable.querySelector('tbody').append(...recommendationRows(page.items));
      count();
    } finally {
      more.disabled = false;
    }
  });
  const csvTarget = url('/recommendations', { ...scoped, format: 'csv' });
  const csv = h('a', { href: csvTarget, download: `${data.report.slug}.csv`, class: 'button-link', text: 'Download CSV' });
  csv.addEventListener('click', (event) => {
    if (!session.token) return;
    event.preventDefault();
    download(csvTarget, `${data.report.slug}.csv`).catch((error) => toast(error.message));
  });
  count();
  return section('Recommendations', h('div', { class: 'list-head' }, shown, csv), listTable, more);
}

function view(main, data, agencies, filters, apply) {
  const { report, stats } = data;
  const base = `/reports/${encodeURIComponent(report.slug)}`;
  const withFilter = (extra) => {
    const query = new URLSearchParams({ ...filters, ...extra });
    return `${base}?${query}`;
  };
  const categoryRows = stats.by_category.map((c) =>
    h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: withFilter({ category: c.category.slug }), text: c.category.name })),
      h('td', { class: 'num', text: String(c.total) }),
      h('td', { class: 'wide' }, stackedBar(c.by_status, c.category.name, Math.max(...stats.by_category.map((x) => x.total), 1))),
    ),
  );
  const progressRows = data.perCategory.map(({ category, stats: s }) =>
    h('tr', { 'data-category': category.slug },
      h('th', { scope: 'row', text: category.name }),
      h('td', {}, progress(s.progress, `Progress of ${category.name}`)),
      h('td', { class: 'num', text: `${s.milestones.done}/${s.milestones.total}` }),
      h('td', { class: 'num', text: String(s.milestones.overdue) }),
    ),
  );
  const leads = [...stats.by_lead_agency].sort((a, b) => b.total - a.total);
  const leadRows = leads.map((l) =>
    h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: withFilter({ agency: l.agency.code }), text: l.agency.code }), h('span', { class: 'muted small', text: ` ${l.agency.name}` })),
      h('td', { class: 'num', text: String(l.total) }),
      h('td', { class: 'wide' }, stackedBar(l.by_status, l.agency.code, Math.max(...leads.map((x) => x.total), 1))),
    ),
  );
  const countryRows = stats.by_country.map((c) =>
    h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: withFilter({ country: c.country }), text: countryLabel(c.country) })),
      h('td', { class: 'num', text: String(c.total) }),
    ),
  );
  const active = Object.keys(filters).length;
  fill(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '/', text: 'Overview' }), ' / ', report.slug),
    h('h1', { text: report.title, lang: report.language }),
    h('p', { class: 'muted', text: [report.publisher, report.published_on].filter(Boolean).join(' · ') }),
    reportTabs(report, 'Summary'),
    filterForm(report, agencies, filters, apply),
    h('div', { class: 'summary', id: 'summary' },
      h('div', { class: 'figure' }, h('span', { class: 'figure-value', 'data-total': String(stats.recommendations), text: String(stats.recommendations) }), h('span', { text: active ? 'recommendations match' : 'recommendations' })),
      h('div', { class: 'figure' }, h('span', { class: 'figure-value', text: `${Math.round(stats.progress)}%` }), h('span', { text: 'progress' })),
      h('div', { class: 'figure' }, h('span', { class: 'figure-value', 'data-overdue': String(stats.milestones.overdue), text: String(stats.milestones.overdue) }), h('span', { text: 'milestones overdue' })),
      h('div', { class: 'figure' }, h('span', { class: 'figure-value', text: String(stats.milestones.due_within_30_days) }), h('span', { text: 'due within 30 days' })),
    ),
    section('By status',
      stackedBar(stats.by_status, 'All matching recommendations'),
      h('div', { id: 'status-legend' }, legend(stats.by_status, (status) => withFilter({ status })))),
    h('div', { class: 'columns' },
      section('Categories by status', table('Categories by status', ['Category', 'Total', 'By status'], categoryRows, { id: 'categories' })),
      section('Progress per category', table('Progress per category', ['Category', 'Progress', 'Milestones done', 'Overdue'], progressRows, { id: 'category-progress' })),
    ),
    h('div', { class: 'columns' },
      section('Lead agencies by status', leadRows.length ? table('Lead agencies by status', ['Lead agency', 'Total', 'By status'], leadRows, { id: 'leads' }) : h('p', { text: 'No lead agencies assigned.' })),
      section('By country', countryRows.length ? table('By country', ['Country', 'Recommendations'], countryRows, { id: 'countries' }) : h('p', { text: 'No agencies assigned.' })),
    ),
    listSection(data, filters),
  );
}

export async function render(main, [reportRef], query) {
  let filters = filtersOf(query);
  const [agencies, first] = await Promise.all([getAll('/agencies'), load(reportRef, filters)]);
  let data = first;
  title(data.report.title);
  const apply = async (next) => {
    const focused = document.activeElement && document.activeElement.id;
    filters = next;
    const search = new URLSearchParams(filters).toString();
    window.history.pushState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}`);
    data = await load(reportRef, filters);
    view(main, data, agencies, filters, apply);
    // The form is drawn anew: keep the keyboard where it was.
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  };
  view(main, data, agencies, filters, apply);
  return {
    refresh: async () => {
      const next = await load(reportRef, filters);
      if (next.changed) {
        data = next;
        view(main, data, agencies, filters, apply);
      }
    },
  };
}
