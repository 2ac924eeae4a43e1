// Overview: the customer base at a glance. What each chart reads:
//   customers now and new this month, monthly growth (12 months), channel mix
//                      GET /v1/customerStatistics?months=12 (customer-profile)
//   headline figures, value tiers, lifecycle, RFM heat map, CLV
//                      GET /v1/customerScores (every page; segmentation)
//   feedback sentiment by week, complaint categories
//                      GET /v1/feedback (the newest 2000 items; feedback)
//   points liability, members, points expiring by month
//                      GET /v1/programs/default/statistics (loyalty)
//   NPS and CSAT trend GET /v1/surveys/{id}:scores?interval=DAY over the last
//                      30 days, for the survey last opened on the Feedback page,
//                      else the newest (GET /v1/surveys?pageSize=1)
import { html } from 'htm/preact';
import { api } from '../api.js';
import { useMemo } from 'preact/hooks';
import {
  loadCustomerStatistics, loadFeedback, loadProgramStatistics, loadScores, takeEarly,
} from '../prefetch.js';
import {
  clvHistogram, complaintCategories, lifecycleCounts, lifecycleStages, rfmGrid,
  scoreSummary, sentimentByWeek, sentiments, tierCounts, valueTiers,
} from '../aggregate.js';
import { channelMix, count, expirySeries, growthSeries, monthKey } from '../statistics.js';
import { Chart } from '../chart.js';
import {
  categoryName, formatMoney, formatMonth, formatNumber, formatPercent, t,
} from '../i18n.js';
import { Card, Kpi, LoadState, useLoad } from '../load.js';
import { SurveyTrendChart, rememberedSurvey } from './survey_trend.js';

function channelLabel(channel) {
  return channel || t('noChannel');
}

function BaseCharts({ statistics }) {
  const { growth, channels } = useMemo(() => ({
    growth: growthSeries(statistics),
    channels: channelMix(statistics),
  }), [statistics]);
  const months = growth.months.map(formatMonth);
  const thisMonth = growth.newCustomers.length ? growth.newCustomers[growth.newCustomers.length - 1] : 0;
  return html`
    <div class="kpis">
      <${Kpi} id="kpi-customer-count" label=${t('customerCount')} value=${formatNumber(count(statistics.customerCount))} />
      <${Kpi} id="kpi-new-customers" label=${t('newThisMonth')} value=${formatNumber(thisMonth)} />
    </div>
    <div class="grid">
      <${Chart} id="chart-growth" label=${t('customerGrowth')}
        data=${{ months: growth.months.map(monthKey), newCustomers: growth.newCustomers, customerCount: growth.customerCount }} option=${{
        tooltip: { trigger: 'axis' },
        legend: { bottom: 0 },
        grid: { left: 50, right: 60, top: 20, bottom: 60 },
        xAxis: { type: 'category', data: months, axisLabel: { rotate: 30 } },
        yAxis: [{ type: 'value', minInterval: 1, name: t('newCustomers') },
          { type: 'value', minInterval: 1, name: t('customers'), splitLine: { show: false } }],
        series: [
          { type: 'bar', name: t('newCustomers'), data: growth.newCustomers },
          { type: 'line', name: t('customers'), yAxisIndex: 1, data: growth.customerCount },
        ],
      }} />
      <${Chart} id="chart-channels" label=${t('channelMix')} data=${channels} option=${{
        tooltip: { trigger: 'item' },
        legend: { bottom: 0, type: 'scroll' },
        series: [{ type: 'pie', radius: ['40%', '70%'], label: { formatter: '{b}: {c}' },
          data: Object.entries(channels).map(([channel, n]) => ({ name: channelLabel(channel), value: n })) }],
      }} />
    </div>`;
}

function PointsCharts({ statistics }) {
  const expiring = useMemo(() => expirySeries(statistics), [statistics]);
  return html`
    <div class="kpis">
      <${Kpi} id="kpi-points-liability" label=${t('pointsLiability')} value=${formatNumber(count(statistics.outstandingPoints))} />
      <${Kpi} id="kpi-members" label=${t('members')} value=${formatNumber(count(statistics.memberCount))} />
    </div>
    <div class="grid">
      ${expiring.months.length ? html`<${Chart} id="chart-expiring-points" label=${t('expiringPoints')}
        data=${{ months: expiring.months.map(monthKey), points: expiring.points }} option=${{
        tooltip: { trigger: 'axis' },
        grid: { left: 70, right: 20, top: 20, bottom: 50 },
        xAxis: { type: 'category', data: expiring.months.map(formatMonth), axisLabel: { rotate: 30 } },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', name: t('points'), itemStyle: { color: '#c05600' }, data: expiring.points }],
      }} />` : html`<${Card} title=${t('expiringPoints')}><p class="muted" id="expiring-none">${t('noExpiringPoints')}</p><//>`}
    </div>`;
}

function ScoreCharts({ scores }) {
  // Computed once per answer, not on every render of the page.
  const { summary, tiers, stages, grid, clv } = useMemo(() => ({
    summary: scoreSummary(scores),
    tiers: tierCounts(scores),
    stages: lifecycleCounts(scores),
    grid: rfmGrid(scores),
    clv: clvHistogram(scores),
  }), [scores]);
  const heat = [];
  grid.forEach((row, r) => row.forEach((cell, f) => {
    heat.push([f, r, Number(cell.meanMonetary.toFixed(2)), cell.count]);
  }));
  const scoreAxis = ['1', '2', '3', '4', '5'];
  const clvLabels = clv.counts.map((_, i) => formatMoney({
    currencyCode: clv.currency, amountMinor: clv.edges[i],
  }));
  return html`
    <div class="kpis">
      <${Kpi} id="kpi-customers" label=${t('customersScored')} value=${formatNumber(summary.customers)} />
      <${Kpi} id="kpi-high-value" label=${t('highValueShare')} value=${formatPercent(summary.highValueShare)} />
      <${Kpi} id="kpi-at-risk" label=${t('atRiskCustomers')} value=${formatNumber(summary.atRisk)} />
      <${Kpi} id="kpi-clv" label=${t('averageClv')} value=${formatMoney(summary.averageClv)} />
    </div>
    <div class="grid">
      <${Chart} id="chart-value-tiers" label=${t('valueTiers')} data=${tiers} option=${{
        tooltip: { trigger: 'item' },
        legend: { bottom: 0 },
        series: [{ type: 'pie', radius: ['40%', '70%'],
          label: { formatter: '{b}: {c}' },
          data: valueTiers.map((tier) => ({ name: t(`tier_${tier}`), value: tiers[tier] })) }],
      }} />
      <${Chart} id="chart-lifecycle" label=${t('lifecycle')} data=${stages} option=${{
        tooltip: { trigger: 'axis' },
        grid: { left: 90, right: 40, top: 10, bottom: 30 },
        xAxis: { type: 'value' },
        yAxis: { type: 'category', inverse: true, data: lifecycleStages.map((s) => t(`stage_${s}`)) },
        series: [{ type: 'bar', name: t('customers'), label: { show: true, position: 'right' },
          data: lifecycleStages.map((s) => stages[s]) }],
      }} />
      <${Chart} id="chart-rfm" label=${t('rfmHeatmap')}
        data=${grid.map((row) => row.map((c) => c.count))} option=${{
        tooltip: { formatter: (p) => `${t('recency')} ${p.value[1] + 1} · ${t('frequency')} ${p.value[0] + 1}<br>${t('customers')}: ${p.value[3]}<br>${t('monetary')}: ${p.value[2]}` },
        grid: { left: 60, right: 20, top: 10, bottom: 70 },
        xAxis: { type: 'category', data: scoreAxis, name: t('frequency'), nameLocation: 'middle', nameGap: 25 },
        yAxis: { type: 'category', data: scoreAxis, name: t('recency'), nameLocation: 'middle', nameGap: 30 },
        visualMap: { min: 1, max: 5, dimension: 2, orient: 'horizontal', left: 'center', bottom: 0,
          calculable: false, text: ['5', '1'], inRange: { color: ['#e8f0fb', '#1f5fbf'] } },
        series: [{ type: 'heatmap', data: heat, label: { show: true, formatter: (p) => String(p.value[3]) } }],
      }} />
      <${Chart} id="chart-clv" label=${`${t('clvDistribution')}${clv.currency ? ` (${clv.currency})` : ''}`}
        data=${clv.counts} option=${{
        tooltip: { trigger: 'axis' },
        grid: { left: 50, right: 20, top: 10, bottom: 60 },
        xAxis: { type: 'category', data: clvLabels, axisLabel: { rotate: 30 } },
        yAxis: { type: 'value' },
        series: [{ type: 'bar', name: t('customers'), data: clv.counts }],
      }} />
    </div>`;
}

function FeedbackCharts({ feedback }) {
  const { weekly, categories } = useMemo(() => ({
    weekly: sentimentByWeek(feedback),
    categories: complaintCategories(feedback),
  }), [feedback]);
  const colours = { POSITIVE: '#2e8540', NEUTRAL: '#5f6368', NEGATIVE: '#b3261e' };
  return html`<div class="grid">
    <${Chart} id="chart-sentiment" label=${t('feedbackSentiment')} data=${weekly.series} option=${{
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 40, right: 20, top: 10, bottom: 50 },
      xAxis: { type: 'category', data: weekly.weeks },
      yAxis: { type: 'value', minInterval: 1 },
      series: sentiments.map((s) => ({ type: 'bar', stack: 'all', name: t(`sentiment_${s}`),
        itemStyle: { color: colours[s] }, data: weekly.series[s] })),
    }} />
    <${Chart} id="chart-complaints" label=${t('complaintCategories')}
      data=${Object.fromEntries(categories.map((c) => [c.category, c.count]))} option=${{
      tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 40, top: 10, bottom: 30 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: categories.map((c) => categoryName(c.category)) },
      series: [{ type: 'bar', label: { show: true, position: 'right' }, itemStyle: { color: '#b3261e' },
        data: categories.map((c) => c.count) }],
    }} />
  </div>`;
}

// The trend of the survey last opened on the Feedback page, else of the
// newest survey; a hint when there is none.
function SurveyTrendCard() {
  const remembered = rememberedSurvey();
  const newest = useLoad(() => (remembered ? Promise.resolve(null) : api.get('/v1/surveys', { pageSize: 1 })));
  if (remembered) return html`<${SurveyTrendChart} survey=${remembered} />`;
  if (!newest.data) return html`<${LoadState} state=${newest} />`;
  const name = newest.data.surveys?.[0]?.name;
  return name ? html`<${SurveyTrendChart} survey=${name} />` : html`<p class="muted" id="survey-trend-none">${t('surveyTrendHint')}</p>`;
}

export function OverviewPage() {
  const base = useLoad(() => takeEarly('customerStatistics') || loadCustomerStatistics());
  const scores = useLoad(() => takeEarly('scores') || loadScores());
  const feedback = useLoad(() => takeEarly('feedback') || loadFeedback());
  const points = useLoad(() => takeEarly('programStatistics') || loadProgramStatistics());
  return html`<h1>${t('navOverview')}</h1>
    <section aria-label=${t('customerBase')} id="overview-base">
      <${LoadState} state=${base} />
      ${base.data && html`<${BaseCharts} statistics=${base.data} />`}
    </section>
    <${LoadState} state=${scores} />
    ${scores.data && (scores.data.length
      ? html`<${ScoreCharts} scores=${scores.data} />`
      : html`<p class="muted">${t('noData')}</p>`)}
    <${LoadState} state=${feedback} />
    ${feedback.data && html`<${FeedbackCharts} feedback=${feedback.data} />`}
    <section aria-label=${t('pointsLiability')} id="overview-points">
      <${LoadState} state=${points} />
      ${points.data && html`<${PointsCharts} statistics=${points.data} />`}
    </section>
    <${Card} title=${t('surveyTrend')} wide=${true}>
      <${SurveyTrendCard} />
    <//>`;
}
