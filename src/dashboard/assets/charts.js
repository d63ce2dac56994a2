// Charts as plain elements: bars are <div>s sized through the CSSOM (allowed by the CSP,
// unlike style attributes), the trend is SVG. Each chart carries its numbers as text too.

import { h, statusLabel } from './ui.js';

function describe(byStatus) {
  const parts = byStatus.filter((s) => s.count > 0).map((s) => `${s.count} ${statusLabel(s.status).toLowerCase()}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** One horizontal bar split by status; `total` sets the full width (default: its own sum). */
export function stackedBar(byStatus, label, total) {
  const sum = byStatus.reduce((n, s) => n + s.count, 0);
  const width = total || sum || 1;
  const bar = h('div', { class: 'bar', role: 'img', 'aria-label': `${label}: ${describe(byStatus)}` });
  for (const { status, count } of byStatus) {
    if (!count) continue;
    const part = h('span', { class: `seg status-${status}`, title: `${statusLabel(status)}: ${count}` });
    part.style.width = `${(100 * count) / width}%`;
    bar.append(part);
  }
  return bar;
}

/** The colour key with each status's count; `href(status)` links a status to a filtered view. */
export function legend(byStatus, href) {
  return h(
    'ul',
    { class: 'legend' },
    byStatus.map(({ status, count }) => {
      const text = [h('span', { class: `swatch status-${status}`, 'aria-hidden': 'true' }), statusLabel(status), ' ', h('span', { class: 'count', text: String(count) })];
      return h('li', { 'data-status': status }, href && count ? h('a', { href: href(status) }, text) : text);
    }),
  );
}

/** A progress bar (0–100) with its number beside it. */
export function progress(value, label) {
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  const fillBar = h('span', { class: 'progress-fill' });
  fillBar.style.width = `${pct}%`;
  return h(
    'span',
    { class: 'progress' },
    h('span', { class: 'progress-track', role: 'img', 'aria-label': `${label}: ${pct}%` }, fillBar),
    h('span', { class: 'progress-value', text: `${pct}%` }),
  );
}

/** Lines of counts by status over periods (`points` from /stats/series), with an axis. */
export function trendChart(points, statuses) {
  const W = 720;
  const H = 300;
  const pad = { left: 40, right: 12, top: 12, bottom: 40 };
  const innerW = W - pad.left - pad.right;
  const innerH = H - pad.top - pad.bottom;
  const max = Math.max(1, ...points.map((p) => p.total));
  const x = (i) => pad.left + (points.length < 2 ? innerW / 2 : (innerW * i) / (points.length - 1));
  const y = (v) => pad.top + innerH - (innerH * v) / max;
  const svg = h('svg:svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'trend',
    role: 'img',
    'aria-label': `Recommendations by status at the end of each period, ${points.length} periods; the table below has the numbers`,
  });
  const ticks = 4;
  for (let t = 0; t <= ticks; t += 1) {
    const v = Math.round((max * t) / ticks);
    svg.append(h('svg:line', { x1: pad.left, x2: W - pad.right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(h('svg:text', { x: pad.left - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end', text: String(v) }));
  }
  const every = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % every !== 0 && i !== points.length - 1) return;
    svg.append(h('svg:text', { x: x(i), y: H - pad.bottom + 18, class: 'axis', 'text-anchor': 'middle', text: p.period_end.slice(0, 7) }));
  });
  for (const status of statuses) {
    const coords = points.map((p, i) => {
      const count = (p.by_status.find((s) => s.status === status) || { count: 0 }).count;
      return `${x(i).toFixed(1)},${y(count).toFixed(1)}`;
    });
    svg.append(h('svg:polyline', { points: coords.join(' '), class: `line status-${status}` }));
  }
  return svg;
}

