// Lead scoring in the browser: the Admin writes two rules by the API, a sales rep's contact
// matches both, and its page shows the score and, opened, every line that made it;
// Marketing writes a rule on the rules page, the spread of scores with the rule being typed
// drawn beside the current one, then turns it off; a sales rep has neither menu nor page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  const admin = await h.apiLogin(server.base, server.accounts.admin);
  await admin.post('/api/v1/scoring/rules', { name: 'Client important', signal: { kind: 'tag', tag: 'vip' }, points: 15 });
  await admin.post('/api/v1/scoring/rules', { name: 'Décideur', signal: { kind: 'job_title', words: ['directeur'] }, points: 10 });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const width of h.WIDTHS) {
  describe(`scoring at ${width} px`, () => {
    it("a contact's page shows its score and how it is made", async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const c = await api.post('/api/v1/contacts?confirm_duplicates=true', {
        kind: 'prospect',
        first_name: 'Hugo',
        last_name: `Noté${width}`,
        emails: [],
        phones: [],
        job_title: 'Directeur technique',
        tags: ['VIP'],
      });
      const end = Date.now() + 30_000;
      while ((await api.get(`/api/v1/contacts/${c.id}/score`)).score !== 25) {
        assert.ok(Date.now() < end, 'the score never reached 25');
        await new Promise((ok) => setTimeout(ok, 200));
      }
      await h.withPage(browser, width, 'contact-score', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${c.id}`);
        assert.equal((await page.locator('#contact-score').innerText()).trim(), '25');
        await page.click('#score-details summary');
        const lines = await page.locator('#score-details .score-lines').innerText();
        assert.match(lines, /\+15 Client important/);
        assert.match(lines, /\+10 Décideur/);
        await h.checkScreen(page, 'contact-score');
      });
    });

    it('Marketing writes a rule with the spread of scores previewed', async () => {
      await h.withPage(browser, width, 'scoring-rules', async (page) => {
        await h.login(page, server.base, server.accounts.marketing);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/settings/scoring"]');
        await page.waitForURL(/\/settings\/scoring$/);
        assert.match(await page.locator('#scoring-rules').innerText(), /Client important/);
        assert.equal(await page.locator('#spread-now progress').count(), 6);
        await page.fill('#rule-name', `Chaud ${width}`);
        await page.selectOption('#rule-kind', 'tag');
        await page.fill('#rule-values', 'vip');
        await page.fill('#rule-points', '40');
        // The spread with the rule typed, drawn as it is typed.
        await page.waitForSelector('#spread-with');
        assert.equal(await page.locator('#spread-with progress').count(), 6);
        await h.checkScreen(page, 'scoring-rules');
        await page.click('#rule-add');
        await page.waitForURL(/done=created/);
        const row = page.locator(`#scoring-rules tr:has-text("Chaud ${width}")`);
        assert.match(await row.innerText(), /40/);
        await row.locator('.rule-toggle').click();
        await page.waitForURL(/done=changed/);
        assert.match(await page.locator(`#scoring-rules tr:has-text("Chaud ${width}")`).innerText(), /Désactivée/);
        // The learned model: too little history here, and it says so.
        await page.click('#model-train');
        await page.waitForURL(/done=trained/);
        assert.match(await page.locator('#model-state').innerText(), /trop peu d'historique/);
      });
      await h.withPage(browser, width, 'scoring-sales', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        assert.equal(await page.locator('nav#main-nav a[href$="/settings/scoring"]').count(), 0);
        assert.equal((await page.goto(`${server.base}/settings/scoring`)).status(), 403);
      });
    });
  });
}
