// node --test gateway/web/src/live.test.js  (CTest: dashboard_unit)
// The alert stream's parser, the ticket queue's SLA figures, the role
// capabilities and how the role is found (/v1/whoami; the probes only on a
// gateway without it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sseParser } from './sse.js';
import { countdown, isOpen, queueOrder, slaDue } from './sla.js';
import { can, detectRole, forgetRole, pagesFor } from './role.js';

test('the SSE parser dispatches complete events, across chunks, and drops comments', () => {
  const events = [];
  const parser = sseParser((e) => events.push(e));
  parser.push('retry: 2000\n\n: keep-alive\n\nid: 4\nevent: alert\ndata: {"name":');
  assert.deepEqual(events, []);
  parser.push('"alerts/a"}\n\nid: 5\r\nevent: alert\r\ndata: one\r\ndata: two\r\n\r\n');
  parser.push('data:no space\n\n');
  assert.deepEqual(events, [
    { id: '4', type: 'alert', data: '{"name":"alerts/a"}' },
    { id: '5', type: 'alert', data: 'one\ntwo' },
    // No id line: the last id is kept (the standard's "last event ID").
    { id: '5', type: 'message', data: 'no space' },
  ]);
  assert.equal(parser.lastId(), '5');
});

test('the SSE parser ignores blocks without data', () => {
  const events = [];
  const parser = sseParser((e) => events.push(e));
  parser.push('event: alert\n\nid: 9\n\n');
  assert.deepEqual(events, []);
  assert.equal(parser.lastId(), '9');
});

const now = Date.parse('2026-12-02T12:00:00Z');
const ticket = (state, extra = {}) => ({
  state,
  createTime: '2026-12-01T00:00:00Z',
  firstResponseDeadline: '2026-12-02T15:20:00Z',
  resolutionDeadline: '2026-12-05T12:00:00Z',
  ...extra,
});

test('the deadline that runs: first response until answered, then resolution, none once done', () => {
  assert.equal(slaDue(ticket('NEW')).kind, 'firstResponse');
  assert.equal(slaDue(ticket('IN_PROGRESS', { firstResponseTime: '2026-12-02T01:00:00Z' })).kind, 'resolution');
  assert.equal(slaDue(ticket('RESOLVED')).kind, null);
  assert.equal(isOpen(ticket('CLOSED')), false);
});

test('countdowns in days, hours and minutes, negative when overdue', () => {
  assert.deepEqual(countdown('2026-12-02T15:20:00Z', now), { overdue: false, text: '3h 20m', minutes: 200 });
  assert.deepEqual(countdown('2026-12-05T15:00:00Z', now), { overdue: false, text: '3d 3h', minutes: 4500 });
  assert.deepEqual(countdown('2026-12-02T11:48:00Z', now), { overdue: true, text: '12m', minutes: -12 });
  assert.equal(countdown('', now).text, '–');
});

test('the queue: open tickets first by the running deadline, then the rest newest first', () => {
  const soon = ticket('NEW', { name: 'soon', firstResponseDeadline: '2026-12-02T12:30:00Z' });
  const later = ticket('ACKNOWLEDGED', { name: 'later' });
  const closedOld = ticket('CLOSED', { name: 'closed-old', createTime: '2026-11-01T00:00:00Z' });
  const closedNew = ticket('RESOLVED', { name: 'closed-new', createTime: '2026-11-20T00:00:00Z' });
  assert.deepEqual(queueOrder([closedOld, later, closedNew, soon]).map((x) => x.name),
    ['soon', 'later', 'closed-new', 'closed-old']);
});

test('roles: what each may do here follows the gateway access table', () => {
  assert.ok(can('admin', 'acknowledgeAlert') && can('admin', 'segmentEditor'));
  assert.ok(can('agent', 'acknowledgeAlert') && !can('agent', 'segmentEditor'));
  assert.ok(!can('analyst', 'acknowledgeAlert') && can('analyst', 'segmentEditor'));
  assert.ok(!can('analyst', 'searchContact'));
  assert.deepEqual(pagesFor('service'), []);
  assert.equal(pagesFor('analyst').length, 5);
  assert.ok(!can('', 'acknowledgeAlert'), 'no write action before the role is known');
});

// A fetch answering by path, recording the paths asked for, and a
// sessionStorage, for detectRole().
function fakeBrowser(answers) {
  const asked = [];
  const stored = new Map();
  globalThis.sessionStorage = {
    getItem: (k) => stored.get(k) ?? null,
    setItem: (k, v) => stored.set(k, String(v)),
    removeItem: (k) => stored.delete(k),
  };
  globalThis.fetch = async (url) => {
    const path = String(url).split('?')[0];
    asked.push(path);
    const [status, body] = answers[path] || [500, {}];
    return { ok: status < 400, status, text: async () => JSON.stringify(body) };
  };
  return asked;
}

test('the role comes from /v1/whoami, once per sign-in, without probes', async () => {
  const asked = fakeBrowser({ '/v1/whoami': [200, { role: 'analyst', keyId: 'k1' }] });
  forgetRole();
  assert.equal(await detectRole(), 'analyst');
  assert.equal(await detectRole(), 'analyst');
  assert.deepEqual(asked, ['/v1/whoami']);
});

test('a gateway without /v1/whoami (404): the role from the probes', async () => {
  const asked = fakeBrowser({
    '/v1/whoami': [404, { error: { code: 404, status: 'NOT_FOUND' } }],
    '/v1/customers': [200, { customers: [] }],
    '/v1/accounts/role-probe:verifyLedger': [403, { error: { code: 403 } }],
  });
  forgetRole();
  assert.equal(await detectRole(), 'agent');
  assert.deepEqual(asked, ['/v1/whoami', '/v1/customers', '/v1/accounts/role-probe:verifyLedger']);
});

test('whoami failing otherwise is an error, not a guess', async () => {
  fakeBrowser({ '/v1/whoami': [503, { error: { code: 503, message: 'unavailable' } }] });
  forgetRole();
  await assert.rejects(detectRole(), /unavailable/);
  fakeBrowser({ '/v1/whoami': [200, { role: 'root' }] });
  await assert.rejects(detectRole(), /unknown role "root"/);
});
