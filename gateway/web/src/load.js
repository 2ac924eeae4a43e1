// useLoad: runs an async loader when the component mounts (and when `keys`
// change) and gives {data, error, loading}. A loader still running when the
// component goes away has its result dropped.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n.js';

export function useLoad(loader, keys = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    setState({ data: null, error: null, loading: true });
    loader().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, keys);
  return state;
}

// The loading line or the error of a useLoad state; null once loaded.
export function LoadState({ state }) {
  if (state.loading) return html`<p class="muted" role="status">${t('loading')}</p>`;
  if (state.error) {
    return html`<p class="error" role="alert">${t('error')}: ${state.error.message}</p>`;
  }
  return null;
}

// A card: a titled section of a page.
export function Card({ title, children, wide = false, id }) {
  return html`<section class=${wide ? 'card wide' : 'card'} aria-label=${title} id=${id}>
    <h2>${title}</h2>
    ${children}
  </section>`;
}

// A headline figure: its value over its label.
export function Kpi({ label, value, id }) {
  return html`<div class="kpi" id=${id}><span class="kpi-value">${value}</span><span class="kpi-label">${label}</span></div>`;
}

// The current time in ms, refreshed every `intervalMs` (for countdowns).
export function useNow(intervalMs = 30000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
