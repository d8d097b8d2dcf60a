// My account: the language a person chooses follows them to every device; personal API
// tokens are made (the secret shown once, working at once) and revoked (refused at once);
// the open sessions are listed by device, and the other devices signed out at once.
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

    it('lists the open sessions by device and signs the other devices out', async () => {
      // Another device: a phone signed in through the API.
      const phone = await fetch(`${server.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
        },
        body: JSON.stringify({ email: account().email, password: account().password }),
      }).then((r) => r.json());
      assert.equal((await me(phone.token)).status, 200);
      await h.withPage(browser, width, 'account-sessions', async (page) => {
        await h.login(page, server.base, account());
        await page.goto(`${server.base}/account`);
        const sessions = page.locator('ul#sessions li');
        assert.match(await text(sessions.filter({ hasText: 'cet appareil' })), /Chrome · Linux/);
        assert.ok((await sessions.filter({ hasText: 'Safari · iPhone' }).count()) >= 1, 'the phone is listed');
        await h.checkScreen(page, 'account-sessions');
        await page.click('#end-others-submit');
        await page.waitForURL(/\/account\?done=others_ended$/);
        assert.equal(await page.locator('ul#sessions li').count(), 1, 'only this device is left');
        assert.equal((await me(phone.token)).status, 401, 'the phone is signed out');
        h.assertNoViolations(page);
      });
    });
  });
}
