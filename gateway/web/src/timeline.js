// A customer's timeline: orders, interaction events, feedback, survey
// answers, lifecycle-stage changes, coupons and tickets merged into one list,
// newest first. Pure (no DOM, no fetch): unit-tested with `node --test`
// (statistics.test.js).
//
//   customerTimeline({orders, events, feedback, surveyResponses,
//                     lifecycleHistory, coupons, tickets}, limit)
//     -> [{kind, time, item}]  kind: order | event | feedback | survey |
//                              lifecycle | coupon | ticket
// Items without a time are left out; equal times keep the order of the
// kinds above.

const sources = [
  ['order', 'orders', (o) => o.orderTime],
  ['event', 'events', (e) => e.eventTime],
  ['feedback', 'feedback', (f) => f.createTime],
  ['survey', 'surveyResponses', (r) => r.createTime],
  ['lifecycle', 'lifecycleHistory', (l) => l.transitionTime],
  ['coupon', 'coupons', (c) => c.issueTime],
  ['ticket', 'tickets', (x) => x.createTime],
];

export const timelineKinds = sources.map(([kind]) => kind);

export function customerTimeline(parts, limit = 100) {
  const entries = [];
  sources.forEach(([kind, field, timeOf], rank) => {
    const seen = new Set();
    for (const item of parts?.[field] || []) {
      const time = timeOf(item);
      const ms = Date.parse(time || '');
      if (!Number.isFinite(ms)) continue;
      // The same item from two sources (the view and a list) once.
      if (item.name) {
        if (seen.has(item.name)) continue;
        seen.add(item.name);
      }
      entries.push({ kind, time, ms, rank, item });
    }
  });
  entries.sort((a, b) => b.ms - a.ms || a.rank - b.rank);
  return entries.slice(0, limit).map(({ kind, time, item }) => ({ kind, time, item }));
}

// The newest answer of a question kind (NPS, CSAT, CES) among survey
// responses: {score, time, survey} or null. An answer's kind is its
// `questionKind` (the version answered); responses are searched newest
// first whatever their order.
export function latestAnswer(responses, kind) {
  const sorted = [...(responses || [])].sort((a, b) =>
    String(b.createTime || '').localeCompare(String(a.createTime || '')));
  for (const response of sorted) {
    const answer = (response.answers || []).find((a) => a.questionKind === kind);
    if (answer) {
      return { score: Number(answer.score || 0), time: response.createTime, survey: response.name?.split('/responses/')[0] || '' };
    }
  }
  return null;
}
