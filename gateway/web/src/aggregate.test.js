// node --test gateway/web/src/aggregate.test.js  (CTest: dashboard_unit)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clvHistogram, complaintCategories, customerSearch, lifecycleCounts, niceCeil,
  rfmGrid, scoreSummary, sentimentByWeek, tierCounts, weekOf,
} from './aggregate.js';
import { categoryName, missingKeys, setLanguage } from './i18n.js';

const score = (tier, stage, r, f, m, clvMinor, currency = 'CNY') => ({
  valueTier: tier,
  lifecycleStage: stage,
  rfm: { recency: r, frequency: f, monetary: m },
  clv: clvMinor === null ? {} : { value: { currencyCode: currency, amountMinor: String(clvMinor) } },
});

const scores = [
  score('HIGH', 'LOYAL', 5, 5, 5, 90000),
  score('HIGH', 'ACTIVE', 5, 4, 3, 50000),
  score('LOW', 'AT_RISK', 1, 1, 1, 1000),
  score('MEDIUM', 'CHURNED', 1, 1, 3, 0),
  score('VALUE_TIER_UNSPECIFIED', 'PROSPECT', 0, 0, 0, null),
  score('LOW', 'NEW', 2, 1, 2, 700, 'USD'),
];

test('tiers and lifecycle count every scored customer once', () => {
  assert.deepEqual(tierCounts(scores), { HIGH: 2, MEDIUM: 1, LOW: 2 });
  assert.deepEqual(lifecycleCounts(scores),
    { PROSPECT: 1, NEW: 1, ACTIVE: 1, LOYAL: 1, REACTIVATED: 0, AT_RISK: 1, CHURNED: 1 });
});

test('the RFM grid holds counts and the mean monetary score per cell', () => {
  const grid = rfmGrid(scores);
  assert.deepEqual(grid[0][0], { count: 2, meanMonetary: 2 });
  assert.deepEqual(grid[4][4], { count: 1, meanMonetary: 5 });
  assert.equal(grid.flat().reduce((n, c) => n + c.count, 0), 5);
});

test('the CLV histogram uses the main currency and round bin widths', () => {
  const h = clvHistogram(scores, 10);
  assert.equal(h.currency, 'CNY');
  assert.equal(h.total, 4);
  assert.equal(h.edges[1], 10000);
  assert.equal(h.counts.reduce((a, b) => a + b, 0), 4);
  assert.equal(h.counts[9], 1);
  assert.equal(h.counts[0], 2);
  assert.deepEqual(clvHistogram([]), { currency: '', edges: [], counts: [], total: 0 });
  assert.equal(niceCeil(7), 10);
  assert.equal(niceCeil(0.3), 0.5);
  assert.equal(niceCeil(1200), 2000);
});

test('the summary', () => {
  const s = scoreSummary(scores);
  assert.equal(s.customers, 6);
  assert.equal(s.highValueShare, 2 / 6);
  assert.equal(s.atRisk, 2);
  assert.deepEqual(s.averageClv, { currencyCode: 'CNY', amountMinor: 35250 });
});

test('feedback per week and complaint categories', () => {
  assert.equal(weekOf('2026-12-02T10:00:00Z'), '2026-11-30');
  assert.equal(weekOf('2026-11-29T23:59:59Z'), '2026-11-23');
  const feedback = [
    { type: 'COMPLAINT', createTime: '2026-12-01T00:00:00Z', analysis: { sentiment: 'NEGATIVE', category: 'delivery' } },
    { type: 'COMPLAINT', createTime: '2026-11-20T00:00:00Z', analysis: { sentiment: 'NEGATIVE', category: 'delivery' } },
    { type: 'COMPLAINT', createTime: '2026-11-20T00:00:00Z', analysis: { sentiment: 'NEUTRAL', category: 'price' } },
    { type: 'PRAISE', createTime: '2026-12-02T00:00:00Z', analysis: { sentiment: 'POSITIVE', category: 'staff' } },
  ];
  assert.deepEqual(sentimentByWeek(feedback), {
    weeks: ['2026-11-16', '2026-11-30'],
    series: { POSITIVE: [0, 1], NEUTRAL: [1, 0], NEGATIVE: [1, 1] },
  });
  assert.deepEqual(complaintCategories(feedback),
    [{ category: 'delivery', count: 2 }, { category: 'price', count: 1 }]);
});

test('the search box', () => {
  assert.deepEqual(customerSearch(' Anna@Example.com '), { kind: 'list', filter: 'email = "Anna@Example.com"' });
  assert.deepEqual(customerSearch('+86 138 0013 8000'), { kind: 'list', filter: 'phone = "+86 138 0013 8000"' });
  assert.deepEqual(customerSearch('wechat_openid:oXM1'), { kind: 'list', filter: 'external_identities = "wechat_openid:oXM1"' });
  assert.deepEqual(customerSearch('customers/abc'), { kind: 'get', name: 'customers/abc' });
  assert.deepEqual(customerSearch('abc123'), { kind: 'get', name: 'customers/abc123' });
  assert.deepEqual(customerSearch('tags = "vip"'), { kind: 'list', filter: 'tags = "vip"' });
  assert.deepEqual(customerSearch(''), { kind: 'list', filter: '' });
});

test('every UI text exists in both languages', () => {
  assert.deepEqual(missingKeys(), []);
});

test('feedback categories by name in each language, unknown ones by id', () => {
  setLanguage('en');
  assert.equal(categoryName('product_quality'), 'product quality');
  setLanguage('zh');
  assert.equal(categoryName('delivery'), '配送');
  assert.equal(categoryName('warranty'), 'warranty');
  assert.equal(categoryName(''), '–');
  assert.equal(categoryName(undefined), '–');
});
