// Every report with its progress and counts by status, overdue milestones, latest changes.

import { get, getAll, fetchJson } from './api.js';
import { h, fill, section, table, title, day, instant, statusBadge } from './ui.js';
import { stackedBar, legend, progress } from './charts.js';

async function load() {
  const reports = await getAll('/reports');
  const [all, perReport, overdue, latest] = await Promise.all([
    fetchJson('/stats'),
    Promise.all(reports.map((r) => fetchJson('/stats', { report: r.id }))),
    fetchJson('/milestones', { overdue: 'true', limit: 10 }),
    fetchJson('/recommendations', { sort: '-updated_at', limit: 10 }),
  ]);
  const responses = [all, overdue, latest, ...perReport];
  return {
    changed: responses.some((r) => r.changed),
    reports,
    all: all.data,
    stats: perReport.map((r) => r.data),
    overdue: overdue.data.items,
    latest: latest.data.items,
  };
}

function view(main, data) {
  const slugOf = Object.fromEntries(data.reports.map((r) => [r.id, r.slug]));
  const reportCards = data.reports.map((report, i) => {
    const stats = data.stats[i];
    const href = `/reports/${encodeURIComponent(report.slug)}`;
    return h(
      'article',
      { class: 'report-card', 'data-report': report.slug },
      h('h3', {}, h('a', { href, text: report.title, lang: report.language })),
      h('p', { class: 'muted', text: [report.publisher, `${stats.recommendations} recommendations`].filter(Boolean).join(' · ') }),
      progress(stats.progress, `Progress of ${report.title}`),
      stackedBar(stats.by_status, `${report.title} by status`),
      legend(stats.by_status, (status) => `${href}?status=${status}`),
      h('p', { class: 'muted' }, `Milestones: ${stats.milestones.done} of ${stats.milestones.total} done, `,
        h('strong', { text: `${stats.milestones.overdue} overdue` })),
    );
  });
  const overdueRows = data.overdue.map((m) =>
    h('tr', {},
      h('td', {}, day(m.due_on)),
      h('td', {}, h('a', { href: `/recommendations/${m.recommendation_id}`, text: m.recommendation_code })),
      h('td', { text: m.title }),
      h('td', { text: m.owner_agency_code || '—' }),
    ),
  );
  const latestRows = data.latest.map((r) =>
    h('tr', {},
      h('td', {}, instant(r.updated_at)),
      h('td', {}, h('a', { href: `/recommendations/${r.id}`, text: r.code })),
      h('td', { text: r.title }),
      h('td', {}, statusBadge(r.status)),
      h('td', { text: slugOf[r.report_id] || '' }),
    ),
  );
  fill(
    main,
    h('h1', { text: 'Overview' }),
    h('p', { class: 'lead' }, `${data.all.recommendations} recommendations in ${data.reports.length} report${data.reports.length === 1 ? '' : 's'}, `,
      `${Math.round(data.all.progress)}% progress, ${data.all.milestones.overdue} milestones overdue.`),
    section('Reports', data.reports.length ? h('div', { class: 'report-grid' }, reportCards) : h('p', { text: 'No reports yet.' })),
    h('div', { class: 'columns' },
      section('Overdue milestones',
        overdueRows.length
          ? table('Overdue milestones', ['Due', 'Recommendation', 'Milestone', 'Owner'], overdueRows)
          : h('p', { text: 'Nothing is overdue.' })),
      section('Latest changes',
        latestRows.length
          ? table('Latest changes', ['Changed', 'Code', 'Title', 'Status', 'Report'], latestRows)
          : h('p', { text: 'No recommendations yet.' })),
    ),
  );
}

export async function render(main) {
  title('Overview');
  view(main, await load());
  return {
    refresh: async () => {
      const data = await load();
      if (data.changed) view(main, data);
    },
  };
}
