// Segments: the list (GET /v1/segments, every page) with each segment's
// size over the last 30 days as a sparkline (GET
// /v1/segments/{id}/sizeHistory?days=30, for the first 50 segments); a
// selected segment's size trend as a chart and its members (GET
// /v1/segments/{id}/members, 50 at a time); and a form that
// previews a rule (POST /v1/segments:preview: how many customers match, and
// a sample) and creates the segment (POST /v1/segments). A rule the service
// refuses (FILTER_INVALID) in either is
// shown with a caret under the rule at the error's position
// (ErrorInfo metadata "position": the 1-based column, in characters).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, api, resourceId } from '../api.js';
import { can, storedRole } from '../role.js';
import { Chart } from '../chart.js';
import { formatDate, formatDateTime, formatNumber, t } from '../i18n.js';
import { Card, LoadState, useLoad } from '../load.js';
import { dayKey, sizeSeries, sparklinePoints } from '../statistics.js';

const trendDays = 30;
const sparklineSegments = 50;

function loadSizeHistory(segment) {
  return api.get(`/v1/${segment}/sizeHistory`, { days: trendDays });
}

function Sparkline({ segment, series }) {
  const now = series.sizes.length ? series.sizes[series.sizes.length - 1] : 0;
  const label = t('sizeTrendOf', { name: segment.displayName, size: formatNumber(now) });
  return html`<span class="size-trend"><svg class="spark" width="120" height="28" viewBox="0 0 120 28"
      role="img" aria-label=${label} data-sizes=${JSON.stringify(series.sizes)}>
      <title>${label}</title>
      <polyline fill="none" stroke="#1f5fbf" stroke-width="1.5" points=${sparklinePoints(series.sizes, 120, 28)} />
    </svg><span class="num" data-size=${now}>${formatNumber(now)}</span></span>`;
}

function Members({ segment }) {
  const [pages, setPages] = useState([]);
  const [token, setToken] = useState('');
  const first = useLoad(() => api.get(`/v1/${segment.name}/members`, { pageSize: 50 }), [segment.name]);
  const [more, setMore] = useState({ busy: false, error: null });
  if (!first.data) return html`<${LoadState} state=${first} />`;
  const members = [first.data, ...pages].flatMap((p) => p.segmentMembers || []);
  const next = pages.length ? token : first.data.nextPageToken || '';
  const loadMore = async () => {
    setMore({ busy: true, error: null });
    try {
      const page = await api.get(`/v1/${segment.name}/members`, { pageSize: 50, pageToken: next });
      setPages((p) => [...p, page]);
      setToken(page.nextPageToken || '');
      setMore({ busy: false, error: null });
    } catch (error) {
      setMore({ busy: false, error });
    }
  };
  if (members.length === 0) return html`<p class="muted" id="segment-members-empty">${t('noMembers')}</p>`;
  return html`<div class="scroll" tabindex="0" role="region" aria-label=${t('membersOf', { name: segment.displayName })}>
    <table class="list" id="segment-members"><caption class="visually-hidden">${t('membersOf', { name: segment.displayName })}</caption>
      <thead><tr><th scope="col">${t('customer')}</th><th scope="col">${t('entered')}</th></tr></thead>
      <tbody>${members.map((m) => html`<tr data-customer=${m.customer}>
        <td><a href=${`#/customers/${resourceId(m.customer)}`}>${resourceId(m.customer)}</a></td>
        <td>${formatDateTime(m.enterTime)}</td></tr>`)}</tbody></table></div>
    ${next && html`<p><button type="button" id="segment-members-more" disabled=${more.busy} onClick=${loadMore}>${t('moreMembers')}</button></p>`}
    ${more.error && html`<p class="error" role="alert">${t('error')}: ${more.error.message}</p>`}`;
}

// `known`: the segment's size history when the list already has it.
function SegmentDetail({ segment, known }) {
  const history = useLoad(() => (known ? Promise.resolve(known) : loadSizeHistory(segment.name)), [segment.name]);
  const series = history.data ? sizeSeries(history.data) : null;
  return html`<${Card} title=${segment.displayName} wide=${true} id="card-segment-detail">
    <p><code>${segment.rule}</code></p>
    <div class="grid">
      <div>${series ? html`<${Chart} id="chart-segment-size" label=${t('sizeTrend', { days: trendDays })}
        data=${{ days: series.days.map(dayKey), sizes: series.sizes }} height=${240} option=${{
        tooltip: { trigger: 'axis' },
        grid: { left: 50, right: 20, top: 10, bottom: 30 },
        xAxis: { type: 'category', data: series.days.map((d) => dayKey(d).slice(5)) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'line', name: t('segmentMembers'), areaStyle: { opacity: 0.15 }, data: series.sizes }],
      }} />` : html`<${LoadState} state=${history} />`}</div>
      <div><h3>${t('segmentMembers')}</h3><${Members} segment=${segment} key=${segment.name} /></div>
    </div>
  <//>`;
}

function RuleError({ rule, error }) {
  const column = Number(error.metadata?.position);
  const hasPosition = Number.isInteger(column) && column >= 1 && column <= rule.length + 1;
  return html`<div class="error" role="alert" id="rule-error">
    <p>${t('ruleError')}: ${error.message}</p>
    ${hasPosition && html`<pre id="rule-caret" data-column=${column} class="rule-caret" aria-hidden="true">${`${rule}\n${' '.repeat(column - 1)}^`}</pre>`}
  </div>`;
}

function Preview({ preview }) {
  return html`<div id="rule-preview" role="status">
    <p>${t('previewCount', {
      members: formatNumber(preview.memberCount),
      customers: formatNumber(preview.customerCount),
    })}</p>
    ${(preview.sample || []).length > 0 && html`<p>${preview.sample.map((name) =>
      html`<a class="tag" href=${`#/customers/${resourceId(name)}`}>${resourceId(name)}</a>`)}</p>`}
  </div>`;
}

function NewSegment({ onCreated }) {
  const [displayName, setDisplayName] = useState('');
  const [rule, setRule] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState(null);
  const [preview, setPreview] = useState(null);
  const [busy, setBusy] = useState(false);
  const runPreview = async () => {
    setBusy(true);
    setError(null);
    setPreview(null);
    try {
      setPreview(await api.post('/v1/segments:preview', { rule, sampleSize: 10 }));
    } catch (e) {
      setError(e instanceof ApiError ? e : { message: String(e) });
    } finally {
      setBusy(false);
    }
  };
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setPreview(null);
    try {
      await api.post('/v1/segments', { displayName, rule, description },
        { requestId: crypto.randomUUID() });
      setDisplayName('');
      setRule('');
      setDescription('');
      onCreated();
    } catch (e) {
      setError(e instanceof ApiError ? e : { message: String(e) });
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="stack" onSubmit=${submit} id="new-segment">
    <label for="segment-name">${t('displayName')}</label>
    <input id="segment-name" required value=${displayName} onInput=${(e) => setDisplayName(e.target.value)} />
    <label for="segment-rule">${t('rule')}</label>
    <textarea id="segment-rule" required rows="3" spellcheck="false" value=${rule}
      placeholder='rfm.monetary >= 4 AND lifecycle = "AT_RISK"' onInput=${(e) => setRule(e.target.value)}></textarea>
    <label for="segment-description">${t('description')}</label>
    <input id="segment-description" value=${description} onInput=${(e) => setDescription(e.target.value)} />
    <div class="row">
      <button type="button" id="preview-rule" disabled=${busy || !rule.trim()} onClick=${runPreview}>${t('preview')}</button>
      <button type="submit" disabled=${busy}>${t('create')}</button>
    </div>
    ${error && html`<${RuleError} rule=${rule} error=${error} />`}
    ${preview && html`<${Preview} preview=${preview} />`}
  </form>`;
}

// The size histories of the first segments, by segment name; a history
// that failed to load is an Error.
async function loadSizeHistories(segments) {
  const histories = await Promise.all(segments.slice(0, sparklineSegments).map((s) =>
    loadSizeHistory(s.name).catch((error) => error)));
  return Object.fromEntries(segments.slice(0, sparklineSegments).map((s, i) => [s.name, histories[i]]));
}

function SizeCell({ segment, histories }) {
  if (histories.loading) return html`<td class="muted">…</td>`;
  const history = histories.data?.[segment.name];
  if (!history || history instanceof Error) {
    return html`<td class="muted" title=${history?.message || ''}>–</td>`;
  }
  return html`<td><${Sparkline} segment=${segment} series=${sizeSeries(history)} /></td>`;
}

export function SegmentsPage() {
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState('');
  const segments = useLoad(() => api.listAll('/v1/segments', 'segments', { max: 5000 }), [version]);
  const histories = useLoad(() => (segments.data ? loadSizeHistories(segments.data) : new Promise(() => {})),
    [segments.data]);
  const chosen = segments.data?.find((s) => s.name === selected);
  const known = chosen && histories.data?.[chosen.name];
  return html`<h1>${t('segments')}</h1>
    <div class="grid">
      <${Card} title=${t('segments')} wide=${true} id="card-segments">
        <${LoadState} state=${segments} />
        ${segments.data && (segments.data.length === 0 ? html`<p class="muted">${t('noData')}</p>` :
          html`<table class="list" id="segment-list"><thead><tr><th scope="col">${t('displayName')}</th>
            <th scope="col">${t('rule')}</th><th scope="col">${t('sizeTrend', { days: trendDays })}</th>
            <th scope="col">${t('description')}</th>
            <th scope="col">${t('created')}</th><th scope="col"><span class="visually-hidden">${t('segmentMembers')}</span></th></tr></thead>
          <tbody>${segments.data.map((s) => html`<tr data-segment=${s.name} class=${s.name === selected ? 'selected' : undefined}>
            <td>${s.displayName}</td><td><code>${s.rule}</code></td>
            <${SizeCell} segment=${s} histories=${histories} />
            <td>${s.description}</td><td>${formatDate(s.createTime)}</td>
            <td><button type="button" class="small" aria-pressed=${s.name === selected ? 'true' : 'false'}
              aria-label=${t('showMembersOf', { name: s.displayName })}
              onClick=${() => setSelected(s.name === selected ? '' : s.name)}>${t('showMembers')}</button></td></tr>`)}</tbody></table>`)}
      <//>
      ${chosen && html`<${SegmentDetail} segment=${chosen} key=${chosen.name}
        known=${known instanceof Error ? null : known} />`}
      ${can(storedRole(), 'segmentEditor') ? html`<${Card} title=${t('newSegment')} wide=${true}>
        <${NewSegment} onCreated=${() => setVersion((v) => v + 1)} />
      <//>` : html`<p class="muted" id="segment-editor-hidden">${t('roleReadOnlySegments')}</p>`}
    </div>`;
}
