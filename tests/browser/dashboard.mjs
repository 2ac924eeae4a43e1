// Checks the dashboard the gateway serves at / in Chromium (Debian's,
// driven by playwright-core): sign-in, every page, the charts and the
// numbers behind them against the API (customer growth, channel mix, points
// liability and expiry, tier distribution, segment size trends too), a
// customer search that leads to the customer page (its tier progress,
// coupons, lifecycle history, latest NPS and timeline against the 360 view),
// a broken segment rule shown with a caret at the column the
// service reports, the journeys panel (every journey listed, the demo order
// journey's funnel against GET /v1/journeys/{id}/funnel), a rule preview's count (where the API offers
// /v1/segments:preview), a segment's member list, the survey picker, the
// campaigns' budget use and the ticket queue's
// SLA countdowns against the API, the caller's role from /v1/whoami (an admin; an analyst
// sees masked data and no acknowledge button; an agent no segment editor),
// the live alert panel (an
// alert raised through the API appears within a few seconds and is
// acknowledged), the language switch, keyboard navigation, and no console
// error, exception, failed request or unexpected 4xx/5xx anywhere. Saves a
// screenshot of every page and prints the first-load timings.
//
//   node tests/browser/dashboard.mjs < target.json
//
// The target is one JSON line on stdin (written by dashboard_test.py once
// the suite is loaded; the browser starts before that):
//   {"baseUrl", "apiKey", "analystKey", "agentKey", "email", "customer", "survey",
//    "couponCustomer", "screenshots"}
// Exits 0 when every check holds; otherwise prints what failed and exits 1.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const chromiumPath = process.env.CRM_CHROMIUM || '/usr/bin/chromium';
const stepTimeoutMs = 20000;
// The first load (navigation start → every Overview chart drawn, cold
// cache) must stay under this; the figure itself is printed. Generous
// because `make test` runs sanitized binaries next to other tests.
const firstLoadLimitMs = Number(process.env.CRM_DASHBOARD_FIRST_LOAD_LIMIT_MS || 5000);

const problems = [];
// The dashboard's role probes (gateway/web/src/role.js) answer 4xx by
// design: 403 for what the role may not call, 404 for the admin's probe of
// an account that does not exist.
// They are only sent by a gateway without /v1/whoami (whoamiMissing), whose
// 404 is then expected too.
const roleProbes = ['probe%40example.invalid', 'role-probe:verifyLedger'];
let whoamiMissing = false;
const probesSent = [];
// The alert stream stays open while a page lives: closing or reloading the
// page aborts it.
const streamUrls = ['/v1/alerts:stream', '/v1/alerts:watch'];
// A gateway without /v1/alerts:stream (the panel then falls back to
// /v1/alerts:watch): its 404s are expected.
let streamMissing = false;
// Responses a step provokes on purpose (a refused segment rule): a status
// and a URL part; each is allowed once, with the console line it causes.
const expectedErrors = [];

async function readTarget() {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return JSON.parse(line);
  }
  throw new Error('expected the target as one JSON line on stdin');
}

function watch(page) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const location = message.location()?.url || '';
    if (roleProbes.some((p) => location.includes(p)) ||
        (whoamiMissing && location.includes('/v1/whoami')) ||
        (streamMissing && location.includes('/v1/alerts:stream'))) return;
    const expected = expectedErrors.find((e) => !e.consoleSeen && message.text().includes(`${e.status}`));
    if (expected) {
      expected.consoleSeen = true;
      return;
    }
    problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('requestfailed', (request) => {
    if (streamUrls.some((u) => request.url().includes(u)) &&
        request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('request', (request) => {
    if (roleProbes.some((p) => request.url().includes(p))) probesSent.push(request.url());
  });
  page.on('response', (response) => {
    if (response.status() < 400) return;
    if (whoamiMissing && response.status() === 404 && response.url().includes('/v1/whoami')) return;
    if (roleProbes.some((p) => response.url().includes(p)) && [403, 404].includes(response.status())) return;
    if (streamMissing && response.status() === 404 && response.url().includes('/v1/alerts:stream')) return;
    const expected = expectedErrors.find((e) => !e.responseSeen && e.status === response.status() &&
      response.url().includes(e.urlPart));
    if (expected) {
      expected.responseSeen = true;
      return;
    }
    problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
}

// The API, called from here with the same key, for the expected numbers.
function apiClient(baseUrl, apiKey) {
  const get = async (path) => {
    const response = await fetch(baseUrl + path, { headers: { 'X-API-Key': apiKey } });
    assert.equal(response.status, 200, `GET ${path}`);
    return response.json();
  };
  return {
    get,
    async listAll(path, field) {
      const items = [];
      let token = '';
      do {
        const separator = path.includes('?') ? '&' : '?';
        const page = await get(`${path}${separator}pageSize=1000&pageToken=${encodeURIComponent(token)}`);
        items.push(...(page[field] || []));
        token = page.nextPageToken || '';
      } while (token);
      return items;
    },
    async post(path, body) {
      const response = await fetch(baseUrl + path, {
        method: 'POST',
        headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
  };
}

function counts(items, keyOf, keys) {
  const result = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const item of items) {
    const key = keyOf(item);
    if (key in result) result[key] += 1;
  }
  return result;
}

async function chartData(page, id) {
  const chart = page.locator(`#${id}`);
  await chart.locator('svg path').first().waitFor({ state: 'attached' });
  return JSON.parse(await chart.getAttribute('data-chart'));
}

// Drawn marks (paths) in a chart's SVG.
async function drawnMarks(page, id) {
  return page.locator(`#${id} svg path`).count();
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
// int64 fields arrive as strings (proto JSON); a missing one is 0.
const int = (value) => Number(value ?? 0);
const month = (timestamp) => new Date(timestamp).toISOString().slice(0, 7);
const byTime = (field) => (a, b) => String(a[field]).localeCompare(String(b[field]));

// What the Overview's and Loyalty's statistics charts must hold, from the
// API's answers.
function expectedGrowth(statistics) {
  const months = [...(statistics.monthlyGrowth || [])].sort(byTime('monthStartTime'));
  return {
    months: months.map((m) => month(m.monthStartTime)),
    newCustomers: months.map((m) => int(m.newCustomers)),
    customerCount: months.map((m) => int(m.customerCount)),
  };
}

function expectedChannels(statistics) {
  const totals = {};
  for (const c of statistics.channels || []) totals[c.channel || ''] = (totals[c.channel || ''] || 0) + int(c.customerCount);
  return totals;
}

function expectedExpiry(statistics) {
  const months = [...(statistics.expiringPoints || [])].sort(byTime('monthStartTime'));
  return { months: months.map((m) => month(m.monthStartTime)), points: months.map((m) => int(m.points)) };
}

function expectedTiers(statistics, program) {
  const tiers = {};
  for (const t of statistics.tierMembers || []) tiers[t.tierId || ''] = (tiers[t.tierId || ''] || 0) + int(t.memberCount);
  for (const t of program.tiers || []) tiers[t.tierId] = tiers[t.tierId] || 0;
  return tiers;
}

// The funnel chart's numbers (gateway/web/src/journeys.js funnelChartData)
// from the API's JourneyFunnel.
function expectedFunnel(funnel) {
  const data = {
    triggered: int(funnel.triggeredCount),
    scheduled: int(funnel.scheduledCount),
    completed: int(funnel.completedCount),
  };
  const skips = (funnel.skippedByReason || []).filter((s) => int(s.runCount) > 0)
    .sort((a, b) => int(b.runCount) - int(a.runCount) || String(a.reason).localeCompare(String(b.reason)));
  for (const s of skips) data[`skipped:${s.reason}`] = int(s.runCount);
  data.members = int(funnel.memberCount);
  return data;
}

// The journeys panel of the Loyalty page (already open): the list against
// GET /v1/journeys, then the demo order journey ("Thank you", triggered by
// the demo orders) selected and its funnel chart and figures against its
// funnel. The feed consumers and the journey job may still add runs, so a
// difference is read again (another journey picked, then this one) before
// it counts.
async function checkJourneys(page, api) {
  const journeys = await api.listAll('/v1/journeys', 'journeys');
  assert.ok(journeys.length > 0, 'the demo set has journeys');
  await page.locator('#journey-list').waitFor();
  assert.equal(await page.locator('#journey-list tbody tr').count(), journeys.length, 'journeys listed');
  for (const journey of journeys) {
    const row = page.locator(`#journey-list tr[data-journey="${journey.name}"]`);
    const text = await row.innerText();
    assert.ok(text.includes(journey.displayName), `journey ${journey.name} named`);
    assert.ok(!/[A-Z]{2,}_[A-Z]/.test(text), `trigger, action and state in words: ${text}`);
  }
  const demo = journeys.find((j) => j.trigger?.kind === 'ORDER_RECORDED' && /^Thank you/.test(j.displayName || ''))
    || journeys.find((j) => j.trigger?.kind === 'ORDER_RECORDED') || journeys[0];
  let shown = null;
  let expected = null;
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const other = journeys.find((j) => j.name !== demo.name);
    if (attempt > 0 && other) {
      // Another journey, then the demo one again: its funnel is read anew.
      await page.locator(`#journey-list tr[data-journey="${other.name}"] button`).click();
      await page.locator(`#journey-funnel[data-journey="${other.name}"] #chart-journey-funnel`).waitFor();
    }
    await page.locator(`#journey-list tr[data-journey="${demo.name}"] button`).click();
    await page.locator(`#journey-funnel[data-journey="${demo.name}"] #chart-journey-funnel svg path`).first()
      .waitFor({ state: 'attached' });
    shown = await chartData(page, 'chart-journey-funnel');
    expected = expectedFunnel(await api.get(`/v1/${demo.name}/funnel`));
    if (JSON.stringify(shown) === JSON.stringify(expected)) break;
    await page.waitForTimeout(1000);
  }
  assert.deepEqual(shown, expected, `funnel of ${demo.displayName}`);
  assert.ok(expected.triggered > 0, `the demo orders triggered ${demo.displayName}`);
  assert.equal(expected.triggered, expected.scheduled + expected.completed
    + Object.entries(expected).filter(([k]) => k.startsWith('skipped:')).reduce((a, [, v]) => a + v, 0),
    'every run scheduled, completed or skipped');
  const figures = page.locator('#journey-funnel-figures');
  const number = new Intl.NumberFormat('zh-CN');
  for (const figure of ['triggered', 'completed', 'members']) {
    assert.equal(await figures.locator(`dd[data-figure="${figure}"]`).innerText(), number.format(expected[figure]),
      `funnel figure ${figure}`);
  }
  assert.ok(await drawnMarks(page, 'chart-journey-funnel') > 0, 'funnel chart drawn');
  console.log(`dashboard: journeys: ${journeys.length} listed; "${demo.displayName}" triggered ${expected.triggered}, `
    + `completed ${expected.completed}, scheduled ${expected.scheduled}, members ${expected.members}`);
}

const sameKeys = (object) => Object.fromEntries(Object.entries(object).sort((a, b) => a[0].localeCompare(b[0])));

async function screenshot(page, dir, name) {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return `${name}.png (${Math.round(statSync(path).size / 1024)} KiB)`;
}

async function main() {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const shots = [];
  const timings = {};
  try {
    const target = await readTarget();
    const { baseUrl, apiKey, screenshots } = target;
    const api = apiClient(baseUrl, apiKey);
    const scores = await api.listAll('/v1/customerScores', 'customerScores');
    const feedback = await api.listAll('/v1/feedback', 'feedback');
    assert.ok(scores.length > 0, 'the suite has customer scores');
    const customerStatistics = await api.get('/v1/customerStatistics?months=12');
    const programStatistics = await api.get('/v1/programs/default/statistics');
    const program = await api.get('/v1/programs/default');
    {
      const response = await fetch(`${baseUrl}/v1/whoami`, { headers: { 'X-API-Key': apiKey } });
      whoamiMissing = response.status === 404;
      if (whoamiMissing) {
        console.log('dashboard: no /v1/whoami here; the role is inferred from probes');
      } else {
        assert.equal(response.status, 200, 'GET /v1/whoami');
        assert.equal((await response.json()).role, 'admin', 'whoami: the admin key');
      }
    }
    const expiry = expectedExpiry(programStatistics);
    // Every chart of the Overview but the survey trend (checked below).
    const overviewCharts = ['chart-growth', 'chart-channels', 'chart-value-tiers', 'chart-lifecycle',
      'chart-rfm', 'chart-sentiment', 'chart-complaints'];
    if (scores.some((s) => s.clv?.value?.currencyCode)) overviewCharts.push('chart-clv');
    if (expiry.months.length) overviewCharts.push('chart-expiring-points');
    {
      const probe = new AbortController();
      const response = await fetch(`${baseUrl}/v1/alerts:stream`, {
        headers: { 'X-API-Key': apiKey, Accept: 'text/event-stream' }, signal: probe.signal });
      streamMissing = response.status === 404;
      probe.abort();
      if (streamMissing) console.log('dashboard: no /v1/alerts:stream here; the panel uses /v1/alerts:watch');
    }

    // First load, cold cache, already signed in (the key in session
    // storage): navigation start → every Overview chart drawn.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await fresh.addInitScript((key) => sessionStorage.setItem('crm.apiKey', key), apiKey);
    // When each chart first holds a drawn mark, noted in the page itself (so
    // the figure does not include this script's polling).
    await fresh.addInitScript(() => {
      const drawn = {};
      window.crmChartsDrawn = drawn;
      new MutationObserver(() => {
        for (const chart of document.querySelectorAll('.chart-canvas[id]')) {
          if (!(chart.id in drawn) && chart.querySelector('svg path')) drawn[chart.id] = performance.now();
        }
      }).observe(document, { subtree: true, childList: true });
    });
    const first = await fresh.newPage();
    first.setDefaultTimeout(stepTimeoutMs);
    watch(first);
    await first.goto(`${baseUrl}/`);
    for (const id of overviewCharts) {
      await first.locator(`#${id} svg path`).first().waitFor({ state: 'attached' });
    }
    timings.firstLoadMs = Math.round(await first.evaluate((ids) =>
      Math.max(...ids.map((id) => window.crmChartsDrawn[id])), overviewCharts));
    const navigation = await first.evaluate(() => performance.getEntriesByType('navigation')[0].toJSON());
    timings.domContentLoadedMs = Math.round(navigation.domContentLoadedEventEnd);
    timings.transferredBytes = await first.evaluate(() =>
      performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
        .reduce((n, e) => n + (e.transferSize || 0), 0));
    // When the last answer the Overview's charts draw from had arrived (the
    // rest of the first load is the page's own work).
    const lastAnswer = await first.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => /\/v1\/(customerStatistics|customerScores|feedback|programs\/default\/statistics)\b/.test(e.name))
      .map((e) => ({ path: new URL(e.name).pathname, sent: e.startTime, end: e.responseEnd }))
      .sort((a, b) => b.end - a.end)[0]);
    timings.apiAnswered = lastAnswer === undefined ? 'n/a (no chart data request seen)'
      : `${Math.round(lastAnswer.end)} ms (the slowest ${lastAnswer.path}, ` +
        `${Math.round(lastAnswer.end - lastAnswer.sent)} ms)`;
    await first.reload();
    for (const id of overviewCharts) {
      await first.locator(`#${id} svg path`).first().waitFor({ state: 'attached' });
    }
    timings.reloadMs = Math.round(await first.evaluate((ids) =>
      Math.max(...ids.map((id) => window.crmChartsDrawn[id])), overviewCharts));
    await fresh.close();

    // The whole walk, from the sign-in page.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.setDefaultTimeout(stepTimeoutMs);
    watch(page);
    await page.goto(`${baseUrl}/`);
    await page.locator('#api-key').waitFor();
    shots.push(await screenshot(page, screenshots, '00-sign-in'));
    await page.locator('#api-key').fill(apiKey);
    await page.locator('#api-key').press('Enter');
    await page.locator('#role[data-role="admin"]').waitFor();
    if (!whoamiMissing) assert.deepEqual(probesSent, [], 'no role probe when /v1/whoami answers');

    // Overview: the numbers behind each chart are the API's.
    const tiers = await chartData(page, 'chart-value-tiers');
    assert.deepEqual(tiers, counts(scores, (s) => s.valueTier, ['HIGH', 'MEDIUM', 'LOW']), 'value tiers');
    assert.ok(sum(Object.values(tiers)) > 0, 'value tiers: some customer has a tier');
    const stages = ['PROSPECT', 'NEW', 'ACTIVE', 'LOYAL', 'REACTIVATED', 'AT_RISK', 'CHURNED'];
    assert.deepEqual(await chartData(page, 'chart-lifecycle'), counts(scores, (s) => s.lifecycleStage, stages), 'lifecycle');
    const grid = await chartData(page, 'chart-rfm');
    assert.equal(sum(grid.flat()), scores.filter((s) => s.rfm?.recency > 0 && s.rfm?.frequency > 0).length, 'RFM cells');
    assert.ok(sum(grid.flat()) > 0, 'RFM: some customer is scored');
    const withClv = scores.filter((s) => s.clv?.value?.currencyCode).length;
    if (withClv > 0) {
      assert.ok(sum(await chartData(page, 'chart-clv')) > 0, 'CLV histogram has customers');
    }
    const sentiment = await chartData(page, 'chart-sentiment');
    assert.equal(sum(Object.values(sentiment).flat()), feedback.filter((f) => f.analysis?.sentiment &&
      f.analysis.sentiment !== 'SENTIMENT_UNSPECIFIED').length, 'sentiment per week');
    const complaints = await chartData(page, 'chart-complaints');
    assert.equal(sum(Object.values(complaints)), feedback.filter((f) => f.type === 'COMPLAINT').length, 'complaints');
    for (const id of ['chart-value-tiers', 'chart-lifecycle', 'chart-rfm', 'chart-sentiment', 'chart-complaints']) {
      assert.ok(await drawnMarks(page, id) > 3, `${id}: drawn marks`);
    }
    // Customer growth, channel mix and points liability: the statistics
    // APIs' numbers.
    const zhNumber = (n) => new Intl.NumberFormat('zh-CN').format(n);
    assert.deepEqual(await chartData(page, 'chart-growth'), expectedGrowth(customerStatistics), 'customer growth');
    assert.deepEqual(sameKeys(await chartData(page, 'chart-channels')), sameKeys(expectedChannels(customerStatistics)),
      'channel mix');
    assert.equal(await page.locator('#kpi-customer-count .kpi-value').innerText(),
      zhNumber(int(customerStatistics.customerCount)), 'customer count figure');
    assert.ok(int(customerStatistics.customerCount) > 0, 'the demo set has customers');
    assert.equal(await page.locator('#kpi-points-liability .kpi-value').innerText(),
      zhNumber(int(programStatistics.outstandingPoints)), 'points liability figure');
    assert.ok(int(programStatistics.outstandingPoints) > 0, 'demo orders left points outstanding');
    if (expiry.months.length) {
      assert.deepEqual(await chartData(page, 'chart-expiring-points'), expiry, 'points expiring by month');
    } else {
      await page.locator('#expiring-none').waitFor();
    }
    for (const id of overviewCharts) assert.ok(await drawnMarks(page, id) > 1, `${id}: drawn marks`);
    const customersFigure = await page.locator('#kpi-customers .kpi-value').innerText();
    assert.equal(customersFigure, new Intl.NumberFormat('zh-CN').format(scores.length), 'customers figure');
    assert.ok((await page.locator('#chart-value-tiers svg').innerHTML()).includes(String(tiers.HIGH)),
      'the HIGH count is drawn in the value-tier chart');
    // Before any survey is opened, the trend is the newest survey's.
    const newestSurvey = ((await api.get('/v1/surveys?pageSize=1')).surveys || [])[0];
    if (newestSurvey) {
      await chartData(page, 'chart-survey-trend');
      assert.ok((await page.locator('#chart-survey-trend').getAttribute('aria-label')).includes(newestSurvey.name),
        'the Overview follows the newest survey');
    } else {
      await page.locator('#survey-trend-none').waitFor();
    }
    shots.push(await screenshot(page, screenshots, '01-overview'));

    // Customers: search by email → result → the customer page.
    await page.locator('nav a[href="#/customers"]').click();
    await page.locator('#customer-results').waitFor();
    await page.locator('#customer-search').fill(target.email);
    await page.locator('#customer-search').press('Enter');
    const id = target.customer.split('/').pop();
    await page.waitForFunction((email) => {
      const rows = [...document.querySelectorAll('#customer-results tbody tr')];
      return rows.length > 0 && rows.every((row) => row.textContent.includes(email));
    }, target.email);
    shots.push(await screenshot(page, screenshots, '02-customer-search'));
    await page.locator(`#customer-results a[href="#/customers/${id}"]`).click();
    await page.waitForURL(`**/#/customers/${id}`);
    await page.locator('#customer-name').waitFor();
    await page.locator('#card-scores dl, #card-scores p.muted:not([role="status"])').first().waitFor();
    await page.locator('#card-points dl, #card-points p.muted:not([role="status"])').first().waitFor();
    await page.locator('#card-orders table, #card-orders p.muted:not([role="status"])').first().waitFor();
    const orders = (await api.get(`/v1/${target.customer}/orders?pageSize=50`)).orders || [];
    assert.equal(await page.locator('#card-orders tbody tr').count(), orders.length, 'orders on the customer page');
    // The 360 view's parts: tier progress, coupons, lifecycle history, the
    // latest NPS, open tickets, and the timeline of everything.
    const view = await api.get(`/v1/customers/${id}:view`);
    const responses = (await api.get(`/v1/surveys/-/responses?pageSize=20&filter=${
      encodeURIComponent(`customer = "${target.customer}"`)}`)).responses || [];
    // The customer type (unstated reads as an individual) and, when scored,
    // the behaviour cluster's number (0 before any cluster fit).
    assert.equal(await page.locator('#customer-type').getAttribute('data-type'),
      view.customer?.customerType === 'BUSINESS' ? 'BUSINESS' : 'INDIVIDUAL', 'customer type');
    if (view.score) {
      assert.equal(Number(await page.locator('#customer-cluster').getAttribute('data-cluster')),
        view.score.cluster || 0, 'behaviour cluster');
    }
    await page.locator('#card-coupons table, #no-coupons').first().waitFor();
    assert.equal(await page.locator('#customer-coupons tbody tr').count(), (view.coupons || []).length, 'coupons');
    if (target.couponCustomer === target.customer) assert.ok((view.coupons || []).length > 0, 'the demo coupon is in the view');
    // Each coupon shows its reward's display name.
    const rewardNames = Object.fromEntries(((await api.get('/v1/rewards?pageSize=200')).rewards || [])
      .map((r) => [r.name, r.displayName]));
    for (const coupon of view.coupons || []) {
      await page.locator(`#customer-coupons td[data-reward="${coupon.reward}"]`, { hasText: rewardNames[coupon.reward] })
        .first().waitFor();
    }
    assert.equal(await page.locator('#customer-lifecycle tbody tr').count(), (view.lifecycleHistory || []).length,
      'lifecycle history');
    // Recommended products, each with the product it is bought with.
    const recommended = (await api.get(`/v1/customers/${id}/recommendations?count=5`)).recommendations || [];
    await page.locator('#customer-recommendations, #card-recommendations p.muted:not([role="status"])').first().waitFor();
    assert.equal(await page.locator('#customer-recommendations tbody tr').count(), recommended.length,
      'recommendations');
    for (const r of recommended) {
      await page.locator('#customer-recommendations td', { hasText: r.becauseSku }).first().waitFor();
    }
    assert.equal(await page.locator('#customer-tickets tbody tr').count(), (view.openTickets || []).length, 'open tickets');
    if (view.tierProgress) {
      assert.equal(Number(await page.locator('#tier-progress').getAttribute('data-points-to-next')),
        int(view.tierProgress.pointsToNextTier), 'points to the next tier');
    }
    assert.equal(await page.locator('#latest-nps').getAttribute('data-score'),
      view.latestNps ? String(view.latestNps.score) : null, 'latest NPS');
    await page.locator('#customer-timeline, #card-timeline p.muted:not([role="status"])').first().waitFor();
    const dated = (items, field) => (items || []).filter((x) => x[field]).length;
    const timelineLength = Math.min(100, dated(orders, 'orderTime') + dated(view.recentFeedback, 'createTime') +
      dated(responses, 'createTime') + dated(view.lifecycleHistory, 'transitionTime') +
      dated(view.coupons, 'issueTime') + dated(view.openTickets, 'createTime') + dated(view.recentEvents, 'eventTime'));
    assert.equal(await page.locator('#customer-timeline li').count(), timelineLength, 'timeline entries');
    assert.ok(timelineLength > 0, 'the customer has a timeline');
    shots.push(await screenshot(page, screenshots, '03-customer'));

    // Segments: the list, and a broken rule shown at the service's column.
    await page.locator('nav a[href="#/segments"]').click();
    await page.locator('#card-segments table, #card-segments p.muted:not([role="status"])').first().waitFor();
    const segments = await api.listAll('/v1/segments', 'segments');
    assert.ok(segments.length > 0, 'the suite has segments');
    assert.equal(await page.locator('#segment-list tbody tr').count(), segments.length, 'segments listed');
    // Each segment's size trend (sparkline) is its size history's.
    const members = {};
    for (const segment of segments.slice(0, 50)) {
      const history = await api.get(`/v1/${segment.name}/sizeHistory?days=30`);
      const sizes = [...(history.dailySizes || [])].sort(byTime('dayStartTime')).map((d) => int(d.memberCount));
      const spark = page.locator(`#segment-list tr[data-segment="${segment.name}"] svg.spark`);
      assert.deepEqual(JSON.parse(await spark.getAttribute('data-sizes')), sizes, `${segment.name}: size trend`);
      members[segment.name] = (await api.get(`/v1/${segment.name}/members?pageSize=50`)).segmentMembers || [];
    }
    // The largest segment's trend chart and member list.
    const largest = segments.slice(0, 50).reduce((a, b) => (members[b.name].length > members[a.name].length ? b : a));
    assert.ok(members[largest.name].length > 0, 'a segment has members');
    await page.locator(`#segment-list tr[data-segment="${largest.name}"] button`).click();
    await page.locator('#segment-members').waitFor();
    assert.deepEqual(await page.locator('#segment-members tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.customer)),
      members[largest.name].map((m) => m.customer), `${largest.name}: members listed`);
    const trendData = await chartData(page, 'chart-segment-size');
    assert.deepEqual(trendData.sizes, JSON.parse(await page.locator(
      `#segment-list tr[data-segment="${largest.name}"] svg.spark`).getAttribute('data-sizes')), 'the trend chart');
    shots.push(await screenshot(page, screenshots, '04-segment-members'));
    const brokenRule = 'rfm.monetary >= AND country = "CN"';
    const refused = await api.post('/v1/segments', { displayName: 'broken', rule: brokenRule });
    assert.equal(refused.status, 400, 'the broken rule is refused');
    const info = refused.body.error.details.find((d) => d['@type'].endsWith('ErrorInfo'));
    expectedErrors.push({ status: 400, urlPart: '/v1/segments' });
    await page.locator('#segment-name').fill('broken');
    await page.locator('#segment-rule').fill(brokenRule);
    await page.locator('#new-segment button[type=submit]').click();
    await page.locator('#rule-error').waitFor();
    if (info?.metadata?.position) {
      const caret = page.locator('#rule-caret');
      assert.equal(await caret.getAttribute('data-column'), info.metadata.position, 'caret column');
      const caretLine = (await caret.innerText()).split('\n')[1];
      assert.equal(caretLine.indexOf('^') + 1, Number(info.metadata.position), 'caret under the column');
    }
    shots.push(await screenshot(page, screenshots, '04-segment-rule-error'));
    // The live preview, where the API offers it: the count is the API's.
    const openapi = await (await fetch(`${baseUrl}/openapi.json`)).json();
    if (openapi.paths?.['/v1/segments:preview']) {
      const rule = 'value_tier = "HIGH"';
      const expected = await api.post('/v1/segments:preview', { rule, sampleSize: 10 });
      assert.equal(expected.status, 200, 'POST /v1/segments:preview');
      await page.locator('#segment-rule').fill(rule);
      await page.locator('#preview-rule').click();
      await page.locator('#rule-preview').waitFor();
      const text = await page.locator('#rule-preview').innerText();
      assert.ok(text.includes(new Intl.NumberFormat('zh-CN').format(Number(expected.body.memberCount))),
        `preview count ${expected.body.memberCount} in "${text}"`);
    }
    shots.push(await screenshot(page, screenshots, '04-segments-preview'));

    // Loyalty: programme tiers and the rewards' stock.
    await page.locator('nav a[href="#/loyalty"]').click();
    const rewards = await api.listAll('/v1/rewards', 'rewards');
    await page.locator('#program-tiers').waitFor();
    // Members per tier: the programme statistics' (every tier of the
    // programme, 0 where it has none).
    assert.deepEqual(sameKeys(await chartData(page, 'chart-tier-members')),
      sameKeys(expectedTiers(programStatistics, program)), 'tier distribution');
    assert.equal(sum(Object.values(await chartData(page, 'chart-tier-members'))), int(programStatistics.memberCount),
      'every member in one tier');
    if (rewards.length) {
      assert.deepEqual(await chartData(page, 'chart-reward-stock'),
        Object.fromEntries(rewards.map((r) => [r.displayName, Number(r.stock)])), 'reward stock');
    }
    // Campaigns: each one's points awarded and budget, as the API has them.
    const campaigns = await api.listAll('/v1/campaigns', 'campaigns');
    assert.ok(campaigns.length > 0, 'the demo set has campaigns');
    assert.deepEqual(await chartData(page, 'chart-campaign-budget'), Object.fromEntries(campaigns.map((c) =>
      [c.displayName, [Number(c.pointsAwarded || 0), Number(c.pointsBudget)]])), 'campaign budget use');
    assert.equal(await page.locator('#campaign-list tbody tr').count(), campaigns.length, 'campaigns listed');
    assert.ok(campaigns.some((c) => Number(c.pointsAwarded) > 0), 'demo orders earned campaign bonuses');
    // Journeys: every journey listed with its trigger, action and state;
    // the demo order journey's funnel against GET /v1/journeys/{id}/funnel.
    await checkJourneys(page, api);
    // The expiry rule in words, with the programme's months.
    const expiryText = await page.locator('#program-expiry').innerText();
    assert.ok(!/[A-Z]{2,}_[A-Z]/.test(expiryText), `expiry rule in words: ${expiryText}`);
    if (program.expiryPolicy?.months) assert.ok(expiryText.includes(String(program.expiryPolicy.months)), 'expiry months');
    shots.push(await screenshot(page, screenshots, '05-loyalty'));

    // Feedback: the type mix, and the survey's scores and trend.
    // A survey newer than the demo's, made before the page lists them.
    const newSurvey = await api.post(`/v1/surveys?requestId=dash-survey-${Date.now()}`, {
      title: 'Browser test survey', questions: [{ id: 'nps', text: 'Recommend us?', kind: 'NPS', required: true }] });
    assert.equal(newSurvey.status, 200, `POST /v1/surveys: ${JSON.stringify(newSurvey.body)}`);
    await page.locator('nav a[href="#/feedback"]').click();
    const types = await chartData(page, 'chart-feedback-types');
    assert.equal(sum(Object.values(types)), feedback.length, 'feedback types');
    // The survey picker lists ListSurveys' surveys, the newest first and
    // selected; picking the demo survey shows its totals, trend and latest
    // responses.
    const surveys = await api.listAll('/v1/surveys', 'surveys');
    await page.locator('#survey-picker').waitFor();
    assert.deepEqual(await page.locator('#survey-picker option').evaluateAll((options) => options.map((o) => o.value)),
      surveys.map((x) => x.name), 'the surveys offered');
    assert.equal(await page.locator('#survey-picker').inputValue(), newSurvey.body.name, 'the newest survey first');
    await page.locator('#survey-picker').selectOption(target.survey);
    await page.locator(`#survey-totals[data-survey="${target.survey}"] #survey-nps`).waitFor();
    const trend = await chartData(page, 'chart-survey-trend');
    assert.ok(trend.nps.some((v) => v !== null), 'the NPS trend has a point');
    const surveyResponses = (await api.get(`/v1/${target.survey}/responses?pageSize=10`)).responses || [];
    await page.locator('#survey-responses').waitFor();
    assert.deepEqual(await page.locator('#survey-responses tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.response)),
      surveyResponses.map((r) => r.name), 'the latest responses');
    // The ticket queue: every ticket (up to 50), open ones with the time
    // left on the deadline that runs now, and their escalation levels.
    const tickets = await api.listAll('/v1/tickets', 'tickets');
    assert.ok(tickets.length > 0, 'the demo set has tickets');
    await page.locator('#ticket-queue').waitFor();
    assert.equal(await page.locator('#ticket-queue tbody tr').count(), Math.min(50, tickets.length), 'tickets listed');
    for (const ticket of tickets.slice(0, 50)) {
      const row = page.locator(`#ticket-queue tr[data-ticket="${ticket.name}"]`);
      const open = ['NEW', 'ACKNOWLEDGED', 'IN_PROGRESS'].includes(ticket.state);
      const deadline = ticket.firstResponseTime ? ticket.resolutionDeadline : ticket.firstResponseDeadline;
      if (open && deadline) {
        const minutes = Number(await row.locator('td.sla').getAttribute('data-minutes'));
        const expected = (Date.parse(deadline) - Date.now()) / 60000;
        assert.ok(Math.abs(minutes - expected) <= 2, `${ticket.name}: ${minutes} min left, expected ${expected.toFixed(1)}`);
      }
      assert.equal(await row.locator('td.num').innerText(), String(ticket.escalationLevel || 0), `${ticket.name}: escalation`);
    }
    shots.push(await screenshot(page, screenshots, '06-feedback'));

    // The live alert panel: the open alerts, then one raised now through
    // the API (negative feedback reaching a category's complaint-spike
    // threshold in this hour) appears within a few seconds, and is
    // acknowledged from the panel.
    const openAlerts = async () => ((await api.get('/v1/alerts?pageSize=50')).alerts || [])
      .filter((a) => a.state === 'OPEN');
    await page.locator('#alert-panel[data-connection="open"]').waitFor();
    assert.equal(Number(await page.locator('#alert-panel').getAttribute('data-open-alerts')),
      (await openAlerts()).length, 'open alerts in the panel');
    const listed = (await api.get('/v1/alerts?pageSize=1000')).alerts || [];
    const before = new Set(listed.map((a) => a.name));
    // One spike per category and hour: a category without one this hour.
    const hour = new Date().toISOString().slice(0, 13);
    const spiked = new Set(listed.filter((a) => a.kind === 'COMPLAINT_SPIKE' &&
      String(a.windowStart).startsWith(hour)).map((a) => a.category));
    const complaintTexts = {
      app_website: ['The app keeps crashing when I log in.', '网站打不开，页面一直转圈', 'App 闪退，无法下单'],
      price: ['太贵了，价格比别家高很多', 'The price is far too expensive.'],
      billing: ['I was charged twice for one order.', '发票开错了，多扣了钱'],
      service_attitude: ['客服态度很差，一直不回复', 'The staff were rude to me.'],
      product_quality: ['质量太差了，用了一天就坏了', 'The product broke after one day.'],
    };
    const texts = Object.entries(complaintTexts).find(([category]) => !spiked.has(category))?.[1];
    assert.ok(texts, `every category has had its spike this hour: ${[...spiked]}`);
    const stamp = Date.now();
    let raised = null;
    for (let i = 0; i < 40 && !raised; i += 1) {
      const submitted = await api.post(`/v1/feedback?requestId=dash-spike-${stamp}-${i}`, {
        channel: 'app', type: 'COMPLAINT', rating: 1, text: texts[i % texts.length] });
      assert.equal(submitted.status, 200, `feedback for the spike: ${JSON.stringify(submitted.body)}`);
      raised = ((await api.get('/v1/alerts?pageSize=20')).alerts || []).find((a) => !before.has(a.name));
    }
    assert.ok(raised, 'a complaint spike alert was raised through the API');
    const raisedAt = Date.now();
    const item = page.locator(`#alert-panel li[data-alert="${raised.name}"]`);
    await item.waitFor({ timeout: 5000 });
    timings.alertMs = Date.now() - raisedAt;
    shots.push(await screenshot(page, screenshots, '08-alert-panel'));
    await item.locator('button').click();
    await item.waitFor({ state: 'detached' });
    const acknowledged = ((await api.get('/v1/alerts?pageSize=50')).alerts || [])
      .find((a) => a.name === raised.name);
    assert.equal(acknowledged?.state, 'ACKNOWLEDGED', `${raised.name} acknowledged`);

    // Back to the Overview: the opened survey's trend; then English.
    await page.locator('nav a[href="#/"]').click();
    await chartData(page, 'chart-survey-trend');
    await page.locator('select[aria-label]').selectOption('en');
    await page.locator('nav a[href="#/"]', { hasText: 'Overview' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en-US');
    await page.locator('#chart-value-tiers svg text', { hasText: 'High' }).first().waitFor();
    shots.push(await screenshot(page, screenshots, '07-overview-en'));

    // Keyboard: Tab from the top reaches the navigation links in order.
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute('tabindex');
    });
    const focused = [];
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => document.activeElement?.getAttribute('href') || document.activeElement?.tagName));
    }
    assert.deepEqual(focused, ['#main', '#/', '#/customers', '#/segments'], 'keyboard focus order');

    await context.close();

    // An analyst: the role shown, personal data masked as the API returns
    // it, no acknowledge button, no search by email.
    if (target.analystKey) {
      const analyst = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      await analyst.addInitScript((key) => sessionStorage.setItem('crm.apiKey', key), target.analystKey);
      const view = await analyst.newPage();
      view.setDefaultTimeout(stepTimeoutMs);
      watch(view);
      await view.goto(`${baseUrl}/#/customers`);
      await view.locator('#role[data-role="analyst"]').waitFor();
      await view.locator('#masked-hint').waitFor();
      await view.locator('#customer-results tbody tr').first().waitFor();
      const emails = await view.locator('#customer-results tbody td:nth-child(2)').allInnerTexts();
      assert.ok(emails.length > 0 && emails.every((e) => e === '***' || e === '–'), `masked emails: ${emails.slice(0, 3)}`);
      await view.locator('#alert-panel[data-connection="open"]').waitFor();
      assert.equal(await view.locator('#alert-panel button.small').count(), 0, 'no acknowledge for an analyst');
      shots.push(await screenshot(view, screenshots, '09-analyst-customers'));
      await analyst.close();
    }

    // An agent: the role shown, acknowledge offered, no segment editor.
    if (target.agentKey) {
      const agent = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      await agent.addInitScript((key) => sessionStorage.setItem('crm.apiKey', key), target.agentKey);
      const view = await agent.newPage();
      view.setDefaultTimeout(stepTimeoutMs);
      watch(view);
      await view.goto(`${baseUrl}/#/segments`);
      await view.locator('#role[data-role="agent"]').waitFor();
      await view.locator('#segment-editor-hidden').waitFor();
      assert.equal(await view.locator('#new-segment').count(), 0, 'no segment editor for an agent');
      await view.locator('#alert-panel[data-connection="open"]').waitFor();
      if (Number(await view.locator('#alert-panel').getAttribute('data-open-alerts')) > 0) {
        assert.ok(await view.locator('#alert-panel button.small').count() > 0, 'an agent may acknowledge');
      }
      shots.push(await screenshot(view, screenshots, '10-agent-segments'));
      await agent.close();
    }

    console.log(`dashboard: first load ${timings.firstLoadMs} ms to ${overviewCharts.length} charts drawn (DOMContentLoaded ` +
      `${timings.domContentLoadedMs} ms, the charts' API answers in by ${timings.apiAnswered}, ` +
      `${Math.round(timings.transferredBytes / 1024)} KiB transferred), ` +
      `reload ${timings.reloadMs} ms; ${scores.length} customers scored; a new alert shown ` +
      `${timings.alertMs} ms after the API listed it`);
    console.log(`dashboard: screenshots in ${screenshots}: ${shots.join(', ')}`);
    assert.ok(timings.firstLoadMs < firstLoadLimitMs,
      `first load ${timings.firstLoadMs} ms (limit ${firstLoadLimitMs} ms)`);
  } finally {
    await browser.close();
  }
  assert.deepEqual(problems, [], 'console errors, exceptions or failed requests on the dashboard');
}

main().catch((error) => {
  console.error(`dashboard: FAILED: ${error.message}`);
  for (const problem of problems) console.error(`  on the page: ${problem}`);
  process.exit(1);
});
