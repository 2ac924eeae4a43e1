// Pure functions from API lists to the numbers the charts show. No DOM, no
// fetch: unit-tested with `node --test` (aggregate.test.js).

export const valueTiers = ['HIGH', 'MEDIUM', 'LOW'];
// The lifecycle in the order a customer moves through it.
export const lifecycleStages = ['PROSPECT', 'NEW', 'ACTIVE', 'LOYAL', 'REACTIVATED', 'AT_RISK', 'CHURNED'];
export const sentiments = ['POSITIVE', 'NEUTRAL', 'NEGATIVE'];

function countBy(items, keyOf, keys) {
  const counts = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const item of items) {
    const key = keyOf(item);
    if (key in counts) counts[key] += 1;
  }
  return counts;
}

// {HIGH, MEDIUM, LOW} counts of CustomerScore.valueTier (unscored left out).
export function tierCounts(scores) {
  return countBy(scores, (s) => s.valueTier, valueTiers);
}

// Counts per lifecycle stage, in lifecycleStages order.
export function lifecycleCounts(scores) {
  return countBy(scores, (s) => s.lifecycleStage, lifecycleStages);
}

// The RFM grid: cells[r-1][f-1] = {count, meanMonetary} for recency r and
// frequency f (1..5); customers without an RFM score (0) are left out.
export function rfmGrid(scores) {
  const cells = Array.from({ length: 5 }, () => Array.from({ length: 5 }, () => ({ count: 0, sum: 0 })));
  for (const s of scores) {
    const r = s.rfm?.recency || 0;
    const f = s.rfm?.frequency || 0;
    if (r < 1 || r > 5 || f < 1 || f > 5) continue;
    const cell = cells[r - 1][f - 1];
    cell.count += 1;
    cell.sum += s.rfm.monetary || 0;
  }
  return cells.map((row) => row.map((c) => ({ count: c.count, meanMonetary: c.count ? c.sum / c.count : 0 })));
}

// The currency most CLV estimates are in, and a histogram of those values
// (in major units) over `bins` equal-width bins from 0 to the largest value.
export function clvHistogram(scores, bins = 10) {
  const byCurrency = new Map();
  for (const s of scores) {
    const value = s.clv?.value;
    if (!value?.currencyCode) continue;
    if (!byCurrency.has(value.currencyCode)) byCurrency.set(value.currencyCode, []);
    byCurrency.get(value.currencyCode).push(Number(value.amountMinor || 0));
  }
  let currency = '';
  let values = [];
  for (const [code, list] of byCurrency) {
    if (list.length > values.length) [currency, values] = [code, list];
  }
  if (values.length === 0) return { currency: '', edges: [], counts: [], total: 0 };
  const max = Math.max(...values);
  const width = max > 0 ? niceCeil(max / bins) : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * width);
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))] += 1;
  return { currency, edges, counts, total: values.length };
}

// The smallest 1, 2 or 5 × 10^n at or above x (x > 0).
export function niceCeil(x) {
  const power = 10 ** Math.floor(Math.log10(x));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= x) return step * power;
  }
  return 10 * power;
}

// Headline figures of the scored base.
export function scoreSummary(scores) {
  const tiers = tierCounts(scores);
  const stages = lifecycleCounts(scores);
  const clv = clvHistogram(scores);
  let clvSum = 0;
  let clvCount = 0;
  for (const s of scores) {
    if (s.clv?.value?.currencyCode === clv.currency) {
      clvSum += Number(s.clv.value.amountMinor || 0);
      clvCount += 1;
    }
  }
  return {
    customers: scores.length,
    highValueShare: scores.length ? tiers.HIGH / scores.length : 0,
    atRisk: stages.AT_RISK + stages.CHURNED,
    averageClv: clvCount ? { currencyCode: clv.currency, amountMinor: Math.round(clvSum / clvCount) } : null,
  };
}

// The Monday (UTC) of the week of an RFC 3339 time, as YYYY-MM-DD.
export function weekOf(timestamp) {
  const date = new Date(timestamp);
  const day = (date.getUTCDay() + 6) % 7;
  const monday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - day));
  return monday.toISOString().slice(0, 10);
}

// Feedback counts per week (oldest first) and sentiment:
// {weeks: [...], series: {POSITIVE: [...], NEUTRAL: [...], NEGATIVE: [...]}}.
export function sentimentByWeek(feedback) {
  const weeks = new Map();
  for (const item of feedback) {
    const sentiment = item.analysis?.sentiment;
    if (!item.createTime || !sentiments.includes(sentiment)) continue;
    const week = weekOf(item.createTime);
    if (!weeks.has(week)) weeks.set(week, Object.fromEntries(sentiments.map((s) => [s, 0])));
    weeks.get(week)[sentiment] += 1;
  }
  const sorted = [...weeks.keys()].sort();
  const series = Object.fromEntries(sentiments.map((s) => [s, sorted.map((w) => weeks.get(w)[s])]));
  return { weeks: sorted, series };
}

// [{category, count}] of complaints, most frequent first (uncategorised
// complaints under "").
export function complaintCategories(feedback) {
  const counts = new Map();
  for (const item of feedback) {
    if (item.type !== 'COMPLAINT') continue;
    const category = item.analysis?.category || '';
    counts.set(category, (counts.get(category) || 0) + 1);
  }
  return [...counts].map(([category, count]) => ({ category, count }))
    .sort((a, b) => b.count - a.count || a.category.localeCompare(b.category));
}

// Counts per feedback type.
export function feedbackTypeCounts(feedback) {
  return countBy(feedback, (f) => f.type, ['COMPLAINT', 'SUGGESTION', 'PRAISE', 'QUESTION']);
}

function quoted(value) {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// What the customer search box asks for:
//   {kind: 'get', name: 'customers/ID'}  a customer name or a bare id
//   {kind: 'list', filter: '...'}        a ListCustomers filter
// An email, a phone number and a channel:id become equality filters on
// email, phone and external_identities; anything else with an operator or
// a space is taken as a filter expression as typed.
export function customerSearch(text) {
  const input = text.trim();
  if (!input) return { kind: 'list', filter: '' };
  if (/^customers\/[^\s/]+$/.test(input)) return { kind: 'get', name: input };
  if (/^[^\s@"]+@[^\s@"]+$/.test(input)) return { kind: 'list', filter: `email = ${quoted(input)}` };
  if (/^\+?[\d\s().-]{6,}$/.test(input) && /\d{5}/.test(input.replace(/\D/g, ''))) {
    return { kind: 'list', filter: `phone = ${quoted(input)}` };
  }
  if (/^[a-z][a-z0-9_]*:[^\s"=<>]+$/.test(input)) {
    return { kind: 'list', filter: `external_identities = ${quoted(input)}` };
  }
  if (/^[A-Za-z0-9_-]+$/.test(input)) return { kind: 'get', name: `customers/${input}` };
  return { kind: 'list', filter: input };
}
