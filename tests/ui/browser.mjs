// Debian's Chromium through puppeteer-core: every page opened here records console errors,
// uncaught exceptions and any request that leaves this host, and axe-core runs inside it.

import puppeteer from 'puppeteer-core';
import { createRequire } from 'node:module';
import { readFileSync, mkdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE = process.env.BASE_URL;
export const OUT = process.env.UI_OUT || 'target/ui';
mkdirSync(OUT, { recursive: true });

/** Debian's Chromium (default) or Firefox ESR, headless. */
export async function launch(kind = 'chromium') {
  if (kind === 'firefox') {
    return puppeteer.launch({ browser: 'firefox', executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr', headless: true });
  }
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      // Any other host fails to resolve, so a stray request shows up as a failure too.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

/** A new tab at `width` px that keeps what went wrong in `problems`. */
export async function open(browser, width = 1440) {
  const page = await browser.newPage();
  await page.setViewport({ width, height: width < 600 ? 800 : 1000 });
  const problems = { console: [], foreign: [], responses: [] };
  const host = new URL(BASE).host;
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.console.push(msg.text());
  });
  page.on('pageerror', (error) => problems.console.push(String(error)));
  page.on('request', (request) => {
    const target = new URL(request.url());
    if (!['data:', 'blob:'].includes(target.protocol) && target.host !== host) problems.foreign.push(request.url());
  });
  page.on('response', (response) => problems.responses.push({ url: response.url(), status: response.status(), request: response.request() }));
  return { page, problems };
}

/** Loads `path` and waits until the view says it has rendered. */
export async function visit(tab, path) {
  await tab.page.goto(`${BASE}${path}`, { waitUntil: 'load' });
  await tab.page.waitForSelector('html[data-rendered="true"]', { timeout: 20000 });
}

/** axe-core's serious and critical violations on the current page. */
export async function seriousViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ['violations'] });
    return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** JSON from the API, as the tests' own independent client. */
export async function api(path, { token, method = 'GET', body, headers = {} } = {}) {
  const response = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, etag: response.headers.get('etag') };
}

export async function token(email, password) {
  const answer = await api('/auth/token', { method: 'POST', body: { email, password } });
  if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status}`);
  return answer.body.access_token;
}
