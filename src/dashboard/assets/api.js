// The public API, as any client calls it: bearer token from sessionStorage (never a cookie),
// ETags kept per URL so a refresh is a cheap 304, problems turned into `Problem` errors.

const TOKEN_KEY = 'policytrack.token';
const tags = new Map();

export const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,
};

/** An RFC 9457 problem answered by the API. */
export class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.title = body.title || '';
    this.detail = body.detail || '';
    this.errors = body.errors || [];
  }
}

function headers(extra = {}) {
  const h = { Accept: 'application/json', ...extra };
  if (session.token) h.Authorization = `Bearer ${session.token}`;
  return h;
}

async function problem(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = { title: response.statusText };
  }
  if (response.status === 401 && session.token) forget();
  return new Problem(response.status, body);
}

/** `/api/v1` + path + query built from `params` (empty values left out). */
export function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return `/api/v1${path}${text ? `?${text}` : ''}`;
}

/** GET one document; `changed` is false when the server answered 304. */
export async function fetchJson(path, params) {
  const target = url(path, params);
  const held = tags.get(target);
  const response = await fetch(target, {
    headers: headers(held ? { 'If-None-Match': held.etag } : {}),
    cache: 'no-store',
  });
  if (response.status === 304 && held) return { data: held.data, changed: false };
  if (!response.ok) throw await problem(response);
  const data = await response.json();
  const etag = response.headers.get('ETag');
  if (etag) tags.set(target, { etag, data });
  return { data, changed: true };
}

export async function get(path, params) {
  return (await fetchJson(path, params)).data;
}

/** Every item of a list, following `next_cursor` (at most `maxPages` pages). */
export async function getAll(path, params = {}, maxPages = 20) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const body = await get(path, { ...params, limit: 200, cursor });
    items.push(...body.items);
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** A write. `version` becomes `If-Match`, so a change by someone else answers 412. */
export async function send(method, path, body, version) {
  const extra = { 'Content-Type': 'application/json' };
  if (version !== undefined) extra['If-Match'] = `"v${version}"`;
  const response = await fetch(url(path), {
    method,
    headers: headers(extra),
    body: JSON.stringify(body),
    cache: 'no-store',
  });
  if (!response.ok) throw await problem(response);
  return response.status === 204 ? null : response.json();
}

/** A file the API writes (CSV), fetched with the token and handed to the browser to save. */
export async function download(target, filename) {
  const response = await fetch(target, { headers: headers({ Accept: 'text/csv' }) });
  if (!response.ok) throw await problem(response);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

export async function signIn(email, password) {
  const response = await fetch(url('/auth/token'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw await problem(response);
  const token = await response.json();
  session.token = token.access_token;
  sessionStorage.setItem(TOKEN_KEY, session.token);
  tags.clear();
  return whoAmI();
}

/** The signed-in account, or null (also when the token has expired). */
export async function whoAmI() {
  if (!session.token) return null;
  try {
    session.me = await get('/auth/me');
  } catch {
    session.me = null;
  }
  return session.me;
}

export function forget() {
  session.token = null;
  session.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  tags.clear();
}

const WRITERS = ['analyst', 'reviewer', 'admin'];

/** Whether the signed-in account may post check-ins and status changes. */
export function canWrite() {
  return Boolean(session.me && WRITERS.includes(session.me.role));
}
