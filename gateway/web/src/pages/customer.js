// The customer page (the 360 view). Three calls at once, each shown on its
// own (one that fails shows its error; the others still show):
//   GET /v1/customers/{id}:view   (the gateway's 360 view, gateway/README.md):
//       profile, score, segments, account, tier progress, the latest ledger
//       entries, feedback, open tickets, coupons, lifecycle history, latest
//       NPS and CSAT, open alerts, next-best offers; a part its backend could
//       not give is named in `missing` and shown as such
//   GET /v1/customers/{id}/orders (customer-profile, newest 50)
//   GET /v1/surveys/-/responses?filter=customer = "customers/{id}" (newest 20)
//   GET /v1/rewards (once per page load: coupons show their reward's name)
// and a timeline of orders, feedback, survey answers, lifecycle changes,
// coupons and tickets (timeline.js; interaction events too where the view
// carries them as `recentEvents`).
import { html } from 'htm/preact';
import { api, resourceId } from '../api.js';
import {
  formatDate, formatDateTime, formatMoney, formatNumber, formatPercent, t,
} from '../i18n.js';
import { Card, LoadState, useLoad } from '../load.js';
import { count, tierProgressShare } from '../statistics.js';
import { customerTimeline, latestAnswer } from '../timeline.js';
import { customerLabel } from './customers.js';

// Unstated reads as an individual (customer.proto).
function customerTypeOf(customer) {
  return customer.customerType === 'BUSINESS' ? 'BUSINESS' : 'INDIVIDUAL';
}

function Profile({ customer }) {
  const summary = customer.purchaseSummary || {};
  return html`<dl class="facts">
    <dt>${t('name')}</dt><dd id="customer-name">${customerLabel(customer)}</dd>
    <dt>${t('email')}</dt><dd>${customer.email || '–'}</dd>
    <dt>${t('phone')}</dt><dd>${customer.phone || '–'}</dd>
    <dt>${t('customerType')}</dt><dd id="customer-type" data-type=${customerTypeOf(customer)}>${t(`customerType_${customerTypeOf(customer)}`)}</dd>
    ${customer.customerType === 'BUSINESS'
      ? html`<dt>${t('company')}</dt><dd id="customer-company">${customer.companyName || '–'}${customer.taxId ? ` (${customer.taxId})` : ''}</dd>`
      : ''}
    <dt>${t('country')}</dt><dd>${[customer.address?.countryCode, customer.address?.city].filter(Boolean).join(' · ') || '–'}</dd>
    <dt>${t('state')}</dt><dd>${customer.state}</dd>
    <dt>${t('tags')}</dt><dd>${(customer.tags || []).map((tag) => html`<span class="tag">${tag}</span>`)}</dd>
    <dt>${t('identities')}</dt><dd>${(customer.externalIdentities || []).map((i) => `${i.channel}:${i.id}`).join(', ') || '–'}</dd>
    <dt>${t('orderCount')}</dt><dd>${formatNumber(summary.orderCount || 0)}</dd>
    <dt>${t('totalSpent')}</dt><dd>${(summary.totalSpent || []).map(formatMoney).join(' + ') || '–'}</dd>
    <dt>${t('created')}</dt><dd>${formatDate(customer.createTime)}</dd>
  </dl>`;
}

function LatestScore({ id, label, latest }) {
  return html`<dt>${label}</dt><dd id=${id} data-score=${latest ? latest.score : undefined}>${latest
    ? html`${formatNumber(latest.score)} <span class="muted">(${formatDate(latest.time)})</span>` : '–'}</dd>`;
}

function Scores({ score, segments, nps, csat }) {
  const rfm = score?.rfm || {};
  return html`${score ? html`<dl class="facts" id="customer-scores">
    <dt>${t('valueTier')}</dt><dd>${t(`tier_${score.valueTier}`)}</dd>
    <dt>${t('lifecycleStage')}</dt><dd>${t(`stage_${score.lifecycleStage}`)}</dd>
    <dt>${t('rfm')}</dt><dd>${rfm.recency}-${rfm.frequency}-${rfm.monetary}</dd>
    <dt>${t('rfmSegment')}</dt><dd>${rfm.segment || '–'}</dd>
    <dt>${t('monetaryValue')}</dt><dd>${formatMoney(score.monetaryValue)}</dd>
    <dt>${t('clv')}</dt><dd>${formatMoney(score.clv?.value)}</dd>
    <dt>${t('pAlive')}</dt><dd>${score.clv?.model ? formatPercent(score.clv.pAlive) : '–'}</dd>
    <dt>${t('expectedPurchases')}</dt><dd>${score.clv?.model ? formatNumber(score.clv.expectedPurchases, { maximumFractionDigits: 2 }) : '–'}</dd>
    <dt>${t('cluster')}</dt><dd id="customer-cluster" data-cluster=${score.cluster || 0}>${score.cluster ? formatNumber(score.cluster) : '–'}</dd>
  </dl>` : html`<p class="muted">${t('noScore')}</p>`}
  <dl class="facts" id="customer-survey-scores">
    <${LatestScore} id="latest-nps" label=${t('latestNps')} latest=${nps} />
    <${LatestScore} id="latest-csat" label=${t('latestCsat')} latest=${csat} />
    <dt>${t('segments')}</dt><dd id="customer-segments">${(segments || []).length
      ? segments.map((m) => html`<span class="tag">${m.segmentDisplayName || resourceId(m.segment)}</span>`) : '–'}</dd>
  </dl>`;
}

function TierProgress({ progress }) {
  const share = tierProgressShare(progress);
  if (share === null) return null;
  const text = progress.nextTier
    ? t('toNextTier', {
      points: formatNumber(count(progress.pointsToNextTier)),
      tier: progress.nextTierDisplayName || progress.nextTier,
    })
    : t('topTier');
  return html`<div class="tier-progress" id="tier-progress" data-share=${share}
      data-points-to-next=${count(progress.pointsToNextTier)}>
    <label for="tier-meter">${progress.currentTierDisplayName || progress.currentTier || t('untiered')} → ${progress.nextTierDisplayName || progress.nextTier || '–'}</label>
    <meter id="tier-meter" min="0" max="1" value=${share}></meter>
    <span>${formatPercent(share, 0)} · ${text}</span>
  </div>`;
}

function Points({ account, progress, ledger }) {
  if (!account) return html`<p class="muted">${t('noAccount')}</p>`;
  return html`<dl class="facts" id="customer-points">
      <dt>${t('balance')}</dt><dd id="points-balance">${formatNumber(account.pointsBalance)}</dd>
      <dt>${t('tier')}</dt><dd>${account.tier || '–'}</dd>
      <dt>${t('qualifyingPoints')}</dt><dd>${formatNumber(account.qualifyingPoints)}</dd>
    </dl>
    <${TierProgress} progress=${progress} />
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
  return html`<table class="list" id="customer-feedback"><thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('type')}</th>
    <th scope="col">${t('rating')}</th><th scope="col">${t('sentiment')}</th><th scope="col">${t('text')}</th></tr></thead>
    <tbody>${items.map((f) => html`<tr><td>${formatDate(f.createTime)}</td><td>${t(`type_${f.type}`)}</td>
      <td>${f.rating || '–'}</td><td>${f.analysis ? t(`sentiment_${f.analysis.sentiment}`) : '–'}</td>
      <td>${f.text}</td></tr>`)}</tbody></table>`;
}

function Service({ tickets, alerts }) {
  return html`${tickets.length ? html`<table class="list" id="customer-tickets"><caption class="visually-hidden">${t('openTickets')}</caption>
      <thead><tr><th scope="col">${t('ticket')}</th><th scope="col">${t('priority')}</th>
        <th scope="col">${t('state')}</th><th scope="col">${t('created')}</th></tr></thead>
      <tbody>${tickets.map((x) => html`<tr data-ticket=${x.name}><td>${x.title}</td>
        <td class="nowrap">${(x.priority || '').replace('PRIORITY_UNSPECIFIED', '–')}</td>
        <td class="nowrap">${t(`ticketState_${x.state}`)}</td><td>${formatDateTime(x.createTime)}</td></tr>`)}</tbody></table>`
    : html`<p class="muted" id="no-open-tickets">${t('noOpenTickets')}</p>`}
    <h3>${t('openAlerts')}</h3>
    ${alerts.length ? html`<ul class="plain" id="customer-alerts">${alerts.map((a) => html`<li data-alert=${a.name}>
        <span class=${`badge ${a.kind}`}>${t(`alert_${a.kind}`)}</span> ${a.summary} <span class="muted">${formatDateTime(a.createTime)}</span></li>`)}</ul>`
    : html`<p class="muted">${t('noOpenAlerts')}</p>`}`;
}

// Reward display names by resource name, read once per page load; a reward
// that cannot be read is shown by its id.
let rewardNames = null;
function loadRewardNames() {
  rewardNames = rewardNames || api.listAll('/v1/rewards', 'rewards', { max: 1000, pageSize: 200 })
    .then((rewards) => Object.fromEntries(rewards.map((r) => [r.name, r.displayName])), () => ({}));
  return rewardNames;
}

function Coupons({ coupons, rewardName }) {
  if (!coupons.length) return html`<p class="muted" id="no-coupons">${t('noCoupons')}</p>`;
  return html`<table class="list" id="customer-coupons"><thead><tr><th scope="col">${t('couponCode')}</th>
      <th scope="col">${t('reward')}</th><th scope="col">${t('state')}</th>
      <th scope="col">${t('issued')}</th><th scope="col">${t('expires')}</th></tr></thead>
    <tbody>${coupons.map((c) => html`<tr data-coupon=${c.name}><td><code>${c.code || '–'}</code></td>
      <td data-reward=${c.reward}>${rewardName(c.reward)}</td><td>${t(`couponState_${c.state}`)}</td>
      <td>${formatDate(c.issueTime)}</td><td>${formatDate(c.expireTime)}</td></tr>`)}</tbody></table>`;
}

function Lifecycle({ transitions }) {
  if (!transitions.length) return html`<p class="muted" id="no-lifecycle">${t('noData')}</p>`;
  return html`<table class="list" id="customer-lifecycle"><thead><tr><th scope="col">${t('time')}</th>
      <th scope="col">${t('fromStage')}</th><th scope="col">${t('toStage')}</th></tr></thead>
    <tbody>${transitions.map((l) => html`<tr><td>${formatDateTime(l.transitionTime)}</td>
      <td>${t(`stage_${l.fromStage || 'LIFECYCLE_STAGE_UNSPECIFIED'}`)}</td>
      <td>${t(`stage_${l.toStage || 'LIFECYCLE_STAGE_UNSPECIFIED'}`)}</td></tr>`)}</tbody></table>`;
}

function Offers({ offers }) {
  if (!offers.length) return html`<p class="muted">${t('noData')}</p>`;
  return html`<ul class="plain" id="customer-offers">${offers.map((o) => html`<li>
    <span class="tag">${t(`offer_${o.type}`)}</span> ${o.reason}</li>`)}</ul>`;
}

function Recommendations({ items }) {
  if (!items.length) return html`<p class="muted">${t('noData')}</p>`;
  return html`<table class="list" id="customer-recommendations"><thead><tr><th scope="col">${t('product')}</th>
    <th scope="col">${t('category')}</th><th scope="col">${t('reason')}</th></tr></thead>
    <tbody>${items.map((r) => html`<tr><td>${r.sku}</td><td>${r.category || '–'}</td>
      <td>${t('boughtWith')} ${r.becauseSku} (${t('lift')} ${Number(r.lift || 0).toFixed(1)})</td></tr>`)}</tbody></table>`;
}

function answerText(response) {
  return (response.answers || []).filter((a) => ['NPS', 'CSAT', 'CES'].includes(a.questionKind))
    .map((a) => `${a.questionKind} ${formatNumber(a.score || 0)}`).join(' · ');
}

function TimelineEntry({ entry, rewardName }) {
  const { kind, item } = entry;
  let text;
  switch (kind) {
    case 'order':
      text = `${formatMoney(item.amount)} · ${item.channel || ''}`;
      break;
    case 'event':
      text = `${item.customType || item.type || ''} · ${item.channel || ''}`;
      break;
    case 'feedback':
      text = `${t(`type_${item.type}`)}${item.rating ? ` · ${formatNumber(item.rating)}★` : ''} · ${item.text || ''}`;
      break;
    case 'survey':
      text = answerText(item) || '–';
      break;
    case 'lifecycle':
      text = `${t(`stage_${item.fromStage || 'LIFECYCLE_STAGE_UNSPECIFIED'}`)} → ${t(`stage_${item.toStage || 'LIFECYCLE_STAGE_UNSPECIFIED'}`)}`;
      break;
    case 'coupon':
      text = `${rewardName(item.reward)} · ${t(`couponState_${item.state}`)}`;
      break;
    default:
      text = `${item.title || ''} · ${t(`ticketState_${item.state}`)}`;
  }
  return html`<li data-kind=${kind}><time datetime=${entry.time}>${formatDateTime(entry.time)}</time>
    <span class=${`kind kind-${kind}`}>${t(`timeline_${kind}`)}</span><span class="what">${text}</span></li>`;
}

function Timeline({ entries, rewardName }) {
  if (!entries.length) return html`<p class="muted">${t('noData')}</p>`;
  return html`<ol class="timeline" id="customer-timeline">${entries.map((e) => html`<${TimelineEntry} entry=${e} rewardName=${rewardName} />`)}</ol>`;
}

function Part({ state, children }) {
  return state.data === null && (state.loading || state.error) ? html`<${LoadState} state=${state} />` : children(state.data);
}

function Missing({ missing }) {
  if (!missing?.length) return null;
  return html`<p class="error" role="alert" id="view-missing">${t('partsMissing')}: ${missing.map((m) =>
    `${m.part} (${m.backend}: ${m.status})`).join(', ')}</p>`;
}

export function CustomerPage({ id }) {
  const view = useLoad(() => api.get(`/v1/customers/${id}:view`), [id]);
  const orders = useLoad(() => api.get(`/v1/customers/${id}/orders`, { pageSize: 50 }), [id]);
  const responses = useLoad(() => api.get('/v1/surveys/-/responses',
    { filter: `customer = "customers/${id}"`, pageSize: 20 }), [id]);
  const recommendations = useLoad(() => api.get(`/v1/customers/${id}/recommendations`, { count: 5 }), [id]);
  const rewards = useLoad(loadRewardNames);
  const rewardName = (name) => rewards.data?.[name] || resourceId(name);
  const v = view.data || {};
  const answers = responses.data?.responses || [];
  // The view's latest answers; from the responses listed here without it.
  const nps = v.latestNps !== undefined ? v.latestNps : latestAnswer(answers, 'NPS');
  const csat = v.latestCsat !== undefined ? v.latestCsat : latestAnswer(answers, 'CSAT');
  const timeline = customerTimeline({
    orders: orders.data?.orders,
    events: v.recentEvents,
    feedback: v.recentFeedback,
    surveyResponses: answers,
    lifecycleHistory: v.lifecycleHistory,
    coupons: v.coupons,
    tickets: v.openTickets,
  });
  const part = (render) => html`<${Part} state=${view}>${() => render(v)}<//>`;
  return html`<p><a href="#/customers">${t('back')}</a></p>
    <h1>${v.customer ? customerLabel(v.customer) : t('customer')}</h1>
    <${Missing} missing=${v.missing} />
    <div class="grid">
      <${Card} title=${t('profile')} id="card-profile">${part((x) => html`<${Profile} customer=${x.customer} />`)}<//>
      <${Card} title=${t('scores')} id="card-scores">${part((x) => html`<${Scores} score=${x.score}
        segments=${x.segments} nps=${nps} csat=${csat} />`)}<//>
      <${Card} title=${t('points')} id="card-points">${part((x) => html`<${Points} account=${x.account}
        progress=${x.tierProgress} ledger=${x.recentLedgerEntries} />`)}<//>
      <${Card} title=${t('openTickets')} id="card-tickets">${part((x) => html`<${Service}
        tickets=${x.openTickets || []} alerts=${x.openAlerts || []} />`)}<//>
      <${Card} title=${t('coupons')} id="card-coupons">${part((x) => html`<${Coupons} coupons=${x.coupons || []} rewardName=${rewardName} />`)}<//>
      <${Card} title=${t('lifecycleHistory')} id="card-lifecycle">${part((x) => html`<${Lifecycle} transitions=${x.lifecycleHistory || []} />`)}<//>
      <${Card} title=${t('nextBestOffers')} id="card-offers">${part((x) => html`<${Offers} offers=${x.nextBestOffers || []} />`)}<//>
      <${Card} title=${t('recommendations')} id="card-recommendations"><${Part} state=${recommendations}>${(r) => html`<${Recommendations} items=${r.recommendations || []} />`}<//><//>
      <${Card} title=${t('orders')} id="card-orders"><${Part} state=${orders}>${(o) => html`<${Orders} orders=${o.orders || []} />`}<//><//>
      <${Card} title=${t('timeline')} wide=${true} id="card-timeline">
        ${orders.loading || view.loading || responses.loading
          ? html`<p class="muted" role="status">${t('loading')}</p>`
          : html`<${Timeline} entries=${timeline} rewardName=${rewardName} />`}
        ${responses.error && html`<${LoadState} state=${responses} />`}
      <//>
      <${Card} title=${t('feedback')} wide=${true} id="card-feedback">${part((x) => html`<${FeedbackList} items=${x.recentFeedback || []} />`)}<//>
    </div>`;
}
