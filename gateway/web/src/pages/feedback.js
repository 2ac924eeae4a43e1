// Feedback: the ticket queue (GET /v1/tickets, newest 200: open tickets
// first by the SLA deadline running now, with the time left or overdue and
// the escalation level), the newest items (GET /v1/feedback, 200 newest)
// with the type mix chart, and a survey picked from the list (GET
// /v1/surveys, every page, newest first): its scores (GET
// /v1/surveys/{id}:scores, last 30 days by day: totals and NPS/CSAT trend)
// and its latest responses (GET /v1/surveys/{id}/responses, newest 10). The
// survey shown here is remembered for the Overview's trend chart.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, resourceId } from '../api.js';
import { feedbackTypeCounts } from '../aggregate.js';
import { Chart } from '../chart.js';
import {
  categoryName, formatDate, formatDateTime, formatNumber, t,
} from '../i18n.js';
import { Card, LoadState, useLoad, useNow } from '../load.js';
import { countdown, isOpen, queueOrder, slaDue } from '../sla.js';
import { SurveyTrendChart, rememberSurvey, rememberedSurvey } from './survey_trend.js';

function answerOf(response, kind) {
  const answer = (response.answers || []).find((a) => a.questionKind === kind);
  return answer ? formatNumber(answer.score || 0) : '–';
}

function SurveyResponses({ survey }) {
  const state = useLoad(() => api.get(`/v1/${survey}/responses`, { pageSize: 10 }), [survey]);
  if (!state.data) return html`<${LoadState} state=${state} />`;
  const responses = state.data.responses || [];
  if (responses.length === 0) return html`<p class="muted">${t('noData')}</p>`;
  return html`<table class="list" id="survey-responses"><caption class="visually-hidden">${t('latestResponses')}</caption>
    <thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('customer')}</th>
      <th scope="col">${t('channel')}</th><th scope="col" class="num">${t('nps')}</th>
      <th scope="col" class="num">${t('csatScore')}</th></tr></thead>
    <tbody>${responses.map((r) => html`<tr data-response=${r.name}><td>${formatDateTime(r.createTime)}</td>
      <td>${r.customer ? html`<a href=${`#/customers/${resourceId(r.customer)}`}>${resourceId(r.customer)}</a>` : t('anonymous')}</td>
      <td>${r.channel}</td><td class="num">${answerOf(r, 'NPS')}</td><td class="num">${answerOf(r, 'CSAT')}</td></tr>`)}</tbody></table>`;
}

function SurveyScores() {
  const surveys = useLoad(() => api.listAll('/v1/surveys', 'surveys', { max: 1000, pageSize: 200 }));
  const [picked, setPicked] = useState(rememberedSurvey());
  const list = surveys.data || [];
  // The survey last opened when it is listed, else the newest.
  const survey = list.some((s) => s.name === picked) ? picked : list[0]?.name || '';
  useEffect(() => {
    if (survey) rememberSurvey(survey);
  }, [survey]);
  if (!surveys.data) return html`<${LoadState} state=${surveys} />`;
  if (list.length === 0) return html`<p class="muted" id="no-surveys">${t('noSurveys')}</p>`;
  return html`<div class="row picker">
      <label for="survey-picker">${t('survey')}</label>
      <select id="survey-picker" value=${survey} onChange=${(e) => setPicked(e.target.value)}>
        ${list.map((s) => html`<option value=${s.name}>${s.title || resourceId(s.name)} · ${formatDate(s.createTime)}</option>`)}
      </select>
    </div>
    <${SurveyTrendChart} survey=${survey} showTotals=${true} key=${survey} />
    <h3>${t('latestResponses')}</h3>
    <${SurveyResponses} survey=${survey} key=${`responses-${survey}`} />`;
}

function SlaCell({ ticket, now }) {
  const due = slaDue(ticket);
  if (!due.kind) return html`<td class="muted">${t(`ticketState_${ticket.state}`)}</td>`;
  const left = countdown(due.deadline, now);
  const cls = left.overdue || due.state === 'BREACHED' ? 'sla breached'
    : due.state === 'IMMINENT' ? 'sla imminent' : 'sla';
  return html`<td class=${cls} data-minutes=${left.minutes} title=${formatDateTime(due.deadline)}>
    ${t(due.kind === 'firstResponse' ? 'slaFirstResponse' : 'slaResolution')}:
    ${' '}${left.overdue ? t('overdueBy', { time: left.text }) : t('dueIn', { time: left.text })}</td>`;
}

function TicketQueue() {
  const tickets = useLoad(() => api.listAll('/v1/tickets', 'tickets', { max: 200, pageSize: 200 }));
  const now = useNow(30000);
  if (!tickets.data) return html`<${LoadState} state=${tickets} />`;
  if (tickets.data.length === 0) return html`<p class="muted">${t('noData')}</p>`;
  const ordered = queueOrder(tickets.data);
  const open = ordered.filter(isOpen);
  const escalated = open.filter((x) => Number(x.escalationLevel || 0) > 0).length;
  return html`<p id="ticket-summary">${t('ticketSummary', {
      open: formatNumber(open.length), escalated: formatNumber(escalated) })}</p>
    <table class="list" id="ticket-queue"><thead><tr><th scope="col">${t('ticket')}</th>
      <th scope="col">${t('priority')}</th><th scope="col">${t('state')}</th>
      <th scope="col">${t('category')}</th><th scope="col">${t('customer')}</th>
      <th scope="col">${t('slaDue')}</th><th scope="col" class="num">${t('escalation')}</th>
      <th scope="col">${t('created')}</th></tr></thead>
    <tbody>${ordered.slice(0, 50).map((x) => html`<tr data-ticket=${x.name}>
      <td>${x.title}</td><td class="nowrap">${(x.priority || '').replace('PRIORITY_UNSPECIFIED', '–')}</td>
      <td class="nowrap">${t(`ticketState_${x.state}`)}</td><td>${categoryName(x.category)}</td>
      <td>${x.customer ? html`<a href=${`#/customers/${resourceId(x.customer)}`}>${resourceId(x.customer)}</a>` : '–'}</td>
      <${SlaCell} ticket=${x} now=${now} />
      <td class=${`num${Number(x.escalationLevel || 0) > 0 ? ' escalated' : ''}`}>${formatNumber(x.escalationLevel || 0)}</td>
      <td>${formatDateTime(x.createTime)}</td></tr>`)}</tbody></table>`;
}

export function FeedbackPage() {
  const feedback = useLoad(() => api.listAll('/v1/feedback', 'feedback', { max: 200, pageSize: 200 }));
  const types = feedback.data ? feedbackTypeCounts(feedback.data) : null;
  return html`<h1>${t('navFeedback')}</h1>
    <div class="grid">
      <${Card} title=${t('ticketQueue')} wide=${true} id="card-tickets"><${TicketQueue} /><//>
      <${Card} title=${t('survey')} wide=${true} id="card-survey"><${SurveyScores} /><//>
      ${types ? html`<${Chart} id="chart-feedback-types" label=${t('typeMix')} data=${types} option=${{
        tooltip: { trigger: 'item' },
        legend: { bottom: 0 },
        series: [{ type: 'pie', radius: ['40%', '70%'], label: { formatter: '{b}: {c}' },
          data: Object.entries(types).map(([type, count]) => ({ name: t(`type_${type}`), value: count })) }],
      }} />` : html`<${Card} title=${t('typeMix')}><${LoadState} state=${feedback} /><//>`}
      <${Card} title=${t('recentFeedback')} wide=${true} id="card-feedback-list">
        ${feedback.data && (feedback.data.length === 0 ? html`<p class="muted">${t('noData')}</p>` : html`
          <table class="list" id="feedback-list"><thead><tr><th scope="col">${t('time')}</th>
            <th scope="col">${t('customer')}</th><th scope="col">${t('channel')}</th><th scope="col">${t('type')}</th>
            <th scope="col" class="num">${t('rating')}</th><th scope="col">${t('sentiment')}</th>
            <th scope="col">${t('category')}</th><th scope="col">${t('text')}</th></tr></thead>
          <tbody>${feedback.data.slice(0, 50).map((f) => html`<tr><td>${formatDateTime(f.createTime)}</td>
            <td>${f.customer ? html`<a href=${`#/customers/${resourceId(f.customer)}`}>${resourceId(f.customer)}</a>` : t('anonymous')}</td>
            <td>${f.channel}</td><td>${t(`type_${f.type}`)}</td><td class="num">${f.rating ? formatNumber(f.rating) : '–'}</td>
            <td>${f.analysis ? t(`sentiment_${f.analysis.sentiment}`) : '–'}</td><td>${categoryName(f.analysis?.category)}</td>
            <td>${f.text}</td></tr>`)}</tbody></table>`)}
      <//>
    </div>`;
}
