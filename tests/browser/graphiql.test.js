// GraphiQL in a real Chromium, as a developer meets it: open /graphql, run the welcome
// query with the development token GraphiQL opens with, run an example operation from
// its tab, open the docs. Run by tests/browser/run.sh.
//
// Every request the page makes must go to the gateway itself. Requests to any other host
// are aborted (never answered) and fail the test, and so does any breach of the page's
// Content-Security-Policy.
const { test } = require('node:test');
const assert = require('node:assert');
const { chromium } = require('playwright-core');

const GATEWAY = process.env.GATEWAY_URL;
const SCREENSHOT = process.env.SCREENSHOT;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

async function resultOf(page, expectText) {
  await page.waitForFunction(
    (text) => document.querySelector('.result-window')?.innerText.includes(text),
    expectText, { timeout: 20000 });
  // The result pane is a CodeMirror editor: read its value, not its rendered text.
  return JSON.parse(await page.evaluate(
    () => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()));
}

test('GraphiQL runs queries from local files only, with the development token', async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking'],
  });
  const elsewhere = [];
  const violations = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 850 } });
    const origin = new URL(GATEWAY).origin;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('data:') || new URL(url).origin === origin) return route.continue();
      elsewhere.push(url);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) {
        violations.push(message.text());
      }
    });
    page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));

    await page.goto(`${GATEWAY}/graphql`);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor', { timeout: 30000 });

    // The first tab opens with the welcome query and a development admin token.
    const headers = await page.evaluate(() => {
      const editors = [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')];
      return editors.map((e) => e.CodeMirror.getValue()).join('\n');
    });
    assert.match(headers, /"Authorization": "Bearer ey/);
    await page.locator('.graphiql-execute-button').click();
    const welcome = await resultOf(page, 'contractPeriods');
    assert.deepStrictEqual(welcome.data.viewer, { authenticated: true, role: 'ADMIN' });
    assert.ok(welcome.data.contractPeriods.some((c) => c.year === 2021));

    // An example operation, in its own tab, with its role's token and variables.
    await page.locator('.graphiql-tab', { hasText: 'SchoolDashboard' }).click();
    // GraphiQL works out the new tab's operation name after the switch has rendered: a
    // click on Run within the same moment sends the previous tab's name ("Unknown
    // operation named Welcome"). A person never clicks that fast; the test waits as one.
    await page.waitForTimeout(1500);
    await page.locator('.graphiql-execute-button').click();
    const dashboard = await resultOf(page, '"school"');
    assert.ok(!dashboard.errors, JSON.stringify(dashboard.errors));
    assert.match(dashboard.data.school.urn, /^\d{6}$/);
    assert.ok(dashboard.data.school.ectAtSchoolPeriods.length > 0, 'the school has ECTs');

    // The docs pane shows the schema's descriptions.
    await page.locator('button[aria-label="Show Documentation Explorer"]').click();
    await page.locator('.graphiql-doc-explorer a', { hasText: 'Query' }).first().click();
    await page.waitForSelector('.graphiql-doc-explorer-field-name >> text=contractPeriods');
    const docs = await page.locator('.graphiql-doc-explorer').innerText();
    assert.match(docs, /contract period/i, 'field descriptions are shown');

    await page.locator('.graphiql-tab', { hasText: 'SchoolDashboard' }).click();
    await page.screenshot({ path: SCREENSHOT });
  } finally {
    await browser.close();
  }
  assert.deepStrictEqual(elsewhere, [], 'the page asked for files from another host');
  assert.deepStrictEqual(violations, [], 'the page breached its Content-Security-Policy');
});
