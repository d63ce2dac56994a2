// Counts by status at the end of each month (or week), from /stats/series.

import { get, fetchJson } from './api.js';
import { h, fill, section, table, title, reportTabs, statusLabel, STATUSES, isoDay } from './ui.js';
import { trendChart, legend } from './charts.js';

const RANGES = [
  ['12', 'Last 12 months'],
  ['24', 'Last 2 years'],
  ['60', 'Last 5 years'],
];

export async function render(main, [reportRef], initialQuery) {
  const report = await get(`/reports/${encodeURIComponent(reportRef)}`);
  title(`${report.title}: trend`);
  const query = new URLSearchParams(initialQuery);

  async function draw(onlyIfChanged = false) {
    const months = Number(RANGES.find(([m]) => m === query.get('months')) ? query.get('months') : '12');
    const interval = query.get('interval') === 'week' ? 'week' : 'month';
    const now = new Date();
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months + 1, 1));
    const answer = await fetchJson('/stats/series', { report: report.id, from: isoDay(from), to: isoDay(now), interval });
    if (onlyIfChanged && !answer.changed) return;
    const series = answer.data;
    const present = STATUSES.map(([key]) => key).filter((key) => series.points.some((p) => p.by_status.some((s) => s.status === key && s.count > 0)));
    const last = series.points[series.points.length - 1];
    const rangeSelect = h('select', { id: 'trend-range' }, RANGES.map(([m, text]) => h('option', { value: m, text, selected: Number(m) === months })));
    const intervalSelect = h('select', { id: 'trend-interval' },
      h('option', { value: 'month', text: 'Month by month', selected: interval === 'month' }),
      h('option', { value: 'week', text: 'Week by week', selected: interval === 'week' }));
    const change = (id) => {
      query.set('months', rangeSelect.value);
      query.set('interval', intervalSelect.value);
      window.history.replaceState(null, '', `${window.location.pathname}?${query}`);
      draw().then(() => document.getElementById(id).focus());
    };
    rangeSelect.addEventListener('change', () => change('trend-range'));
    intervalSelect.addEventListener('change', () => change('trend-interval'));
    const rows = series.points.map((p) =>
      h('tr', {}, h('th', { scope: 'row', text: p.period_end }), h('td', { class: 'num', text: String(p.total) }),
        present.map((key) => h('td', { class: 'num', text: String((p.by_status.find((s) => s.status === key) || { count: 0 }).count) }))));
    fill(main,
      h('p', { class: 'crumbs' }, h('a', { href: '/', text: 'Overview' }), ' / ', h('a', { href: `/reports/${encodeURIComponent(report.slug)}`, text: report.title }), ' / trend'),
      h('h1', { text: `${report.title}: trend` }),
      reportTabs(report, 'Trend'),
      h('div', { class: 'controls' },
        h('div', { class: 'field' }, h('label', { for: 'trend-range', text: 'Range' }), rangeSelect),
        h('div', { class: 'field' }, h('label', { for: 'trend-interval', text: 'Interval' }), intervalSelect)),
      section('Recommendations by status over time',
        h('div', { class: 'chart-wrap' }, trendChart(series.points, present)),
        last ? legend(last.by_status.filter((s) => present.includes(s.status))) : null,
        h('p', { class: 'muted small', text: 'The legend counts are those at the end of the last period. Each point counts a recommendation by its newest status change effective by the end of that period.' })),
      section('The numbers', table('Counts by status at the end of each period', ['Period end', 'Total', ...present.map(statusLabel)], rows, { id: 'series' })),
    );
  }

  await draw();
  return { refresh: () => draw(true) };
}
