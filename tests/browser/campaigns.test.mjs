// Campaigns in the browser: Marketing writes a campaign to a list with a template, sends
// themselves a test, schedules it, then sends it now and follows the statistics live
// until it is sent; the recipients are listed with their state. A sales rep has neither
// the menu nor the pages.
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

for (const width of h.WIDTHS) {
  const w = String(width);

  describe(`campaigns at ${width} px`, () => {
    it('a campaign is written, tested, scheduled, sent and followed', async () => {
      const api = await h.apiLogin(server.base, server.accounts.marketing);
      const admin = await h.apiLogin(server.base, server.accounts.admin);
      const ids = [];
      for (const [first, last] of [['Anne', 'Salon'], ['Bruno', 'Salon'], ['Chloé', 'Salon']]) {
        const c = await h.createContact(admin, { first_name: first, last_name: `${last} ${w}`, emails: [`${first.toLowerCase()}.${w}@client.fr`] });
        ids.push(c.id);
      }
      const list = await api.post('/api/v1/segments', { name: `Invités du salon ${w}` });
      await api.post(`/api/v1/segments/${list.id}/members`, { contact_ids: ids });
      await api.post('/api/v1/email-templates', {
        name: `Invitation salon ${w}`,
        variants: [{ language: 'fr', subject: 'Invitation au salon, {{ contact.first_name }}', body: 'Bonjour {{ contact.first_name }},\n\nLe programme : https://exemple.com/salon' }],
      });

      await h.withPage(browser, width, 'campaigns', async (page) => {
        await h.login(page, server.base, server.accounts.marketing);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/campaigns"]');
        await page.waitForURL(/\/campaigns$/);
        await page.click('a#new-campaign');
        await page.waitForURL(/\/campaigns\/new$/);
        await page.fill('input#campaign-name', `Salon d'automne ${w}`);
        await page.selectOption('select#campaign-segment', { label: `Invités du salon ${w}` });
        await page.selectOption('select#campaign-template', { label: `Invitation salon ${w}` });
        await h.checkScreen(page, 'campaign-new');
        await page.click('form#campaign-form button.primary');
        await page.waitForURL(/\/campaigns\/[0-9a-f-]+\?done=created$/);
        assert.match(await page.locator('#content p[role=status]').innerText(), /Brouillon créé/);
        assert.match(await page.locator('#campaign-status').innerText(), /Brouillon/);

        // A test to oneself.
        await page.click('button#campaign-test');
        await page.waitForURL(/\?done=tested$/);
        assert.match(await page.locator('#content p[role=status]').innerText(), /Test envoyé/);
        await h.checkScreen(page, 'campaign-draft');

        // Scheduled at the time suggested (an hour ahead), then sent now after all.
        await page.click('button#campaign-schedule');
        await page.waitForURL(/\?done=scheduled$/);
        assert.match(await page.locator('#campaign-status').innerText(), /Programmée/);
        assert.ok((await page.locator('#campaign-scheduled').innerText()).length > 0);
        await h.checkScreen(page, 'campaign-scheduled');
        await page.click('button#campaign-start');
        await page.waitForURL(/\?done=sending$/);
        // Followed live: the statistics turn to sent without reloading the page.
        await page.locator('#campaign-status', { hasText: 'Envoyée' }).waitFor({ timeout: 30_000 });
        assert.match(await page.locator('li.stat-sent').innerText(), /^3 envoyés/);
        await page.reload();
        assert.equal(await page.locator('table#campaign-recipients tbody tr').count(), 3);
        assert.match(await page.locator('table#campaign-recipients').innerText(), /Envoyé/);
        await h.checkScreen(page, 'campaign-sent');
        await page.goto(`${server.base}/campaigns`);
        assert.match(await page.locator('table#campaigns').innerText(), new RegExp(`Salon d'automne ${w}`));
        await h.checkScreen(page, 'campaigns');
      });
    });

    it("the Admin sets the company's own relay; its password is never shown again", async () => {
      await h.withPage(browser, width, 'mail-relay', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/campaigns`);
        await page.click('a#relay-link');
        await page.waitForURL(/\/settings\/email$/);
        assert.match(await page.locator('#relay-none').innerText(), /Aucun relais propre/);
        await page.fill('input#relay-url', `smtp://ventes:Secret-${w}@relais.exemple.fr:587?tls=required`);
        await page.fill('input#relay-from', `contact.${w}@exemple.fr`);
        await page.click('form#relay-form button.primary');
        await page.waitForURL(/\?done=saved$/);
        const shown = await page.locator('#relay-current').innerText();
        assert.match(shown, /ventes:\*\*\*@relais\.exemple\.fr:587/);
        assert.doesNotMatch(await page.content(), new RegExp(`Secret-${w}`));
        await h.checkScreen(page, 'mail-relay');
        await page.click('button#relay-remove');
        await page.waitForURL(/\?done=removed$/);
        assert.match(await page.locator('#relay-none').innerText(), /Aucun relais propre/);
      });
    });

    it('a sales rep has neither the menu nor the pages', async () => {
      await h.withPage(browser, width, 'campaigns-sales', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        assert.equal(await page.locator('nav#main-nav a[href$="/campaigns"]').count(), 0);
        const res = await page.goto(`${server.base}/campaigns`);
        assert.equal(res.status(), 403);
        assert.equal((await page.goto(`${server.base}/settings/email`)).status(), 403);
      });
    });
  });
}
