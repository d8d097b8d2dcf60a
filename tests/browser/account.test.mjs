// My account: the language a person chooses follows them to every device; personal API
// tokens are made (the secret shown once, working at once) and revoked (refused at once).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const me = (token) => fetch(`${server.base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });

for (const width of h.WIDTHS) {
  // One person per width: the two runs do not change each other's language.
  const account = () => (width < 768 ? server.accounts.observer : server.accounts.manager);

  describe(`my account at ${width} px`, () => {
    it('keeps the chosen language on every device, and goes back to the browser’s', async () => {
      await h.withPage(browser, width, 'account-language', async (page) => {
        await h.login(page, server.base, account());
        await page.goto(`${server.base}/account`);
        assert.equal(await text(page.locator('h1')), 'Mon compte');
        await h.checkScreen(page, 'account');

        await page.selectOption('select#language', 'en');
        await page.click('form#language-form button[type=submit]');
        await page.waitForURL(/\/account\?done=language$/);
        assert.equal(await text(page.locator('h1')), 'My account');
        assert.equal(await page.getAttribute('html', 'lang'), 'en');
        assert.match(await text(page.locator('[role=status]').first()), /Language saved/);

        // Another device (a French browser): English from the login on.
        const other = await h.newPage(browser, { width });
        try {
          await h.login(other, server.base, account());
          assert.equal(await other.getAttribute('html', 'lang'), 'en');
          h.assertNoViolations(other);
        } finally {
          await h.closePage(other);
        }

        // Back to the browser's language (French here).
        await page.selectOption('select#language', '');
        await page.click('form#language-form button[type=submit]');
        await page.waitForURL(/\/account\?done=language$/);
        assert.equal(await text(page.locator('h1')), 'Mon compte');
        h.assertNoViolations(page);
      });
    });

    it('makes a personal API token that works at once, and revokes it', async () => {
      await h.withPage(browser, width, 'account-tokens', async (page) => {
        await h.login(page, server.base, account());
        await page.goto(`${server.base}/account`);
        const name = `Export comptable ${width}`;
        await page.fill('input#token-name', name);
        await page.click('form#token-form button[type=submit]');
        const secret = (await page.locator('code#token-secret').innerText()).trim();
        assert.ok(secret.length >= 20, `a secret is shown: ${secret}`);
        await h.checkScreen(page, 'account-token');
        assert.equal((await me(secret)).status, 200, 'the token works at once');

        // Listed without its secret; shown once only.
        const row = page.locator('ul#tokens li').filter({ hasText: name });
        assert.equal(await row.count(), 1);
        await page.goto(`${server.base}/account`);
        assert.equal(await page.locator('code#token-secret').count(), 0, 'the secret is not shown again');
        assert.ok(!(await page.content()).includes(secret));

        await page.locator('ul#tokens li').filter({ hasText: name }).locator('button[type=submit]').click();
        await page.waitForURL(/\/account\?done=revoked$/);
        assert.equal(await page.locator('ul#tokens li').filter({ hasText: name }).count(), 0);
        assert.equal((await me(secret)).status, 401, 'a revoked token is refused');
        h.assertNoViolations(page);
      });
    });
  });
}
