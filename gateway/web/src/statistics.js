// Pure functions from the statistics answers (customer-profile's
// CustomerStatistics, loyalty's ProgramStatistics, segmentation's
// SegmentSizeHistory) to the series the charts draw. No DOM, no fetch:
// unit-tested with `node --test` (statistics.test.js).
//
// int64 fields arrive as JSON strings (the proto JSON mapping) or, from
// hand-written routes, as numbers: count() reads both, and a missing field
// (proto3 omits zeros) as 0.

export function count(value) {
  const number = Number(value ?? 0);
  return Number.isFinite(number) ? number : 0;
}

// "2026-03-01T00:00:00Z" -> "2026-03" (the UTC month), "" when unset.
export function monthKey(timestamp) {
  return timestamp ? new Date(timestamp).toISOString().slice(0, 7) : '';
}

// "2026-03-05T00:00:00Z" -> "2026-03-05" (the UTC day), "" when unset.
export function dayKey(timestamp) {
  return timestamp ? new Date(timestamp).toISOString().slice(0, 10) : '';
}

// CustomerStatistics -> {months, newCustomers, customerCount}: one entry
// per month, oldest first (as the API orders them; sorted again here so a
// chart never draws time backwards).
export function growthSeries(statistics) {
  const months = [...(statistics?.monthlyGrowth || [])]
    .sort((a, b) => String(a.monthStartTime).localeCompare(String(b.monthStartTime)));
  return {
    months: months.map((m) => m.monthStartTime),
    newCustomers: months.map((m) => count(m.newCustomers)),
    customerCount: months.map((m) => count(m.customerCount)),
  };
}

// CustomerStatistics -> {channel: customers}, largest first; customers
// without a source channel under "".
export function channelMix(statistics) {
  const totals = new Map();
  for (const c of statistics?.channels || []) {
    const channel = c.channel || '';
    totals.set(channel, (totals.get(channel) || 0) + count(c.customerCount));
  }
  return Object.fromEntries([...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

// ProgramStatistics -> {months, points}: outstanding points by the month
// they expire, oldest first.
export function expirySeries(statistics) {
  const months = [...(statistics?.expiringPoints || [])]
    .sort((a, b) => String(a.monthStartTime).localeCompare(String(b.monthStartTime)));
  return { months: months.map((m) => m.monthStartTime), points: months.map((m) => count(m.points)) };
}

// ProgramStatistics (+ the Program for the tiers' names and order) ->
// [{tierId, label, members}]: the untiered first (tierId ""), then the
// programme's tiers in its order, then any tier the statistics name that
// the programme no longer has. Every tier of the programme is listed, with
// 0 members where the statistics have none.
export function tierDistribution(statistics, program) {
  const members = new Map();
  for (const t of statistics?.tierMembers || []) {
    const id = t.tierId || '';
    members.set(id, (members.get(id) || 0) + count(t.memberCount));
  }
  const tiers = program?.tiers || [];
  const rows = [];
  if (members.has('')) rows.push({ tierId: '', label: '', members: members.get('') });
  for (const tier of tiers) {
    rows.push({ tierId: tier.tierId, label: tier.displayName || tier.tierId, members: members.get(tier.tierId) || 0 });
  }
  for (const [id, n] of members) {
    if (id !== '' && !tiers.some((tier) => tier.tierId === id)) rows.push({ tierId: id, label: id, members: n });
  }
  return rows;
}

// SegmentSizeHistory -> {days, sizes}, oldest first.
export function sizeSeries(history) {
  const days = [...(history?.dailySizes || [])]
    .sort((a, b) => String(a.dayStartTime).localeCompare(String(b.dayStartTime)));
  return { days: days.map((d) => d.dayStartTime), sizes: days.map((d) => count(d.memberCount)) };
}

// The SVG polyline points of a sparkline of `values` in a width × height
// box (1 px inset): the oldest value on the left, the largest at the top; a
// flat series is drawn at mid-height. "" for no values.
export function sparklinePoints(values, width, height) {
  if (!values.length) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const step = values.length > 1 ? (width - 2) / (values.length - 1) : 0;
  const y = (v) => (max === min ? height / 2 : 1 + (height - 2) * (1 - (v - min) / (max - min)));
  const round = (n) => Math.round(n * 10) / 10;
  return values.map((v, i) => `${round(1 + i * step)},${round(y(v))}`).join(' ');
}

// The tier progress of the 360 view ({qualifyingPoints,
// nextTierMinQualifyingPoints, pointsToNextTier, ...}) as a fraction 0..1
// of the way to the next tier; 1 at the top tier (no next tier), null
// without progress.
export function tierProgressShare(progress) {
  if (!progress) return null;
  if (!progress.nextTier) return 1;
  const target = count(progress.nextTierMinQualifyingPoints);
  if (target <= 0) return 1;
  return Math.max(0, Math.min(1, (target - count(progress.pointsToNextTier)) / target));
}
