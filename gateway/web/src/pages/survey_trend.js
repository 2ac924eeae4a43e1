// Survey scores (GET /v1/surveys/{id}:scores): the last 30 days by day, as a
// line chart of NPS and CSAT %, plus the totals. The survey last opened is
// remembered in localStorage ("crm.survey") for the Overview.
import { html } from 'htm/preact';
import { api } from '../api.js';
import { Chart } from '../chart.js';
import { formatNumber, t } from '../i18n.js';
import { LoadState, useLoad } from '../load.js';

export function rememberedSurvey() {
  return globalThis.localStorage?.getItem('crm.survey') || '';
}

export function rememberSurvey(name) {
  localStorage.setItem('crm.survey', name);
}

// [start, end] of the last `days` UTC days, today included, as RFC 3339.
function lastDays(days) {
  const now = new Date();
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 23, 59, 59));
  const start = new Date(end.getTime() - (days - 1) * 86400000);
  start.setUTCHours(0, 0, 0, 0);
  return [start.toISOString(), end.toISOString()];
}

export function loadSurveyScores(survey) {
  const [startTime, endTime] = lastDays(30);
  return api.get(`/v1/${survey}:scores`, { startTime, endTime, interval: 'DAY' });
}

// A score, or '–' when no answer of its kind was given (a 0 would read as
// a real score).
function answered(answers, value, digits) {
  return Number(answers || 0) > 0 ? formatNumber(value || 0, { maximumFractionDigits: digits }) : '–';
}

export function SurveyTrendChart({ survey, showTotals = false }) {
  const state = useLoad(() => loadSurveyScores(survey), [survey]);
  if (!state.data) return html`<${LoadState} state=${state} />`;
  const scores = state.data;
  const trend = scores.trend || [];
  const days = trend.map((p) => p.startTime.slice(5, 10));
  const value = (p, field, countField) => (Number(p.scores?.[countField] || 0) > 0 ? Number(p.scores[field].toFixed(1)) : null);
  const nps = trend.map((p) => value(p, 'nps', 'npsAnswers'));
  const csat = trend.map((p) => value(p, 'csatPercent', 'csatAnswers'));
  const total = scores.total || {};
  return html`
    ${showTotals && html`<dl class="facts" id="survey-totals" data-survey=${survey}>
      <dt>${t('responses')}</dt><dd>${formatNumber(total.responses)}</dd>
      <dt>${t('nps')}</dt><dd id="survey-nps">${answered(total.npsAnswers, total.nps, 1)}</dd>
      <dt>${t('promoters')} / ${t('passives')} / ${t('detractors')}</dt>
      <dd>${formatNumber(total.promoters)} / ${formatNumber(total.passives)} / ${formatNumber(total.detractors)}</dd>
      <dt>${t('csat')}</dt><dd id="survey-csat">${answered(total.csatAnswers, total.csatPercent, 1)}</dd>
      <dt>${t('ces')}</dt><dd id="survey-ces">${answered(total.cesAnswers, total.cesMean, 2)}</dd>
    </dl>`}
    <${Chart} id="chart-survey-trend" label=${`${t('surveyTrend')} · ${survey} · ${t('last30days')}`}
      data=${{ nps, csat }} option=${{
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 40, right: 20, top: 10, bottom: 50 },
      xAxis: { type: 'category', data: days },
      yAxis: { type: 'value', min: -100, max: 100 },
      series: [
        { type: 'line', name: t('nps'), connectNulls: true, data: nps },
        { type: 'line', name: t('csat'), connectNulls: true, data: csat },
      ],
    }} />`;
}
