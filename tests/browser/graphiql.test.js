// GraphiQL in a real Chromium: load /graphql, paste a development token into the
// Headers editor, run a query, and see the answer. Run by tests/browser/run.sh.
//
// GraphiQL's page loads React and GraphiQL from unpkg; this machine has no internet, so
// the test answers those requests from the same packages installed from the npm
// registry (run.sh installs exactly the versions the page asks for).
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require(path.join(process.env.ASSETS_DIR, 'node_modules', 'playwright-core'));

const GATEWAY = process.env.GATEWAY_URL;
const TOKEN = process.env.TOKEN;
const SCREENSHOT = process.env.SCREENSHOT || '/tmp/graphiql.png';

test('GraphiQL answers a query with a pasted development token', async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    await page.route('https://unpkg.com/**', (route) => {
      const spec = new URL(route.request().url()).pathname.slice(1);
      const [, pkg, file] = spec.match(/^((?:@[^/]+\/)?[^@/]+)@[^/]+\/(.*)$/);
      const local = path.join(process.env.ASSETS_DIR, 'node_modules', pkg, file);
      assert.ok(fs.existsSync(local), `GraphiQL asked for ${spec}, not installed`);
      route.fulfill({
        path: local,
        contentType: local.endsWith('.css') ? 'text/css' : 'application/javascript',
      });
    });
    await page.goto(`${GATEWAY}/graphql`);
    await page.waitForSelector('.graphiql-container', { timeout: 20000 });

    await page.getByText('Headers', { exact: true }).click();
    await page.locator('.graphiql-editor-tool .graphiql-editor').last().click();
    await page.keyboard.type(JSON.stringify({ Authorization: `Bearer ${TOKEN}` }));

    await page.locator('.graphiql-query-editor .CodeMirror').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('{ viewer { authenticated role } contractPeriods { year } ');
    await page.locator('.graphiql-execute-button').click();

    await page.waitForFunction(
      () => document.querySelector('.result-window')?.innerText.includes('contractPeriods'),
      null, { timeout: 15000 });
    // The result pane is a CodeMirror editor: read its value, not its rendered text.
    const answer = JSON.parse(await page.evaluate(
      () => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()));
    await page.screenshot({ path: SCREENSHOT });
    assert.deepStrictEqual(answer.data.viewer, { authenticated: true, role: 'ADMIN' });
    assert.ok(answer.data.contractPeriods.some((c) => c.year === 2021));
  } finally {
    await browser.close();
  }
});
