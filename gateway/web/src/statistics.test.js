// node --test gateway/web/src/statistics.test.js  (CTest: dashboard_unit)
// The statistics series (growth, channels, points expiry, tiers, segment
// sizes, sparklines, tier progress), the customer timeline and the role
// from /v1/whoami.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  channelMix, count, dayKey, expirySeries, growthSeries, monthKey, sizeSeries,
  sparklinePoints, tierDistribution, tierProgressShare,
} from './statistics.js';
import { customerTimeline, latestAnswer } from './timeline.js';
import { pagesFor, roleOfWhoami } from './role.js';

test('int64 fields as strings, numbers or missing', () => {
  assert.equal(count('12345678901'), 12345678901);
  assert.equal(count(7), 7);
  assert.equal(count(undefined), 0);
  assert.equal(count('x'), 0);
  assert.equal(monthKey('2026-03-01T00:00:00Z'), '2026-03');
  assert.equal(dayKey('2026-03-05T00:00:00Z'), '2026-03-05');
  assert.equal(monthKey(''), '');
});

test('monthly growth oldest first, zeros kept, and the channel mix largest first', () => {
  const statistics = {
    customerCount: '306',
    monthlyGrowth: [
      { monthStartTime: '2026-12-01T00:00:00Z', newCustomers: '6', customerCount: '306' },
      { monthStartTime: '2026-10-01T00:00:00Z', customerCount: '280' },
      { monthStartTime: '2026-11-01T00:00:00Z', newCustomers: 20, customerCount: 300 },
    ],
    channels: [
      { channel: 'web', customerCount: '100' },
      { customerCount: '6' },
      { channel: 'wechat', customerCount: '200' },
    ],
  };
  assert.deepEqual(growthSeries(statistics), {
    months: ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'],
    newCustomers: [0, 20, 6],
    customerCount: [280, 300, 306],
  });
  assert.deepEqual(Object.entries(channelMix(statistics)), [['wechat', 200], ['web', 100], ['', 6]]);
  assert.deepEqual(growthSeries({}), { months: [], newCustomers: [], customerCount: [] });
});

test('points expiring by month', () => {
  assert.deepEqual(expirySeries({ expiringPoints: [
    { monthStartTime: '2027-01-01T00:00:00Z', points: '500' },
    { monthStartTime: '2026-12-01T00:00:00Z', points: '1200' },
  ] }), { months: ['2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z'], points: [1200, 500] });
});

test('tier distribution: the untiered first, the programme order, empty tiers as 0, unknown tiers last', () => {
  const program = { tiers: [
    { tierId: 'silver', displayName: 'Silver' }, { tierId: 'gold', displayName: 'Gold' },
    { tierId: 'platinum' },
  ] };
  const statistics = { tierMembers: [
    { tierId: 'gold', memberCount: '12' }, { memberCount: '3' }, { tierId: 'silver', memberCount: 200 },
    { tierId: 'legacy', memberCount: '1' },
  ] };
  assert.deepEqual(tierDistribution(statistics, program), [
    { tierId: '', label: '', members: 3 },
    { tierId: 'silver', label: 'Silver', members: 200 },
    { tierId: 'gold', label: 'Gold', members: 12 },
    { tierId: 'platinum', label: 'platinum', members: 0 },
    { tierId: 'legacy', label: 'legacy', members: 1 },
  ]);
});

test('segment sizes and their sparkline', () => {
  const series = sizeSeries({ dailySizes: [
    { dayStartTime: '2026-12-02T00:00:00Z', memberCount: '40' },
    { dayStartTime: '2026-12-01T00:00:00Z' },
  ] });
  assert.deepEqual(series, { days: ['2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z'], sizes: [0, 40] });
  // Oldest on the left; the largest at the top (1 px inset).
  assert.equal(sparklinePoints([0, 40], 120, 28), '1,27 119,1');
  assert.equal(sparklinePoints([5, 5, 5], 120, 28), '1,14 60,14 119,14');
  assert.equal(sparklinePoints([9], 120, 28), '1,14');
  assert.equal(sparklinePoints([], 120, 28), '');
});

test('tier progress as a share of the way to the next tier', () => {
  assert.equal(tierProgressShare({ nextTier: 'gold', nextTierMinQualifyingPoints: 2000, pointsToNextTier: 500 }), 0.75);
  assert.equal(tierProgressShare({ nextTier: 'gold', nextTierMinQualifyingPoints: '2000', pointsToNextTier: '2500' }), 0);
  assert.equal(tierProgressShare({ currentTier: 'platinum', nextTier: '' }), 1);
  assert.equal(tierProgressShare(null), null);
});

test('the timeline merges every kind newest first, drops undated items and repeats', () => {
  const timeline = customerTimeline({
    orders: [{ name: 'customers/c/orders/1', orderTime: '2026-11-01T10:00:00Z' }],
    feedback: [{ name: 'feedback/1', createTime: '2026-12-01T09:00:00Z' }, { name: 'feedback/1', createTime: '2026-12-01T09:00:00Z' }],
    surveyResponses: [{ name: 'surveys/s/responses/r', createTime: '2026-12-02T08:00:00Z' }],
    lifecycleHistory: [{ fromStage: 'NEW', toStage: 'ACTIVE', transitionTime: '2026-11-01T10:00:00Z' }],
    coupons: [{ name: 'coupons/k', issueTime: '' }],
    tickets: [{ name: 'tickets/t', createTime: '2026-12-01T09:30:00Z' }],
    events: [{ name: 'customers/c/events/e', eventTime: '2026-10-01T00:00:00Z' }],
  });
  assert.deepEqual(timeline.map((e) => e.kind), ['survey', 'ticket', 'feedback', 'order', 'lifecycle', 'event']);
  assert.equal(customerTimeline({ orders: [{ orderTime: '2026-01-01T00:00:00Z' }, { orderTime: '2026-01-02T00:00:00Z' }] }, 1)[0].time,
    '2026-01-02T00:00:00Z');
  assert.deepEqual(customerTimeline({}), []);
});

test('the latest NPS and CSAT answers by question kind', () => {
  const responses = [
    { name: 'surveys/a/responses/1', createTime: '2026-11-01T00:00:00Z',
      answers: [{ questionKind: 'NPS', score: 3 }, { questionKind: 'CSAT', score: 2 }] },
    { name: 'surveys/b/responses/2', createTime: '2026-12-01T00:00:00Z', answers: [{ questionKind: 'NPS', score: 9 }] },
  ];
  assert.deepEqual(latestAnswer(responses, 'NPS'), { score: 9, time: '2026-12-01T00:00:00Z', survey: 'surveys/b' });
  assert.deepEqual(latestAnswer(responses, 'CSAT'), { score: 2, time: '2026-11-01T00:00:00Z', survey: 'surveys/a' });
  assert.equal(latestAnswer(responses, 'CES'), null);
});

test('the role from /v1/whoami', () => {
  assert.equal(roleOfWhoami({ role: 'analyst', keyId: 'k' }), 'analyst');
  assert.equal(roleOfWhoami({ role: 'customer', customer: 'customers/c' }), 'customer');
  assert.throws(() => roleOfWhoami({ role: 'root' }), /unknown role "root"/);
  assert.throws(() => roleOfWhoami({}), /unknown role/);
  assert.deepEqual(pagesFor('customer'), []);
});
