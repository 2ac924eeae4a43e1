// The customer page: every part fetched concurrently, each shown on its own
// (a part that fails shows its error; the others still show):
//   profile   GET /v1/customers/{id}                  (customer-profile)
//   scores    GET /v1/customers/{id}/score            (segmentation)
//   points    GET /v1/accounts/{id}, GET /v1/accounts/{id}/ledgerEntries (loyalty)
//   orders    GET /v1/customers/{id}/orders           (customer-profile)
//   feedback  GET /v1/feedback?filter=customer_id = "{id}" (feedback)
import { html } from 'htm/preact';
import { ApiError, api } from '../api.js';
import {
  formatDate, formatDateTime, formatMoney, formatNumber, formatPercent, t,
} from '../i18n.js';
import { Card, LoadState, useLoad } from '../load.js';
import { customerLabel } from './customers.js';

// Resolves to null for 404 (the part does not exist yet), rejects otherwise.
async function optional(promise) {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && error.httpStatus === 404) return null;
    throw error;
  }
}

function Profile({ customer }) {
  const summary = customer.purchaseSummary || {};
  return html`<dl class="facts">
    <dt>${t('name')}</dt><dd id="customer-name">${customerLabel(customer)}</dd>
    <dt>${t('email')}</dt><dd>${customer.email || '–'}</dd>
    <dt>${t('phone')}</dt><dd>${customer.phone || '–'}</dd>
    <dt>${t('country')}</dt><dd>${[customer.address?.countryCode, customer.address?.city].filter(Boolean).join(' · ') || '–'}</dd>
    <dt>${t('state')}</dt><dd>${customer.state}</dd>
    <dt>${t('tags')}</dt><dd>${(customer.tags || []).map((tag) => html`<span class="tag">${tag}</span>`)}</dd>
    <dt>${t('identities')}</dt><dd>${(customer.externalIdentities || []).map((i) => `${i.channel}:${i.id}`).join(', ') || '–'}</dd>
    <dt>${t('orderCount')}</dt><dd>${formatNumber(summary.orderCount || 0)}</dd>
    <dt>${t('totalSpent')}</dt><dd>${(summary.totalSpent || []).map(formatMoney).join(' + ') || '–'}</dd>
    <dt>${t('created')}</dt><dd>${formatDate(customer.createTime)}</dd>
  </dl>`;
}

function Scores({ score }) {
  if (!score) return html`<p class="muted">${t('noScore')}</p>`;
  const rfm = score.rfm || {};
  return html`<dl class="facts" id="customer-scores">
    <dt>${t('valueTier')}</dt><dd>${t(`tier_${score.valueTier}`)}</dd>
    <dt>${t('lifecycleStage')}</dt><dd>${t(`stage_${score.lifecycleStage}`)}</dd>
    <dt>${t('rfm')}</dt><dd>${rfm.recency}-${rfm.frequency}-${rfm.monetary}</dd>
    <dt>${t('rfmSegment')}</dt><dd>${rfm.segment || '–'}</dd>
    <dt>${t('monetaryValue')}</dt><dd>${formatMoney(score.monetaryValue)}</dd>
    <dt>${t('clv')}</dt><dd>${formatMoney(score.clv?.value)}</dd>
    <dt>${t('pAlive')}</dt><dd>${score.clv?.model ? formatPercent(score.clv.pAlive) : '–'}</dd>
    <dt>${t('expectedPurchases')}</dt><dd>${score.clv?.model ? formatNumber(score.clv.expectedPurchases, { maximumFractionDigits: 2 }) : '–'}</dd>
  </dl>`;
}

function Points({ account, ledger }) {
  if (!account) return html`<p class="muted">${t('noAccount')}</p>`;
  return html`<dl class="facts" id="customer-points">
      <dt>${t('balance')}</dt><dd id="points-balance">${formatNumber(account.pointsBalance)}</dd>
      <dt>${t('tier')}</dt><dd>${account.tier || '–'}</dd>
      <dt>${t('qualifyingPoints')}</dt><dd>${formatNumber(account.qualifyingPoints)}</dd>
    </dl>
    <h3>${t('ledger')}</h3>
    <table class="list"><thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('type')}</th>
      <th scope="col" class="num">${t('delta')}</th><th scope="col" class="num">${t('balance')}</th>
      <th scope="col">${t('reason')}</th></tr></thead>
    <tbody>${(ledger || []).map((e) => html`<tr><td>${formatDate(e.createTime)}</td><td>${e.type}</td>
      <td class="num">${formatNumber(e.pointsDelta, { signDisplay: 'always' })}</td>
      <td class="num">${formatNumber(e.balanceAfter)}</td><td>${e.reason || e.source || ''}</td></tr>`)}</tbody></table>`;
}

function Orders({ orders }) {
  if (!orders.length) return html`<p class="muted">${t('noData')}</p>`;
  return html`<table class="list" id="customer-orders"><thead><tr><th scope="col">${t('time')}</th>
    <th scope="col">${t('channel')}</th><th scope="col" class="num">${t('amount')}</th>
    <th scope="col" class="num">${t('refunded')}</th></tr></thead>
    <tbody>${orders.map((o) => html`<tr><td>${formatDateTime(o.orderTime)}</td><td>${o.channel}</td>
      <td class="num">${formatMoney(o.amount)}</td>
      <td class="num">${Number(o.refundedAmount?.amountMinor || 0) ? formatMoney(o.refundedAmount) : '–'}</td></tr>`)}</tbody></table>`;
}

function FeedbackList({ items }) {
  if (!items.length) return html`<p class="muted">${t('noData')}</p>`;
  return html`<table class="list"><thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('type')}</th>
    <th scope="col">${t('rating')}</th><th scope="col">${t('sentiment')}</th><th scope="col">${t('text')}</th></tr></thead>
    <tbody>${items.map((f) => html`<tr><td>${formatDate(f.createTime)}</td><td>${t(`type_${f.type}`)}</td>
      <td>${f.rating || '–'}</td><td>${f.analysis ? t(`sentiment_${f.analysis.sentiment}`) : '–'}</td>
      <td>${f.text}</td></tr>`)}</tbody></table>`;
}

function Part({ state, children }) {
  return state.data === null && (state.loading || state.error) ? html`<${LoadState} state=${state} />` : children(state.data);
}

export function CustomerPage({ id }) {
  const customer = useLoad(() => api.get(`/v1/customers/${id}`), [id]);
  const score = useLoad(() => optional(api.get(`/v1/customers/${id}/score`)), [id]);
  const account = useLoad(() => optional(Promise.all([
    api.get(`/v1/accounts/${id}`),
    api.get(`/v1/accounts/${id}/ledgerEntries`, { pageSize: 20 }),
  ])), [id]);
  const orders = useLoad(() => api.get(`/v1/customers/${id}/orders`, { pageSize: 50 }), [id]);
  const feedback = useLoad(() => api.get('/v1/feedback', { filter: `customer_id = "${id}"`, pageSize: 50 }), [id]);
  return html`<p><a href="#/customers">${t('back')}</a></p>
    <h1>${customer.data ? customerLabel(customer.data) : t('customer')}</h1>
    <div class="grid">
      <${Card} title=${t('profile')} id="card-profile"><${Part} state=${customer}>${(c) => html`<${Profile} customer=${c} />`}<//><//>
      <${Card} title=${t('scores')} id="card-scores"><${Part} state=${score}>${(s) => html`<${Scores} score=${s} />`}<//><//>
      <${Card} title=${t('points')} id="card-points"><${Part} state=${account}>${(a) =>
        html`<${Points} account=${a?.[0]} ledger=${a?.[1]?.ledgerEntries} />`}<//><//>
      <${Card} title=${t('orders')} id="card-orders"><${Part} state=${orders}>${(o) => html`<${Orders} orders=${o.orders || []} />`}<//><//>
      <${Card} title=${t('feedback')} wide=${true} id="card-feedback"><${Part} state=${feedback}>${(f) => html`<${FeedbackList} items=${f.feedback || []} />`}<//><//>
    </div>`;
}
