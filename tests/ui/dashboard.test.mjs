// The dashboard against a live policytrack with the demo data (scripts/ui-test starts it):
// every page at 375 and 1440 px with no console error, no request to another host, no
// serious axe violation and a screenshot; the numbers equal /stats; the timeline's events and
// filters; signing in, a check-in, a 412 when someone else changed the recommendation first,
// and a 422's detail on the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, visit, seriousViolations, api, token, OUT } from './browser.mjs';

const PASSWORD = process.env.UI_PASSWORD;
let browser;
let report;
let recommendation;

before(async () => {
  browser = await launch();
  report = (await api('/reports')).body.items[0];
  recommendation = (await api(`/recommendations?report=${report.id}&status=in_progress&limit=1`)).body.items[0];
});

after(async () => {
  await browser?.close();
});

function pages() {
  const base = `/reports/${report.slug}`;
  return [
    ['overview', '/'],
    ['report', base],
    ['report-filtered', `${base}?category=political&status=in_progress`],
    ['recommendation', `/recommendations/${recommendation.id}`],
    ['agencies', '/agencies'],
    ['agency', `/agencies/${recommendation.lead_agency.code}`],
    ['timeline', `${base}/timeline`],
    ['trend', `${base}/trend`],
    ['sign-in', '/sign-in'],
  ];
}

async function tour(within, suffix) {
  for (const width of [375, 1440]) {
    for (const [name, path] of pages()) {
      const tab = await open(within, width);
      await visit(tab, path);
      const heading = await tab.page.$eval('h1', (el) => el.textContent);
      assert.ok(heading && !/could not be shown|not found/i.test(heading), `${name} at ${width}: ${heading}`);
      assert.deepEqual(tab.problems.console, [], `${name} at ${width}: console errors`);
      assert.deepEqual(tab.problems.foreign, [], `${name} at ${width}: requests to other hosts`);
      const overflow = await tab.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${name} at ${width}: the page is ${overflow}px wider than the window`);
      assert.deepEqual(await seriousViolations(tab.page), [], `${name} at ${width}: axe`);
      await tab.page.screenshot({ path: `${OUT}/${name}-${width}${suffix}.png`, fullPage: true });
      await tab.page.close();
    }
  }
}

test('every page loads at 375 and 1440 px: no console error, no other host, no serious axe violation', async () => {
  await tour(browser, '');
});

test('the same in Firefox ESR, where a check-in also works', async () => {
  const firefox = await launch('firefox');
  try {
    await tour(firefox, '-firefox');
    const tab = await open(firefox);
    const path = `/recommendations/${recommendation.id}`;
    await signIn(tab, path);
    const note = `Check-in from Firefox ${Date.now()}`;
    await tab.page.type('#check-in-note', note);
    await tab.page.click('#check-in-form button[type=submit]');
    await tab.page.waitForFunction((n) => document.querySelector('#activity').textContent.includes(n), {}, note);
    const stored = (await api(`/recommendations/${recommendation.id}/check-ins`)).body.items;
    assert.ok(stored.some((c) => c.note === note));
  } finally {
    await firefox.close();
  }
});

test('pages carry a Content-Security-Policy of default-src self and load nothing inline', async () => {
  const tab = await open(browser);
  const response = await tab.page.goto(`${process.env.BASE_URL}/`, { waitUntil: 'load' });
  assert.match(response.headers()['content-security-policy'], /^default-src 'self'/);
  await tab.page.waitForSelector('html[data-rendered="true"]');
  assert.deepEqual(tab.problems.console, []);
  await tab.page.close();
});

const counts = (page, selector) =>
  page.$$eval(selector, (items) =>
    Object.fromEntries(items.map((li) => [li.dataset.status, Number(li.querySelector('.count').textContent)])));
const byStatus = (stats) => Object.fromEntries(stats.by_status.map((s) => [s.status, s.count]));

test('the report page shows the numbers /stats gives, with and without filters', async () => {
  const tab = await open(browser);
  for (const query of ['', '?category=political', '?status=in_progress,stalled&country=KR', '?q=space&health=on_track']) {
    await visit(tab, `/reports/${report.slug}${query}`);
    const params = new URLSearchParams(query);
    params.set('report', report.id);
    const stats = (await api(`/stats?${params}`)).body;
    assert.deepEqual(await counts(tab.page, '#status-legend li[data-status]'), byStatus(stats), `by status for ${query}`);
    assert.equal(Number(await tab.page.$eval('[data-total]', (el) => el.dataset.total)), stats.recommendations);
    const categoryTotals = await tab.page.$$eval('#categories tbody tr', (rows) =>
      rows.map((r) => [r.querySelector('th').textContent, Number(r.querySelector('td.num').textContent)]));
    assert.deepEqual(categoryTotals, stats.by_category.map((c) => [c.category.name, c.total]), `categories for ${query}`);
    const rows = await tab.page.$$eval('#recommendations tbody tr', (r) => r.length);
    assert.equal(rows, Math.min(50, stats.recommendations), `list rows for ${query}`);
    for (const [name, value] of new URLSearchParams(query)) {
      assert.equal(await tab.page.$eval(`#filter-${name}`, (el) => el.value), value, `the form shows ${name}`);
    }
  }
  // The overview's cards count the same.
  await visit(tab, '/');
  const card = `[data-report="${report.slug}"] li[data-status]`;
  assert.deepEqual(await counts(tab.page, card), byStatus((await api(`/stats?report=${report.id}`)).body));
  await tab.page.close();
});

test('filters live in the address, and asking again is a conditional request answered 304', async () => {
  const tab = await open(browser);
  await visit(tab, `/reports/${report.slug}`);
  await tab.page.select('#filter-category', 'defense');
  await tab.page.waitForFunction(() => window.location.search.includes('category=defense'));
  await tab.page.waitForFunction(() => [...document.querySelectorAll('#recommendations tbody th')].every((th) => th.textContent.startsWith('DEF-')));
  await tab.page.select('#filter-category', '');
  await tab.page.waitForFunction(() => !window.location.search.includes('category='));
  await tab.page.waitForFunction(() => document.querySelectorAll('#recommendations tbody tr').length === 15);
  const revalidated = tab.problems.responses.filter((r) => r.url.includes('/api/v1/stats?') && r.status === 304);
  assert.ok(revalidated.length > 0, 'the second read of /stats was a 304');
  assert.ok(revalidated.every((r) => r.request.headers()['if-none-match']));
  // A shared link opens the same view.
  await visit(tab, `/reports/${report.slug}?category=defense`);
  assert.equal(await tab.page.$eval('#filter-category', (el) => el.value), 'defense');
  await tab.page.close();
});

test('the timeline shows the demo data\'s events, and filters and the keyboard change them', async () => {
  const tab = await open(browser);
  await visit(tab, `/reports/${report.slug}/timeline`);
  const kinds = await tab.page.$$eval('#events li', (items) => items.map((li) => li.dataset.kind));
  for (const kind of ['status_change', 'milestone_due', 'milestone_completed']) assert.ok(kinds.includes(kind), `shows ${kind}`);
  const today = new Date();
  const from = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 6, 1)).toISOString().slice(0, 10);
  const to = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 6, 0)).toISOString().slice(0, 10);
  const expected = (await api(`/timeline?report=${report.id}&from=${from}&to=${to}&limit=200`)).body.items.length;
  assert.equal(kinds.length, Math.min(expected, 100));
  assert.ok(await tab.page.$$eval('.marker', (m) => m.length) > 0, 'markers on the axis');

  await tab.page.click('#kind-status_change');
  await tab.page.waitForFunction(() => ![...document.querySelectorAll('#events li')].some((li) => li.dataset.kind === 'status_change'));
  assert.ok(await tab.page.$$eval('#events li', (items) => items.length) > 0);
  await tab.page.select('#timeline-category', 'defense');
  await tab.page.waitForFunction(() => [...document.querySelectorAll('#events li a')].every((a) => a.textContent.startsWith('DEF-')));
  const codes = await tab.page.$$eval('#events li a', (links) => links.map((a) => a.textContent));
  assert.ok(codes.length > 0 && codes.every((c) => c.startsWith('DEF-')), codes.join(','));

  // Each event links to its recommendation.
  const href = await tab.page.$eval('#events li a', (a) => a.getAttribute('href'));
  assert.match(href, /^\/recommendations\/[0-9a-f-]{36}$/);

  // Keyboard alone: the track moves with the arrows and zooms with + and -.
  const before = await tab.page.$eval('#window', (el) => el.textContent);
  await tab.page.focus('#track-area');
  await tab.page.keyboard.press('ArrowRight');
  await tab.page.waitForFunction((b) => document.querySelector('#window').textContent !== b, {}, before);
  await tab.page.keyboard.press('-');
  await tab.page.waitForFunction(() => document.querySelector('#zoom-years').getAttribute('aria-pressed') === 'true');
  assert.equal(await tab.page.evaluate(() => document.activeElement.id), 'track-area');
  await tab.page.keyboard.press('+');
  await tab.page.keyboard.press('+');
  await tab.page.waitForFunction(() => document.querySelector('#zoom-quarter').getAttribute('aria-pressed') === 'true');
  await tab.page.close();
});

/** Presses Tab until `predicate` holds for the focused element (at most `limit` times). */
async function tabTo(page, predicate, limit = 80) {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return true;
  }
  return false;
}

test('the keyboard alone filters the report and follows a recommendation', async () => {
  const tab = await open(browser);
  await visit(tab, `/reports/${report.slug}`);
  await tab.page.keyboard.press('Tab');
  assert.equal(await tab.page.evaluate(() => document.activeElement.className), 'skip', 'the skip link comes first');
  assert.ok(await tabTo(tab.page, () => document.activeElement.id === 'filter-status'), 'Tab reaches the status filter');
  await tab.page.keyboard.press('ArrowDown');
  await tab.page.waitForFunction(() => new URLSearchParams(window.location.search).has('status'));
  await tab.page.waitForFunction(() => document.activeElement.id === 'filter-status');
  const status = new URL(tab.page.url()).searchParams.get('status');
  const expected = (await api(`/stats?report=${report.id}&status=${status}`)).body.recommendations;
  await tab.page.waitForFunction((n) => document.querySelectorAll('#recommendations tbody tr').length === n, {}, expected);
  if (expected > 0) {
    assert.ok(await tabTo(tab.page, () => document.activeElement.closest('#recommendations') && document.activeElement.tagName === 'A'));
    await Promise.all([tab.page.waitForNavigation(), tab.page.keyboard.press('Enter')]);
    assert.match(new URL(tab.page.url()).pathname, /^\/recommendations\//);
  }
  await tab.page.close();
});

async function signIn(tab, next, email = 'analyst@example.org') {
  await visit(tab, `/sign-in?next=${encodeURIComponent(next)}`);
  await tab.page.type('#email', email);
  await tab.page.type('#password', PASSWORD);
  await Promise.all([tab.page.waitForNavigation(), tab.page.keyboard.press('Enter')]);
  await tab.page.waitForSelector('html[data-rendered="true"]');
}

test('an analyst signs in with the keyboard and posts a check-in that appears in the history', async () => {
  const tab = await open(browser);
  const path = `/recommendations/${recommendation.id}`;
  await signIn(tab, path);
  assert.equal(new URL(tab.page.url()).pathname, path);
  assert.match(await tab.page.$eval('#account', (el) => el.textContent), /analyst@example\.org/);
  assert.equal(await tab.page.evaluate(() => document.cookie), '', 'no cookie holds the token');
  const note = `Check-in from the dashboard test ${Date.now()}`;
  await tab.page.type('#check-in-note', note);
  await tab.page.select('#check-in-health', 'at_risk');
  await tab.page.click('#check-in-form button[type=submit]');
  await tab.page.waitForFunction((n) => document.querySelector('#activity').textContent.includes(n), {}, note);
  const stored = (await api(`/recommendations/${recommendation.id}/check-ins`)).body.items;
  assert.ok(stored.some((c) => c.note === note && c.health === 'at_risk' && c.actor === 'analyst@example.org'));
  await tab.page.close();
});

test('a change by someone else first gives the 412 message and writes nothing; reload and send works', async () => {
  const tab = await open(browser);
  const path = `/recommendations/${recommendation.id}`;
  await signIn(tab, path);
  const note = `Written over a stale version ${Date.now()}`;
  await tab.page.type('#check-in-note', note);
  // Another client checks in first.
  const other = await token('analyst@example.org', PASSWORD);
  const current = await api(`/recommendations/${recommendation.id}`);
  const first = await api(`/recommendations/${recommendation.id}/check-ins`, {
    token: other, method: 'POST', body: { note: 'Someone else got there first' }, headers: { 'If-Match': current.etag.replace(/^W\//, '') },
  });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  await tab.page.click('#check-in-form button[type=submit]');
  await tab.page.waitForFunction(() => document.querySelector('.outcome [role=alert]')?.textContent.includes('changed by someone else since you opened it'));
  const afterRefusal = (await api(`/recommendations/${recommendation.id}/check-ins`)).body.items;
  assert.ok(!afterRefusal.some((c) => c.note === note), 'the refused check-in was not written');
  assert.equal(await tab.page.$eval('#check-in-note', (el) => el.value), note, 'the text is kept');
  await tab.page.click('.outcome button');
  await tab.page.waitForFunction(() => document.querySelector('#activity').textContent.includes('Someone else got there first'));
  await tab.page.click('#check-in-form button[type=submit]');
  await tab.page.waitForFunction((n) => document.querySelector('#activity').textContent.includes(n), {}, note);
  await tab.page.close();
});

test('a refused status change shows the problem and its field errors, and changes nothing', async () => {
  const tab = await open(browser);
  const path = `/recommendations/${recommendation.id}`;
  await signIn(tab, path);
  const before = (await api(`/recommendations/${recommendation.id}`)).body;
  await tab.page.select('#status-to', 'implemented');
  await tab.page.type('#status-note', 'Done, but no evidence attached');
  await tab.page.click('#status-form button[type=submit]');
  await tab.page.waitForSelector('.outcome [role=alert] li');
  const text = await tab.page.$eval('.outcome [role=alert]', (el) => el.textContent);
  assert.match(text, /evidence_urls/);
  const afterwards = (await api(`/recommendations/${recommendation.id}`)).body;
  assert.equal(afterwards.status, before.status);
  assert.equal(afterwards.version, before.version);
  await tab.page.close();
});

test('an analyst outside the recommendation\'s agencies gets the 403 on the page, and nothing is written', async () => {
  const tab = await open(browser);
  const path = `/recommendations/${recommendation.id}`;
  await signIn(tab, path, 'kasa@example.org');
  const before = (await api(`/recommendations/${recommendation.id}/check-ins`)).body.items.length;
  await tab.page.type('#check-in-note', 'Not ours to report on');
  await tab.page.click('#check-in-form button[type=submit]');
  await tab.page.waitForSelector('.outcome [role=alert]');
  const text = await tab.page.$eval('.outcome [role=alert]', (el) => el.textContent);
  assert.match(text, /Forbidden/);
  assert.equal((await api(`/recommendations/${recommendation.id}/check-ins`)).body.items.length, before);
  await tab.page.close();
});

test('reading needs no sign-in and shows no forms; a viewer gets none either', async () => {
  const tab = await open(browser);
  await visit(tab, `/recommendations/${recommendation.id}`);
  assert.equal(await tab.page.$('#check-in-form'), null);
  assert.match(await tab.page.$eval('main', (el) => el.textContent), /Sign in to post a check-in/);
  await signIn(tab, `/recommendations/${recommendation.id}`, 'viewer@example.org');
  assert.equal(await tab.page.$('#check-in-form'), null);
  assert.match(await tab.page.$eval('main', (el) => el.textContent), /Your role \(viewer\) reads only/);
  await tab.page.close();
});

test('pages follow the browser\'s language for the data: Korean names and titles, marked with lang', async () => {
  const tab = await open(browser);
  await tab.page.setExtraHTTPHeaders({ 'Accept-Language': 'ko-KR,ko;q=0.9,en;q=0.8' });
  await visit(tab, '/agencies');
  const kasa = await tab.page.$eval('tr[data-code="KR-KASA"] td[lang]', (el) => [el.textContent, el.lang]);
  assert.deepEqual(kasa, ['우주항공청', 'ko']);
  const english = await tab.page.$eval('tr[data-code="US-DOS"] td[lang]', (el) => el.lang);
  assert.equal(english, 'en', 'an agency without a Korean name keeps its English one, marked en');
  await visit(tab, '/agencies/KR-KASA');
  assert.equal(await tab.page.$eval('h1', (el) => el.textContent), '우주항공청');

  // A machine-made Korean translation is shown to a Korean reader, and said to be one.
  const admin = await token('admin@example.org', PASSWORD);
  const current = await api(`/recommendations/${recommendation.id}`);
  const put = await api(`/recommendations/${recommendation.id}/translations/ko`, {
    token: admin, method: 'PUT', headers: { 'If-Match': current.etag },
    body: { title: '우주 협력 강화', text: '양국은 우주 협력을 강화한다.', machine_translated: true },
  });
  assert.equal(put.status, 201);
  await visit(tab, `/recommendations/${recommendation.id}`);
  assert.deepEqual(await tab.page.$eval('h1 span[lang]', (el) => [el.textContent, el.lang]), ['우주 협력 강화', 'ko']);
  assert.equal(await tab.page.$eval('#translated', (el) => el.textContent), 'Machine translation from English');
  assert.deepEqual(tab.problems.console, []);
  await tab.page.close();
  const after = await api(`/recommendations/${recommendation.id}`);
  await api(`/recommendations/${recommendation.id}/translations/ko`, { token: admin, method: 'DELETE', headers: { 'If-Match': after.etag } });
});
