// node --test gateway/web/src/journeys.test.js  (CTest: dashboard_unit)
// The journeys panel's pure functions: names, trigger and action details,
// the funnel's series (int64 as strings, omitted zeros, skip reasons
// largest first) and the journey the panel opens on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  actionDetail, funnelChartData, funnelSeries, initialJourney, journeyId, triggerDetail,
} from './journeys.js';

test('journey ids and the details of triggers and actions', () => {
  assert.equal(journeyId('journeys/abc'), 'abc');
  assert.equal(journeyId(undefined), '');
  assert.equal(triggerDetail({ kind: 'ORDER_RECORDED' }), null);
  assert.deepEqual(triggerDetail({ kind: 'LIFECYCLE_STAGE_CHANGED', lifecycleStage: 'AT_RISK' }),
    { kind: 'stage', value: 'AT_RISK' });
  assert.deepEqual(triggerDetail({ kind: 'SEGMENT_ENTERED', segment: 'segments/vip' }), { kind: 'segment', value: 'vip' });
  assert.deepEqual(triggerDetail({ kind: 'VALUE_TIER_CHANGED', valueTier: 'HIGH' }), { kind: 'tier', value: 'HIGH' });
  assert.deepEqual(triggerDetail({ kind: 'NO_ORDER_FOR_DAYS', daysWithoutOrder: 30 }), { kind: 'days', value: '30' });
  assert.deepEqual(triggerDetail({ kind: 'SURVEY_ANSWERED', survey: 'surveys/s1' }), { kind: 'survey', value: 's1' });
  assert.equal(triggerDetail({ kind: 'SURVEY_ANSWERED' }), null);
  assert.equal(triggerDetail(undefined), null);
  assert.deepEqual(actionDetail({ kind: 'AWARD_POINTS', points: '20' }), { kind: 'points', value: '20' });
  assert.deepEqual(actionDetail({ kind: 'ISSUE_COUPON', reward: 'rewards/r1' }), { kind: 'reward', value: 'r1' });
  assert.deepEqual(actionDetail({ kind: 'EMIT_MESSAGE', messageType: 'journey.win_back' }),
    { kind: 'message', value: 'journey.win_back' });
  assert.deepEqual(actionDetail({ kind: 'SEND_SURVEY', survey: 'surveys/csat' }), { kind: 'survey', value: 'csat' });
  assert.equal(actionDetail({}), null);
});

test('a funnel with every stage and skips by reason, largest first', () => {
  const series = funnelSeries({
    name: 'journeys/j1/funnel',
    triggeredCount: '120',
    scheduledCount: '20',
    completedCount: '60',
    skippedCount: '40',
    skippedByReason: [
      { reason: 'FREQUENCY_CAP', runCount: '5' },
      { reason: 'NO_CONSENT', runCount: '30' },
      { reason: 'REWARD_UNAVAILABLE', runCount: '5' },
      { reason: 'JOURNEY_PAUSED', runCount: '0' },
    ],
    memberCount: '90',
  });
  assert.deepEqual(series, {
    triggered: 120,
    scheduled: 20,
    completed: 60,
    skipped: 40,
    members: 90,
    skippedByReason: [
      { reason: 'NO_CONSENT', runs: 30 },
      { reason: 'FREQUENCY_CAP', runs: 5 },
      { reason: 'REWARD_UNAVAILABLE', runs: 5 },
    ],
    completion: 0.6,
  });
  assert.deepEqual(funnelChartData(series), {
    triggered: 120,
    scheduled: 20,
    completed: 60,
    'skipped:NO_CONSENT': 30,
    'skipped:FREQUENCY_CAP': 5,
    'skipped:REWARD_UNAVAILABLE': 5,
    members: 90,
  });
});

test('an empty funnel: proto JSON omits zeros', () => {
  const series = funnelSeries({ name: 'journeys/j0/funnel' });
  assert.deepEqual(series, {
    triggered: 0, scheduled: 0, completed: 0, skipped: 0, members: 0, skippedByReason: [], completion: null,
  });
  assert.deepEqual(funnelChartData(series), { triggered: 0, scheduled: 0, completed: 0, members: 0 });
  assert.equal(funnelSeries(undefined).triggered, 0);
  // Only scheduled runs: nothing acted on yet.
  assert.equal(funnelSeries({ triggeredCount: '3', scheduledCount: '3' }).completion, null);
});

test('the panel opens on the selected journey, else the first active one', () => {
  const journeys = [
    { name: 'journeys/a', state: 'PAUSED' },
    { name: 'journeys/b', state: 'ACTIVE' },
    { name: 'journeys/c' },
  ];
  assert.equal(initialJourney(journeys, 'journeys/c'), 'journeys/c');
  assert.equal(initialJourney(journeys, 'journeys/gone'), 'journeys/b');
  assert.equal(initialJourney(journeys), 'journeys/b');
  assert.equal(initialJourney([{ name: 'journeys/p', state: 'PAUSED' }]), 'journeys/p');
  assert.equal(initialJourney([]), null);
});
