// The gateway's HTTP/JSON API (gateway/README.md), called from the browser
// with the staff API key from sessionStorage in the X-API-Key header.
//
//   const customer = await api.get('/v1/customers/abc');
//   const scores = await api.listAll('/v1/customerScores', 'customerScores', {max: 5000});
//
// Errors reject with ApiError carrying Google's JSON error body: its HTTP
// status, google.rpc status name, message, and the ErrorInfo (reason,
// metadata). A 401 signs the user out (onUnauthorized).
const keyStorage = 'crm.apiKey';

export class ApiError extends Error {
  constructor(httpStatus, body) {
    const error = body?.error || {};
    super(error.message || `HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.status = error.status || '';
    this.details = error.details || [];
    const info = this.details.find((d) => String(d['@type']).endsWith('google.rpc.ErrorInfo'));
    this.reason = info?.reason || '';
    this.metadata = info?.metadata || {};
  }
}

// A 401 answered before the app registered its handler (a call started
// early, prefetch.js) is passed on when it does.
let unauthorizedEarly = false;
let unauthorizedHandler = () => { unauthorizedEarly = true; };

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
  if (unauthorizedEarly) {
    unauthorizedEarly = false;
    handler();
  }
}

export function apiKey() {
  return globalThis.sessionStorage?.getItem(keyStorage) || '';
}

export function signIn(key) {
  sessionStorage.setItem(keyStorage, key);
}

export function signOut() {
  sessionStorage.removeItem(keyStorage);
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    search.append(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function call(method, path, { params, body } = {}) {
  const headers = { Accept: 'application/json', 'X-API-Key': apiKey() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path + query(params), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = null;
  }
  if (!response.ok) {
    if (response.status === 401) unauthorizedHandler();
    throw new ApiError(response.status, json);
  }
  return json;
}

export const api = {
  get: (path, params) => call('GET', path, { params }),
  post: (path, body, params) => call('POST', path, { body, params }),
  // Every item of a paged list (AIP-158), up to `max` items.
  async listAll(path, field, { params = {}, max = 10000, pageSize = 1000 } = {}) {
    const items = [];
    let pageToken = '';
    do {
      const page = await call('GET', path, { params: { ...params, pageSize, pageToken } });
      items.push(...(page[field] || []));
      pageToken = page.nextPageToken || '';
    } while (pageToken && items.length < max);
    return items.slice(0, max);
  },
};

// "customers/abc" -> "abc"
export function resourceId(name) {
  return String(name || '').split('/').pop();
}
