// Pure functions for the Loyalty page's journeys panel: a journey's trigger
// and action as text keys with their parameter, and its funnel
// (loyalty's JourneyFunnel, GET /v1/journeys/{id}/funnel) as the series the
// chart draws. No DOM, no fetch: unit-tested with `node --test`
// (journeys.test.js).
//
// int64 fields arrive as JSON strings (proto JSON) and zeros are omitted:
// count() reads both.
import { count } from './statistics.js';

// `journeys/{id}` -> `{id}`.
export function journeyId(name) {
  return String(name || '').replace(/^journeys\//, '');
}

// The parameter a trigger kind carries, shown beside its kind: {kind,
// value} where kind says how to show it ('stage' and 'tier': an enum value
// with a text, 'segment' and 'survey': an id, 'days', 'category'); null
// for a trigger without one.
export function triggerDetail(trigger = {}) {
  const detail = (kind, value) => (value ? { kind, value: String(value) } : null);
  switch (trigger?.kind) {
    case 'SEGMENT_ENTERED':
    case 'SEGMENT_LEFT':
      return detail('segment', String(trigger.segment || '').replace(/^segments\//, ''));
    case 'LIFECYCLE_STAGE_CHANGED':
      return detail('stage', trigger.lifecycleStage);
    case 'VALUE_TIER_CHANGED':
      return detail('tier', trigger.valueTier);
    case 'NO_ORDER_FOR_DAYS':
      return detail('days', trigger.daysWithoutOrder ? count(trigger.daysWithoutOrder) : '');
    case 'COMPLAINT_RESOLVED':
      return detail('category', trigger.ticketCategory);
    case 'SURVEY_ANSWERED':
      return detail('survey', String(trigger.survey || '').replace(/^surveys\//, ''));
    default:
      return null;
  }
}

// The parameter an action kind carries, as triggerDetail: 'reward' (its
// id), 'points' (a number), 'message' (the message type), 'survey' (its id).
export function actionDetail(action = {}) {
  const detail = (kind, value) => (value ? { kind, value: String(value) } : null);
  switch (action?.kind) {
    case 'ISSUE_COUPON':
      return detail('reward', String(action.reward || '').replace(/^rewards\//, ''));
    case 'AWARD_POINTS':
      return detail('points', count(action.points) || '');
    case 'EMIT_MESSAGE':
      return detail('message', action.messageType);
    case 'SEND_SURVEY':
      return detail('survey', String(action.survey || '').replace(/^surveys\//, ''));
    default:
      return null;
  }
}

// JourneyFunnel -> {triggered, scheduled, completed, skipped, members,
// skippedByReason: [{reason, runs}], completion}: the stages of the funnel
// (runs triggered, still scheduled, completed, skipped in total), the
// skipped runs by reason largest first (as the API orders them; sorted
// again, ties by reason name, reasons without runs left out), the distinct
// members and the completed share of the runs acted on (completed +
// skipped; null before any was).
export function funnelSeries(funnel = {}) {
  const skippedByReason = (funnel.skippedByReason || [])
    .map((s) => ({ reason: s.reason || 'SKIP_REASON_UNSPECIFIED', runs: count(s.runCount) }))
    .filter((s) => s.runs > 0)
    .sort((a, b) => b.runs - a.runs || a.reason.localeCompare(b.reason));
  const completed = count(funnel.completedCount);
  const skipped = count(funnel.skippedCount);
  return {
    triggered: count(funnel.triggeredCount),
    scheduled: count(funnel.scheduledCount),
    completed,
    skipped,
    members: count(funnel.memberCount),
    skippedByReason,
    completion: completed + skipped > 0 ? completed / (completed + skipped) : null,
  };
}

// The numbers behind the funnel chart (its data-chart attribute), for the
// browser test to compare with the API: the three stages, then
// `skipped:{reason}` per reason, then the members.
export function funnelChartData(series) {
  const data = { triggered: series.triggered, scheduled: series.scheduled, completed: series.completed };
  for (const s of series.skippedByReason) data[`skipped:${s.reason}`] = s.runs;
  data.members = series.members;
  return data;
}

// The journey a panel opens on: the one named by `selected` when listed,
// else the first ACTIVE one, else the first; null for none.
export function initialJourney(journeys = [], selected = '') {
  if (journeys.some((j) => j.name === selected)) return selected;
  const active = journeys.find((j) => (j.state || 'ACTIVE') === 'ACTIVE');
  return (active || journeys[0])?.name ?? null;
}
