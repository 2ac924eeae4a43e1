// Opens the gateway's /docs in Chromium (Debian's, driven by playwright-core)
// and checks that Swagger UI renders the gateway's own OpenAPI document:
// every operation of /openapi.json is on the page with its path and summary,
// "Try it out" on GetCustomer, after "Authorize" with an API key (the
// document's ApiKey scheme), reaches the live API and shows the customer,
// and the page logs no console error, throws nothing and has no failed or
// 4xx/5xx request.
//
//   node tests/browser/docs_page.mjs http://127.0.0.1:PORT customers/ID API_KEY
//   node tests/browser/docs_page.mjs < target    (the three words on stdin)
//
// Without arguments it starts the browser first and then reads the target
// from its standard input, so that the browser's start-up overlaps the
// suite's (tests/browser/docs_page_test.py, which starts the gateway and
// customer-profile and creates the customer). Exits 0 when every check
// holds; otherwise prints what failed and exits 1.
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const chromiumPath = process.env.CRM_CHROMIUM || '/usr/bin/chromium';
const stepTimeoutMs = 15000;
const httpMethods = new Set(['get', 'put', 'post', 'delete', 'patch']);

// [baseUrl, customerName, apiKey] from the arguments, or else from the
// first line of standard input.
async function target() {
  let words = process.argv.slice(2);
  if (words.length === 0) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      words = line.trim().split(/\s+/);
      break;
    }
    lines.close();
  }
  const [url, name, apiKey] = words;
  if (!url || !name?.startsWith('customers/') || !apiKey) {
    throw new Error('expected "BASE_URL customers/ID API_KEY" (arguments or stdin)');
  }
  return [url, name, apiKey];
}

// The operations the document describes: {method, path, operationId, tag,
// summary}.
async function documentOperations(baseUrl) {
  const response = await fetch(`${baseUrl}/openapi.json`);
  assert.equal(response.status, 200, 'GET /openapi.json');
  const document = await response.json();
  const operations = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!httpMethods.has(method)) continue;
      operations.push({
        method,
        path,
        operationId: operation.operationId,
        tag: operation.tags[0],
        summary: operation.summary,
      });
    }
  }
  assert.ok(operations.length > 0, '/openapi.json describes no operation');
  return operations;
}

// Swagger UI's element for one operation (its deep-link id).
function operationBlock(page, operation) {
  return page.locator(`[id="operations-${operation.tag}-${operation.operationId}"]`);
}

// What went wrong on the page (console errors, exceptions, failed requests).
const problems = [];

async function main() {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(stepTimeoutMs);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
    page.on('requestfailed', (request) =>
      problems.push(`request failed: ${request.method()} ${request.url()}: ` +
                    `${request.failure()?.errorText}`));
    page.on('response', (response) => {
      if (response.status() >= 400) {
        problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
      }
    });

    const [baseUrl, customerName, apiKey] = await target();
    const operations = await documentOperations(baseUrl);
    const getCustomer = operations.find(
      (o) => o.operationId === 'CustomerProfileService_GetCustomer');
    assert.ok(getCustomer, '/openapi.json has no CustomerProfileService_GetCustomer');

    const pageResponse = await page.goto(`${baseUrl}/docs`);
    assert.equal(pageResponse.status(), 200, 'GET /docs');
    await page.locator('.swagger-ui .info .title').waitFor();
    await operationBlock(page, getCustomer).waitFor();

    // Every operation is rendered once, with its method, path and summary
    // (read in one pass: one round trip to the browser).
    const rendered = await page.$$eval('.opblock', (blocks) => blocks.map((block) => ({
      id: block.id,
      method: block.querySelector('.opblock-summary-method')?.textContent.trim(),
      path: block.querySelector('.opblock-summary-path')?.getAttribute('data-path'),
      summary: block.querySelector('.opblock-summary-description')?.textContent.trim(),
    })));
    const expected = operations.map((o) => ({
      id: `operations-${o.tag}-${o.operationId}`,
      method: o.method.toUpperCase(),
      path: o.path,
      summary: o.summary,
    }));
    const byId = (a, b) => a.id.localeCompare(b.id);
    assert.deepEqual(rendered.sort(byId), expected.sort(byId),
                     'operations on the page vs. operations in /openapi.json');
    assert.ok(await operationBlock(page, getCustomer)
                  .getByText(getCustomer.summary, { exact: true }).isVisible(),
              'the GetCustomer summary is visible');

    // "Authorize" with the API key (X-API-Key, the ApiKey scheme), then
    // "Try it out" on GetCustomer: the page calls the live API with it.
    await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
    const apiKeyForm = page.locator('.dialog-ux .auth-container')
        .filter({ hasText: 'X-API-Key' });
    await apiKeyForm.locator('input').fill(apiKey);
    await apiKeyForm.locator('button.authorize').click();
    await page.locator('.dialog-ux button.btn-done').first().click();
    const block = operationBlock(page, getCustomer);
    await block.locator('.opblock-summary-control').click();
    await block.locator('button.try-out__btn').click();
    await block.locator('tr[data-param-name="customer"] input')
        .fill(customerName.slice('customers/'.length));
    await block.locator('button.execute').click();
    const status = block.locator('.live-responses-table tbody tr.response .response-col_status').first();
    await status.waitFor();
    assert.equal((await status.innerText()).trim(), '200', 'Try it out: response status');
    const body = block.locator('.live-responses-table tbody tr.response .response-col_description pre').first();
    assert.match(await body.innerText(), new RegExp(`"name": "${customerName}"`),
                 'Try it out: the response body shows the customer');
    console.log(`docs_page: /docs renders all ${operations.length} operations; ` +
                'Try it out on GetCustomer answered 200');
  } finally {
    await browser.close();
  }
  assert.deepEqual(problems, [], 'console errors, exceptions or failed requests on /docs');
}

main().catch((error) => {
  console.error(`docs_page: FAILED: ${error.message}`);
  for (const problem of problems) console.error(`  on the page: ${problem}`);
  process.exit(1);
});
