// The live alert panel, on every page: the open alerts (GET /v1/alerts,
// newest 50) and every new one as feedback commits it, pushed by the
// gateway's server-sent events stream GET /v1/alerts:stream (resumed from
// the newest listed alert's sequence; gateway/README.md), with Acknowledge
// (POST /v1/alerts/{id}:acknowledge) for the roles that may.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, apiKey, resourceId } from './api.js';
import { formatDateTime, formatNumber, t } from './i18n.js';
import { followEventStream } from './sse.js';

function mergeAlert(list, alert) {
  const rest = list.filter((a) => a.name !== alert.name);
  return [alert, ...rest].sort((a, b) => Number(b.sequence || 0) - Number(a.sequence || 0));
}

export function AlertPanel({ canAcknowledge, user }) {
  const [alerts, setAlerts] = useState([]);
  const [connection, setConnection] = useState('connecting');
  const [failure, setFailure] = useState('');
  const [open, setOpen] = useState(true);
  useEffect(() => {
    const stop = new AbortController();
    (async () => {
      let since = '';
      try {
        const page = await api.get('/v1/alerts', { pageSize: 50 });
        const listed = page.alerts || [];
        since = listed.reduce((max, a) => Math.max(max, Number(a.sequence || 0)), 0);
        if (!stop.signal.aborted) setAlerts(listed.filter((a) => a.state === 'OPEN'));
      } catch (error) {
        if (!stop.signal.aborted) setFailure(error.message);
        return;
      }
      const follow = (url) => followEventStream(url, {
        headers: { 'X-API-Key': apiKey() },
        since: String(since),
        signal: stop.signal,
        onState: (state) => !stop.signal.aborted && setConnection(state),
        onEvent: (event) => {
          if (event.type !== 'alert' && event.type !== 'message') return;
          let alert;
          try { alert = JSON.parse(event.data); } catch { return; }
          if (!alert.name) return;
          since = Math.max(since, Number(alert.sequence || 0));
          setAlerts((list) => (alert.state === 'OPEN'
            ? mergeAlert(list, alert) : list.filter((a) => a.name !== alert.name)));
        },
      });
      // A gateway without the alert stream: feedback's WatchAlerts as
      // transcoded (data-only events, resumed by the query parameter).
      if (await follow('/v1/alerts:stream') === 404) {
        await follow(`/v1/alerts:watch?afterSequence=${since}`);
      }
    })();
    return () => stop.abort();
  }, []);
  const acknowledge = async (alert) => {
    try {
      const updated = await api.post(`/v1/alerts/${resourceId(alert.name)}:acknowledge`,
        { acknowledgedBy: user, requestId: `ack-${resourceId(alert.name)}` });
      setAlerts((list) => list.filter((a) => a.name !== updated.name));
    } catch (error) {
      setFailure(error.message);
    }
  };
  return html`<aside class="alerts" id="alert-panel" aria-label=${t('liveAlerts')} data-connection=${connection}
      data-open-alerts=${alerts.length}>
    <div class="alerts-head">
      <h2><button class="link-dark" aria-expanded=${open} aria-controls="alert-list"
        onClick=${() => setOpen(!open)}>${t('liveAlerts')} (${formatNumber(alerts.length)})</button></h2>
      <span class=${`live ${connection}`} role="status">${t(`stream_${connection}`)}</span>
    </div>
    ${failure && html`<p class="error" role="alert">${t('error')}: ${failure}</p>`}
    ${open && html`<ul id="alert-list" aria-live="polite">
      ${alerts.length === 0 && html`<li class="muted">${t('noOpenAlerts')}</li>`}
      ${alerts.slice(0, 8).map((a) => html`<li class="alert-item" data-alert=${a.name} key=${a.name}>
        <span class=${`badge ${a.kind}`}>${t(`alert_${a.kind}`)}</span>
        <span class="alert-summary">${a.summary}</span>
        <span class="muted">${formatDateTime(a.createTime)}</span>
        ${a.ticket && html`<span class="muted">${resourceId(a.ticket)}</span>`}
        ${canAcknowledge && html`<button class="small" onClick=${() => acknowledge(a)}
          aria-label=${`${t('acknowledge')}: ${a.summary}`}>${t('acknowledge')}</button>`}
      </li>`)}
    </ul>`}
  </aside>`;
}
