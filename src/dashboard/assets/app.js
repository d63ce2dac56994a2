// Picks the view the address names, shows who is signed in, and keeps the view fresh:
// every 30 s while the tab is visible it asks again with If-None-Match (304s cost nothing).

import { session, whoAmI, forget, Problem } from './api.js';
import { h, fill, problemBox, title } from './ui.js';
import * as overview from './overview.js';
import * as report from './report.js';
import * as recommendation from './recommendation.js';
import * as agencies from './agencies.js';
import * as timeline from './timeline.js';
import * as trend from './trend.js';
import * as signin from './signin.js';

const ROUTES = [
  [/^\/$/, overview.render],
  [/^\/sign-in$/, signin.render],
  [/^\/agencies$/, agencies.renderList],
  [/^\/agencies\/([^/]+)$/, agencies.renderOne],
  [/^\/reports\/([^/]+)$/, report.render],
  [/^\/reports\/([^/]+)\/timeline$/, timeline.render],
  [/^\/reports\/([^/]+)\/trend$/, trend.render],
  [/^\/recommendations\/([^/]+)$/, recommendation.render],
];
const REFRESH_MS = 30000;

let current = null;

function account() {
  const box = document.getElementById('account');
  if (session.me) {
    fill(
      box,
      h('span', { class: 'who' }, h('span', { class: 'visually-hidden', text: 'Signed in as ' }), session.me.email, ` (${session.me.role})`),
      h('button', {
        type: 'button',
        class: 'link-button',
        text: 'Sign out',
        onclick: () => {
          forget();
          window.location.reload();
        },
      }),
    );
  } else if (window.location.pathname !== '/sign-in') {
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    fill(box, h('a', { href: `/sign-in?next=${next}`, text: 'Sign in' }));
  } else {
    fill(box);
  }
}

export async function show() {
  const main = document.getElementById('main');
  const path = window.location.pathname;
  const match = ROUTES.find(([pattern]) => pattern.test(path));
  main.setAttribute('aria-busy', 'true');
  try {
    if (!match) {
      title('Not found');
      fill(main, h('h1', { text: 'Page not found' }), h('p', {}, h('a', { href: '/', text: 'Back to the overview' })));
      return;
    }
    const args = path.match(match[0]).slice(1).map(decodeURIComponent);
    current = (await match[1](main, args, new URLSearchParams(window.location.search))) || null;
  } catch (error) {
    current = null;
    fill(main, h('h1', { text: 'This page could not be shown' }), explain(error));
  } finally {
    main.setAttribute('aria-busy', 'false');
    performance.mark('pt:rendered');
    document.documentElement.dataset.rendered = 'true';
  }
}

function explain(error) {
  if (error instanceof Problem && error.status === 401) {
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    return problemBox(error, h('p', {}, h('a', { href: `/sign-in?next=${next}`, text: 'Sign in to read this' })));
  }
  if (error instanceof Problem) return problemBox(error);
  return problemBox({ title: 'Error', detail: error.message });
}

async function refresh() {
  if (document.visibilityState !== 'visible' || !current || !current.refresh) return;
  try {
    await current.refresh();
  } catch {
    // A failed refresh keeps what is shown; the next one tries again.
  }
}

async function start() {
  await whoAmI();
  account();
  window.addEventListener('popstate', show);
  await show();
  setInterval(refresh, REFRESH_MS);
}

start();
