// Loyalty: the programme (GET /v1/programs/default: tiers, earn rates,
// expiry), its members per tier (GET /v1/programs/default/statistics, with
// the programme for the tiers' names and order), the campaigns with their budget use (GET /v1/campaigns, every
// page: points awarded of the budget, orders rewarded, running or not), the
// rewards catalogue with a stock chart (GET /v1/rewards, every page), the
// journeys (GET /v1/journeys, every page: trigger, action, state) with the
// selected one's funnel (GET /v1/journeys/{id}/funnel: triggered, scheduled,
// completed, skipped by reason, members) and an account lookup
// (GET /v1/accounts/{id}).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Chart, palette } from '../chart.js';
import { formatDate, formatMoney, formatNumber, formatPercent, t } from '../i18n.js';
import {
  actionDetail, funnelChartData, funnelSeries, initialJourney, journeyId, triggerDetail,
} from '../journeys.js';
import { Card, LoadState, useLoad, useNow } from '../load.js';
import { count, tierDistribution } from '../statistics.js';

function TierMembers({ statistics, program }) {
  const rows = tierDistribution(statistics, program);
  const label = (row) => (row.tierId ? row.label : t('untiered'));
  return html`<dl class="facts" id="program-figures">
      <dt>${t('members')}</dt><dd>${formatNumber(count(statistics.memberCount))}</dd>
      <dt>${t('pointsLiability')}</dt><dd>${formatNumber(count(statistics.outstandingPoints))}</dd>
    </dl>
    <${Chart} id="chart-tier-members" label=${t('tierDistribution')}
      data=${Object.fromEntries(rows.map((r) => [r.tierId, r.members]))}
      height=${Math.max(160, 44 * rows.length + 40)} option=${{
      tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 50, top: 10, bottom: 30 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.map(label) },
      series: [{ type: 'bar', name: t('members'), label: { show: true, position: 'right' },
        data: rows.map((r) => r.members) }],
    }} />`;
}

function Program({ program }) {
  const expiry = program.expiryPolicy || {};
  return html`<h3>${t('tiers')}</h3>
    <table class="list" id="program-tiers"><thead><tr><th scope="col">${t('tier')}</th>
      <th scope="col" class="num">${t('minPoints')}</th><th scope="col" class="num">${t('multiplier')}</th></tr></thead>
    <tbody>${(program.tiers || []).map((tier) => html`<tr><td>${tier.displayName || tier.tierId}</td>
      <td class="num">${formatNumber(tier.minQualifyingPoints)}</td>
      <td class="num">${formatNumber((tier.multiplierPercent || 100) / 100, { style: 'percent' })}</td></tr>`)}</tbody></table>
    <h3>${t('earnRates')}</h3>
    <ul>${(program.earnRates || []).map((rate) => html`<li>${t('earnRate', {
      points: formatNumber(rate.points),
      amount: formatMoney({ currencyCode: rate.currencyCode, amountMinor: rate.perAmountMinor }),
    })}</li>`)}</ul>
    <p id="program-expiry">${t('expiry')}: ${t(`expiry_${expiry.mode || 'NEVER'}`, { months: expiry.months || 0 })}</p>`;
}

function AccountLookup() {
  const [text, setText] = useState('');
  const [id, setId] = useState('');
  return html`<form class="row" onSubmit=${(e) => { e.preventDefault(); setId(text.trim().replace(/^(customers|accounts)\//, '')); }}>
      <label for="account-id" class="visually-hidden">${t('customerId')}</label>
      <input id="account-id" placeholder=${t('customerId')} value=${text} onInput=${(e) => setText(e.target.value)} />
      <button type="submit">${t('open')}</button>
    </form>
    ${id && html`<p><a href=${`#/customers/${id}`}>${t('customer')} ${id}</a></p>`}`;
}

function campaignStatus(campaign, now) {
  if (Date.parse(campaign.startTime) > now) return 'scheduled';
  if (Date.parse(campaign.endTime) <= now) return 'ended';
  return Number(campaign.pointsAwarded || 0) >= Number(campaign.pointsBudget || 0) ? 'exhausted' : 'running';
}

function Campaigns({ campaigns }) {
  const now = useNow(60000);
  if (campaigns.length === 0) return html`<p class="muted">${t('noData')}</p>`;
  const used = Object.fromEntries(campaigns.map((c) => [c.displayName,
    [Number(c.pointsAwarded || 0), Number(c.pointsBudget || 0)]]));
  return html`<${Chart} id="chart-campaign-budget" label=${t('campaignBudget')} data=${used}
      height=${Math.max(120, 50 * campaigns.length + 40)} option=${{
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 180, right: 40, top: 10, bottom: 40 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: campaigns.map((c) => c.displayName) },
      series: [
        { type: 'bar', name: t('pointsAwarded'), stack: 'budget',
          data: campaigns.map((c) => Number(c.pointsAwarded || 0)) },
        { type: 'bar', name: t('budgetLeft'), stack: 'budget', itemStyle: { color: '#d5dae0' },
          data: campaigns.map((c) => Math.max(0, Number(c.pointsBudget || 0) - Number(c.pointsAwarded || 0))) },
      ],
    }} />
    <table class="list" id="campaign-list"><thead><tr><th scope="col">${t('displayName')}</th>
      <th scope="col">${t('campaignStatus')}</th><th scope="col">${t('campaignRule')}</th>
      <th scope="col">${t('period')}</th><th scope="col" class="num">${t('budgetUse')}</th>
      <th scope="col" class="num">${t('ordersRewarded')}</th></tr></thead>
    <tbody>${campaigns.map((c) => {
      const share = Number(c.pointsBudget) > 0 ? Number(c.pointsAwarded || 0) / Number(c.pointsBudget) : 0;
      const rule = [
        Number(c.multiplierPercent) > 100 ? `×${formatNumber(Number(c.multiplierPercent) / 100)}` : '',
        Number(c.bonusPointsPerOrder) > 0 ? t('bonusPerOrder', { points: formatNumber(c.bonusPointsPerOrder) }) : '',
        (c.tierIds || []).length ? `(${c.tierIds.join(', ')})` : t('allMembers'),
      ].filter(Boolean).join(' ');
      return html`<tr data-campaign=${c.name}><td>${c.displayName}</td>
        <td>${t(`campaign_${campaignStatus(c, now)}`)}</td><td>${rule}</td>
        <td>${formatDate(c.startTime)} – ${formatDate(c.endTime)}</td>
        <td class="num"><meter min="0" max="1" value=${share} aria-label=${t('budgetUse')}></meter>
          ${' '}${formatNumber(c.pointsAwarded || 0)} / ${formatNumber(c.pointsBudget)} (${formatNumber(share, { style: 'percent', maximumFractionDigits: 0 })})</td>
        <td class="num">${formatNumber(c.ordersRewarded || 0)}</td></tr>`;
    })}</tbody></table>`;
}

// An enum value's text (`{prefix}_{value}`), the value itself when the
// dashboard has none (a kind newer than this build).
function enumText(prefix, value) {
  const key = `${prefix}_${value}`;
  const text = t(key);
  return text === key ? value || '–' : text;
}

function JourneyFunnel({ journey }) {
  const funnel = useLoad(() => api.get(`/v1/journeys/${journeyId(journey.name)}/funnel`), [journey.name]);
  if (!funnel.data) return html`<${LoadState} state=${funnel} />`;
  const series = funnelSeries(funnel.data);
  const bars = [
    { label: t('funnelTriggered'), value: series.triggered, color: palette[0] },
    { label: t('funnelScheduled'), value: series.scheduled, color: palette[6] },
    { label: t('funnelCompleted'), value: series.completed, color: palette[1] },
    ...series.skippedByReason.map((s) => ({
      label: t('funnelSkippedBy', { reason: enumText('skip', s.reason) }), value: s.runs, color: palette[2],
    })),
  ];
  return html`<div id="journey-funnel" data-journey=${journey.name}>
    <h3>${journey.displayName || journeyId(journey.name)}</h3>
    <dl class="facts" id="journey-funnel-figures">
      <dt>${t('funnelTriggered')}</dt><dd data-figure="triggered">${formatNumber(series.triggered)}</dd>
      <dt>${t('funnelCompleted')}</dt><dd data-figure="completed">${formatNumber(series.completed)}</dd>
      <dt>${t('funnelSkipped')}</dt><dd data-figure="skipped">${formatNumber(series.skipped)}</dd>
      <dt>${t('funnelMembers')}</dt><dd data-figure="members">${formatNumber(series.members)}</dd>
      <dt>${t('funnelCompletion')}</dt><dd data-figure="completion">${series.completion === null ? '–' : formatPercent(series.completion)}</dd>
    </dl>
    <${Chart} id="chart-journey-funnel" label=${t('journeyFunnel')} data=${funnelChartData(series)}
      height=${Math.max(160, 40 * bars.length + 40)} option=${{
      tooltip: { trigger: 'axis' },
      grid: { left: 190, right: 60, top: 10, bottom: 30 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: bars.map((b) => b.label) },
      series: [{ type: 'bar', name: t('funnelRuns'), label: { show: true, position: 'right' },
        data: bars.map((b) => ({ value: b.value, itemStyle: { color: b.color } })) }],
    }} />
  </div>`;
}

// A trigger's or action's parameter (journeys.js) as shown: lifecycle
// stages and value tiers in words, rewards by name, points as a number,
// ids and message types as code.
function DetailText({ detail, rewardNames }) {
  if (!detail) return null;
  switch (detail.kind) {
    case 'stage': return html` ${enumText('stage', detail.value)}`;
    case 'tier': return html` ${enumText('tier', detail.value)}`;
    case 'points':
    case 'days': return html` ${formatNumber(Number(detail.value))}`;
    case 'reward': return html` ${rewardNames[detail.value] || html`<code>${detail.value}</code>`}`;
    default: return html` <code>${detail.value}</code>`;
  }
}

function Journeys({ journeys, rewards }) {
  const rewardNames = Object.fromEntries((rewards || []).map((r) => [String(r.name).replace(/^rewards\//, ''),
    r.displayName]));
  const [selected, setSelected] = useState('');
  if (journeys.length === 0) return html`<p class="muted">${t('noData')}</p>`;
  const shown = initialJourney(journeys, selected);
  const journey = journeys.find((j) => j.name === shown);
  return html`<table class="list" id="journey-list"><thead><tr><th scope="col">${t('displayName')}</th>
      <th scope="col">${t('journeyTrigger')}</th><th scope="col">${t('journeyAction')}</th>
      <th scope="col">${t('state')}</th><th scope="col"><span class="visually-hidden">${t('journeyFunnel')}</span></th></tr></thead>
    <tbody>${journeys.map((j) => html`<tr data-journey=${j.name} class=${j.name === shown ? 'selected' : undefined}>
      <td>${j.displayName || journeyId(j.name)}</td>
      <td>${enumText('trigger', j.trigger?.kind)}<${DetailText} detail=${triggerDetail(j.trigger)} rewardNames=${rewardNames} /></td>
      <td>${enumText('action', j.action?.kind)}<${DetailText} detail=${actionDetail(j.action)} rewardNames=${rewardNames} /></td>
      <td>${enumText('journeyState', j.state || 'ACTIVE')}</td>
      <td><button type="button" class="small" aria-pressed=${j.name === shown ? 'true' : 'false'}
        aria-label=${t('journeyShowFunnel', { name: j.displayName || journeyId(j.name) })}
        onClick=${() => setSelected(j.name)}>${t('funnel')}</button></td></tr>`)}</tbody></table>
    ${journey && html`<${JourneyFunnel} journey=${journey} />`}`;
}

export function LoyaltyPage() {
  const program = useLoad(() => api.get('/v1/programs/default'));
  const statistics = useLoad(() => api.get('/v1/programs/default/statistics'));
  const rewards = useLoad(() => api.listAll('/v1/rewards', 'rewards', { max: 1000 }));
  const campaigns = useLoad(() => api.listAll('/v1/campaigns', 'campaigns', { max: 1000 }));
  const journeys = useLoad(() => api.listAll('/v1/journeys', 'journeys', { max: 1000 }));
  return html`<h1>${t('navLoyalty')}</h1>
    <div class="grid">
      <${Card} title=${t('program')} id="card-program">
        <${LoadState} state=${program} />
        ${program.data && html`<${Program} program=${program.data} />`}
      <//>
      <${Card} title=${t('members')} id="card-tier-members">
        <${LoadState} state=${statistics.data ? program : statistics} />
        ${statistics.data && program.data && html`<${TierMembers} statistics=${statistics.data} program=${program.data} />`}
      <//>
      <${Card} title=${t('accountLookup')}><${AccountLookup} /><//>
      <${Card} title=${t('campaigns')} wide=${true} id="card-campaigns">
        <${LoadState} state=${campaigns} />
        ${campaigns.data && html`<${Campaigns} campaigns=${campaigns.data} />`}
      <//>
      <${Card} title=${t('journeys')} wide=${true} id="card-journeys">
        <${LoadState} state=${journeys} />
        ${journeys.data && html`<${Journeys} journeys=${journeys.data} rewards=${rewards.data} />`}
      <//>
      <${Card} title=${t('rewards')} wide=${true} id="card-rewards">
        <${LoadState} state=${rewards} />
        ${rewards.data && (rewards.data.length === 0 ? html`<p class="muted">${t('noData')}</p>` : html`
          <${Chart} id="chart-reward-stock" label=${t('rewardStock')}
            data=${Object.fromEntries(rewards.data.map((r) => [r.displayName, Number(r.stock)]))} option=${{
            tooltip: { trigger: 'axis' },
            grid: { left: 140, right: 40, top: 10, bottom: 30 },
            xAxis: { type: 'value', minInterval: 1 },
            yAxis: { type: 'category', inverse: true, data: rewards.data.map((r) => r.displayName) },
            series: [{ type: 'bar', name: t('stock'), label: { show: true, position: 'right' },
              data: rewards.data.map((r) => Number(r.stock)) }],
          }} />
          <table class="list" id="reward-list"><thead><tr><th scope="col">${t('displayName')}</th>
            <th scope="col" class="num">${t('pointCost')}</th><th scope="col" class="num">${t('stock')}</th>
            <th scope="col">${t('availableUntil')}</th></tr></thead>
          <tbody>${rewards.data.map((r) => html`<tr><td>${r.displayName}</td>
            <td class="num">${formatNumber(r.pointCost)}</td><td class="num">${formatNumber(r.stock)}</td>
            <td>${formatDate(r.availableUntil)}</td></tr>`)}</tbody></table>`)}
      <//>
    </div>`;
}
