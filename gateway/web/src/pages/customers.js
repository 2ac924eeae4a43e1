// Customers: search (GET /v1/customers with a filter, or GET
// /v1/customers/{id} for an id) and the newest customers when nothing is
// searched. Each row links to the customer page.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, api, resourceId } from '../api.js';
import { can, storedRole } from '../role.js';
import { customerSearch } from '../aggregate.js';
import { formatDate, t } from '../i18n.js';
import { LoadState, useLoad } from '../load.js';

async function runSearch(text) {
  const search = customerSearch(text);
  if (search.kind === 'get') {
    try {
      return [await api.get(`/v1/${search.name}`)];
    } catch (error) {
      if (error instanceof ApiError && error.httpStatus === 404) return [];
      throw error;
    }
  }
  const page = await api.get('/v1/customers', { filter: search.filter, pageSize: 50 });
  return page.customers || [];
}

export function customerLabel(customer) {
  return customer.displayName ||
    [customer.familyName, customer.givenName].filter(Boolean).join(' ') || resourceId(customer.name);
}

export function CustomersPage() {
  const initial = new URLSearchParams(location.hash.split('?')[1] || '').get('q') || '';
  const [text, setText] = useState(initial);
  const [query, setQuery] = useState(initial);
  const results = useLoad(() => runSearch(query), [query]);
  const submit = (event) => {
    event.preventDefault();
    setQuery(text);
  };
  return html`<h1>${t('navCustomers')}</h1>
    <form class="search" role="search" onSubmit=${submit}>
      <label for="customer-search">${t('searchLabel')}</label>
      <div class="row">
        <input id="customer-search" type="search" value=${text} aria-describedby="search-hint"
          onInput=${(e) => setText(e.target.value)} />
        <button type="submit">${t('search')}</button>
      </div>
      <p id="search-hint" class="muted">${t('searchHint')}</p>
      ${!can(storedRole(), 'searchContact') && html`<p class="muted" id="masked-hint">${t('maskedHint')}</p>`}
    </form>
    ${!query && html`<h2>${t('recentCustomers')}</h2>`}
    <${LoadState} state=${results} />
    ${results.data && (results.data.length === 0
      ? html`<p class="muted" id="no-result">${t('searchNoResult')}</p>`
      : html`<table class="list" id="customer-results">
          <thead><tr><th scope="col">${t('name')}</th><th scope="col">${t('email')}</th>
            <th scope="col">${t('phone')}</th><th scope="col">${t('country')}</th>
            <th scope="col">${t('created')}</th></tr></thead>
          <tbody>${results.data.map((c) => html`<tr>
            <td><a href=${`#/customers/${resourceId(c.name)}`}>${customerLabel(c)}</a></td>
            <td>${c.email || '–'}</td><td>${c.phone || '–'}</td>
            <td>${c.address?.countryCode || '–'}</td><td>${formatDate(c.createTime)}</td>
          </tr>`)}</tbody>
        </table>`)}`;
}
