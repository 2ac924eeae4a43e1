// Segments: the list (GET /v1/segments, every page) and a form that
// previews a rule (POST /v1/segments:preview: how many customers match, and
// a sample) and creates the segment (POST /v1/segments). A rule the service
// refuses (FILTER_INVALID) in either is
// shown with a caret under the rule at the error's position
// (ErrorInfo metadata "position": the 1-based column, in characters).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, api, resourceId } from '../api.js';
import { can, storedRole } from '../role.js';
import { formatDate, formatNumber, t } from '../i18n.js';
import { Card, LoadState, useLoad } from '../load.js';

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

export function SegmentsPage() {
  const [version, setVersion] = useState(0);
  const segments = useLoad(() => api.listAll('/v1/segments', 'segments', { max: 5000 }), [version]);
  return html`<h1>${t('segments')}</h1>
    <div class="grid">
      <${Card} title=${t('segments')} wide=${true} id="card-segments">
        <${LoadState} state=${segments} />
        ${segments.data && (segments.data.length === 0 ? html`<p class="muted">${t('noData')}</p>` :
          html`<table class="list" id="segment-list"><thead><tr><th scope="col">${t('displayName')}</th>
            <th scope="col">${t('rule')}</th><th scope="col">${t('description')}</th>
            <th scope="col">${t('created')}</th></tr></thead>
          <tbody>${segments.data.map((s) => html`<tr><td>${s.displayName}</td><td><code>${s.rule}</code></td>
            <td>${s.description}</td><td>${formatDate(s.createTime)}</td></tr>`)}</tbody></table>`)}
      <//>
      ${can(storedRole(), 'segmentEditor') ? html`<${Card} title=${t('newSegment')} wide=${true}>
        <${NewSegment} onCreated=${() => setVersion((v) => v + 1)} />
      <//>` : html`<p class="muted" id="segment-editor-hidden">${t('roleReadOnlySegments')}</p>`}
    </div>`;
}
