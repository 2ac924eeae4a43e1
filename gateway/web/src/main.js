// The dashboard: sign-in, the caller's role (role.js: the navigation and
// write actions it allows), the live alert panel (alerts.js), language
// switch and the hash routes
//   #/                 Overview       #/segments   Segments
//   #/customers        search         #/loyalty    Loyalty
//   #/customers/{id}   customer page  #/feedback   Feedback
// The Overview is in the entry script; every other page is its own chunk,
// loaded when first opened (LazyPage), so the first load parses only what
// the Overview draws.
// First: starts the Overview's API calls before anything else is evaluated.
import './prefetch.js';
import { render } from 'preact';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { apiKey, onUnauthorized, signIn, signOut } from './api.js';
import { AlertPanel } from './alerts.js';
import { loadCharts } from './chart.js';
import { can, detectRole, forgetRole, pagesFor } from './role.js';
import { language, languages, locale, setLanguage, t, warmFormatters } from './i18n.js';
import { OverviewPage } from './pages/overview.js';
import './style.css';

const pages = {
  customers: [() => import('./pages/customers.js'), 'CustomersPage'],
  customer: [() => import('./pages/customer.js'), 'CustomerPage'],
  segments: [() => import('./pages/segments.js'), 'SegmentsPage'],
  loyalty: [() => import('./pages/loyalty.js'), 'LoyaltyPage'],
  feedback: [() => import('./pages/feedback.js'), 'FeedbackPage'],
};

// A page from its chunk: the loading line until the chunk is there, its
// error if it cannot be loaded.
function LazyPage({ page, ...props }) {
  const [state, setState] = useState({ component: null, error: null });
  useEffect(() => {
    let live = true;
    const [load, name] = pages[page];
    load().then((module) => live && setState({ component: module[name], error: null }),
      (error) => live && setState({ component: null, error }));
    return () => {
      live = false;
    };
  }, [page]);
  if (state.error) return html`<p class="error" role="alert">${t('error')}: ${state.error.message}</p>`;
  if (!state.component) return html`<p class="muted" role="status">${t('loading')}</p>`;
  return html`<${state.component} ...${props} />`;
}

const navigation = [
  { path: '/', key: 'navOverview' },
  { path: '/customers', key: 'navCustomers' },
  { path: '/segments', key: 'navSegments' },
  { path: '/loyalty', key: 'navLoyalty' },
  { path: '/feedback', key: 'navFeedback' },
];

function currentPath() {
  return decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
}

function Page({ path }) {
  const customer = path.match(/^\/customers\/([^/]+)$/);
  if (customer) return html`<${LazyPage} page="customer" id=${customer[1]} />`;
  switch (path) {
    case '/customers': return html`<${LazyPage} page="customers" />`;
    case '/segments': return html`<${LazyPage} page="segments" />`;
    case '/loyalty': return html`<${LazyPage} page="loyalty" />`;
    case '/feedback': return html`<${LazyPage} page="feedback" />`;
    default: return html`<${OverviewPage} />`;
  }
}

function Login({ onSignedIn }) {
  const [key, setKey] = useState('');
  const submit = (event) => {
    event.preventDefault();
    if (!key.trim()) return;
    signIn(key.trim());
    onSignedIn();
  };
  return html`<main class="login" id="main">
    <form onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title">${t('loginTitle')}</h1>
      <p>${t('loginHint')}</p>
      <label for="api-key">${t('apiKey')}</label>
      <input id="api-key" type="password" autocomplete="off" required value=${key}
        onInput=${(e) => setKey(e.target.value)} />
      <button type="submit">${t('signIn')}</button>
    </form>
  </main>`;
}

function LanguageSwitch({ onChange }) {
  return html`<label class="language">
    <span class="visually-hidden">${t('language')}</span>
    <select aria-label=${t('language')} value=${language()}
      onChange=${(e) => { setLanguage(e.target.value); onChange(); }}>
      ${languages.map((l) => html`<option value=${l.id}>${l.label}</option>`)}
    </select>
  </label>`;
}

function App() {
  const [path, setPath] = useState(currentPath());
  const [signedIn, setSignedIn] = useState(Boolean(apiKey()));
  const [role, setRole] = useState('');
  const [roleError, setRoleError] = useState('');
  const [, setLanguageVersion] = useState(0);
  const leave = () => { signOut(); forgetRole(); setRole(''); setSignedIn(false); };
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener('hashchange', update);
    onUnauthorized(leave);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  useEffect(() => {
    if (!signedIn) return;
    // After the page's own effects (children's run first): its API calls
    // are on their way while ECharts loads.
    loadCharts();
    setRoleError('');
    detectRole().then(setRole, (error) => setRoleError(error.message));
  }, [signedIn]);
  useEffect(() => {
    const section = navigation.find((n) => n.path === path) ||
      (path.startsWith('/customers/') ? navigation[1] : navigation[0]);
    document.title = `${t(section.key)} · ${t('appTitle')}`;
  });
  const rerender = () => setLanguageVersion((v) => v + 1);
  const header = html`<header class="top">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
      ${language() === 'zh' ? '跳到主要内容' : 'Skip to content'}</a>
    <span class="brand">${t('appTitle')}</span>
    ${signedIn && html`<nav aria-label=${t('appTitle')}>
      <ul>${navigation.filter((n) => pagesFor(role).includes(n.path)).map((n) => {
        const active = n.path === '/' ? path === '/' : path.startsWith(n.path);
        return html`<li><a href=${`#${n.path}`} aria-current=${active ? 'page' : undefined}>${t(n.key)}</a></li>`;
      })}</ul>
    </nav>`}
    <span class="spacer"></span>
    <${LanguageSwitch} onChange=${rerender} />
    ${role && html`<span class="role" id="role" data-role=${role}>${t(`role_${role}`)}</span>`}
    ${signedIn && html`<button class="link" onClick=${leave}>${t('signOut')}</button>`}
  </header>`;
  if (!signedIn) {
    return html`${header}<${Login} onSignedIn=${() => setSignedIn(true)} />`;
  }
  if (roleError) {
    return html`${header}<main id="main" tabindex="-1"><p class="error" role="alert">${t('error')}: ${roleError}</p></main>`;
  }
  if (role && pagesFor(role).length === 0) {
    return html`${header}<main id="main" tabindex="-1"><p id="no-pages">${t(role === 'customer' ? 'roleNoPagesCustomer' : 'roleNoPages')}</p></main>`;
  }
  // The page does not wait for the role: until it is known, no write
  // action is offered.
  return html`${header}
    ${role && html`<${AlertPanel} canAcknowledge=${can(role, 'acknowledgeAlert')} user=${`dashboard-${role}`} />`}
    <main id="main" tabindex="-1" data-language=${language()} data-role=${role || undefined}>
      <${Page} path=${path} key=${path} />
    </main>`;
}

document.documentElement.lang = locale();
render(html`<${App} />`, document.getElementById('app'));
// The browser's first Intl formatters cost up to a few hundred ms (locale
// data): built now, while the first API calls are in flight, rather than
// when their answers are drawn.
setTimeout(() => warmFormatters(), 0);
