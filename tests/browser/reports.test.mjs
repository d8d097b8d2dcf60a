// Reports in the browser: the Admin wins a deal and makes a call, then reads the month's
// sales (won, win rate, average deal) beside the month before, the activity per person and
// team, the open pipeline and the funnel; a sales
// rep's report holds none of the Admin's deals; Marketing has neither the menu nor the page.
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

  describe(`reports at ${width} px`, () => {
    it("the Admin reads this month's sales, the open pipeline and the funnel", async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const [pipeline] = await api.get('/api/v1/pipelines');
      const last = pipeline.stages[pipeline.stages.length - 1].id;
      const deal = await api.post('/api/v1/opportunities', { pipeline_id: pipeline.id, stage_id: last, title: `Contrat annuel ${w}`, value_minor: 1250000 });
      const won = await fetch(`${server.base}/api/v1/opportunities/${deal.id}/win`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.token}`, 'if-match': `"${deal.version}"` },
      });
      assert.equal(won.status, 200);
      await api.post('/api/v1/opportunities', { pipeline_id: pipeline.id, title: `Audit ${w}`, value_minor: 400000 });
      // A call just made: the Admin's activity, in the per-person table.
      const c = await h.createContact(api, { first_name: 'Paul', last_name: `Appel${w}` });
      await api.post('/api/v1/activities', { kind: 'call', direction: 'outbound', subject: 'Premier appel', starts_at: new Date(Date.now() - 5000).toISOString(), links: [{ entity_type: 'contact', entity_id: c.id }] });
      await h.withPage(browser, width, 'reports', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/reports"]');
        await page.waitForURL(/\/reports$/);
        const wonRow = await page.locator('#sales-figures tr[data-figure=won] td.now').innerText();
        assert.match(wonRow, /^\d+ · /);
        assert.match(wonRow, /€/);
        assert.match(await page.locator('#sales-figures tr[data-figure=win_rate] td.now').innerText(), /%|—/);
        assert.ok((await page.locator('#open-pipeline').innerText()).includes('pondéré'));
        assert.match(await page.locator('table#sales-by-rep').innerText(), /Claire Duval|Admin/);
        const activity = await page.locator('table#activity-by-rep').innerText();
        assert.match(activity, /Appels/);
        assert.match(activity, /Claire Duval|Admin/);
        assert.match(await page.locator('table#activity-by-team').innerText(), /Activités réalisées/);
        assert.ok(await page.locator('svg#funnel-chart rect').count() > 1);
        assert.match(await page.locator('table#funnel').innerText(), /Gagnées/);
        await h.checkScreen(page, 'reports');
        // Receive it by email every week, and one now; then stop it.
        await page.selectOption('select#mail-frequency', 'weekly');
        await page.check('#report-subscribe input[name=send_now]');
        await page.click('#mail-subscribe');
        await page.waitForURL(/done=subscribed/);
        assert.match(await page.locator('#reports-status').innerText(), /vous recevrez ce rapport/);
        assert.match(await page.locator('#report-subscriptions').innerText(), /Chaque semaine · PDF · Tout ce que je vois — prochain envoi le lundi|Chaque semaine · PDF · Tout ce que je vois — prochain envoi le \d+/);
        await h.checkScreen(page, 'reports-subscribed');
        await page.click('#report-subscriptions button');
        await page.waitForURL(/done=unsubscribed/);
        assert.equal(await page.locator('#report-subscriptions').count(), 0);
        // Another period through the filters.
        await page.selectOption('select#report-period', 'year');
        await page.click('form#report-filters button.primary');
        await page.waitForURL(/period=year/);
        assert.match(await page.locator('#report-period-shown').innerText(), /1 janvier/);
      });
    });

    it("a sales rep's report holds none of the Admin's deals; Marketing has no report", async () => {
      await h.withPage(browser, width, 'reports-sales', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/reports?scope=company&period=year`);
        assert.match(await page.locator('#sales-figures tr[data-figure=won] td.now').innerText(), /^0 · /);
      });
      await h.withPage(browser, width, 'reports-marketing', async (page) => {
        await h.login(page, server.base, server.accounts.marketing);
        assert.equal(await page.locator('nav#main-nav a[href$="/reports"]').count(), 0);
        assert.equal((await page.goto(`${server.base}/reports`)).status(), 403);
      });
    });
  });
}
