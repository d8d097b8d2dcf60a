// Automation in the browser: Marketing composes a rule in the builder (a contact created,
// if a prospect: tag it, then create a task) — the second action's fields appear only once
// the first is chosen, a rule without actions is refused with its field named — tries it
// on the last 30 days, saves it; a prospect and a client are created, and the rule's log
// shows the prospect's run done, action by action, and the client's skipped with its
// reason; the rule is paused; a sales rep has neither the menu nor the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

/** The browser's own line for the rule refused on purpose. */
const REFUSED = [/status of 422/];

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

async function until(what, check, timeout = 30_000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    assert.ok(Date.now() < end, `${what}: not after ${timeout} ms`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

for (const width of h.WIDTHS) {
  describe(`automations at ${width} px`, () => {
    it('Marketing composes, tries and saves a rule, then reads its run log', async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const tag = `bienvenue-${width}`;
      await h.withPage(browser, width, 'automations', async (page) => {
        await h.login(page, server.base, server.accounts.marketing);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/settings/automations"]');
        await page.waitForURL(/\/settings\/automations$/);
        // No action: refused, the field named.
        await page.fill('#auto-name', `Accueil ${width}`);
        await page.click('#automation-save');
        assert.match(await page.locator('#automation-faults').innerText(), /Actions/);
        // The builder: only what the choices ask for is shown.
        assert.ok(await page.locator('#trigger-entity').isVisible());
        assert.ok(!(await page.locator('#trigger-threshold').isVisible()));
        await page.selectOption('#trigger-type', 'score_crossed');
        assert.ok(await page.locator('#trigger-threshold').isVisible());
        await page.selectOption('#trigger-type', 'record_created');
        await page.selectOption('#trigger-entity', 'contact');
        await page.selectOption('#cond-field', 'kind');
        await page.fill('#cond-value', 'prospect');
        assert.ok(!(await page.locator('#action-1').isVisible()), 'the second action waits for the first');
        await page.selectOption('#a0-type', 'add_tag');
        await page.fill('#a0-tag', tag);
        assert.ok(await page.locator('#action-1').isVisible());
        assert.ok(!(await page.locator('#a1-title').isVisible()));
        await page.selectOption('#a1-type', 'create_task');
        await page.fill('#a1-title', `Appeler le prospect ${width}`);
        await page.fill('#a1-due', '1');
        // Tried first: the result comes in the page, nothing saved.
        await page.click('#automation-try');
        await page.waitForSelector('#dry-run-result #dry-summary');
        assert.match(await page.locator('#dry-summary').innerText(), /changements lus/);
        assert.equal(await page.locator(`#automations li:has-text("Accueil ${width}")`).count(), 0);
        await h.checkScreen(page, 'automation-builder', { allowConsole: REFUSED });
        await page.click('#automation-save');
        await page.waitForURL(/done=created/);
        assert.match(await page.locator('#automations-status').innerText(), /enregistré/);
        const rule = page.locator(`#automations li:has-text("Accueil ${width}")`);
        assert.match(await rule.innerText(), /Fiche créée : contact/);
        assert.match(await rule.innerText(), new RegExp(`Ajouter l'étiquette « ${tag} »`));

        // A prospect and a client: one run done, one skipped.
        const p = await h.createContact(api, { first_name: 'Paul', last_name: `Prospect${width}` });
        await h.createContact(api, { kind: 'client', first_name: 'Claire', last_name: `Cliente${width}` });
        await until('the prospect tagged', async () => (await api.get(`/api/v1/contacts/${p.id}`)).tags.includes(tag));
        await rule.locator('a.automation-name').click();
        await page.waitForURL(/\/settings\/automations\/[0-9a-f-]+$/);
        await until('two runs in the log', async () => {
          await page.reload();
          return (await page.locator('table.automation-runs tbody tr').count()) === 2 && (await page.locator('tr.run-done').count()) === 1;
        });
        const done = page.locator('tr.run-done');
        assert.match(await done.innerText(), new RegExp(`Ajouter l'étiquette — fait`));
        assert.match(await done.innerText(), /Créer la tâche — fait/);
        assert.match(await page.locator('tr.run-skipped').innerText(), /ne remplit pas les conditions/);
        await h.checkScreen(page, 'automation-log', { allowConsole: REFUSED });
        // Only the skipped ones.
        await page.click('nav.run-filter a[href$="state=skipped"]');
        await page.waitForURL(/state=skipped/);
        assert.equal(await page.locator('table.automation-runs tbody tr').count(), 1);
        // Paused from the list.
        await page.click('p a[href$="/settings/automations"]');
        await page.locator(`#automations li:has-text("Accueil ${width}") .automation-toggle`).click();
        await page.waitForURL(/done=changed/);
        assert.match(await page.locator(`#automations li:has-text("Accueil ${width}")`).innerText(), /En pause/);
        await h.checkScreen(page, 'automations', { allowConsole: REFUSED });
      });
    });

    it('a sales rep has neither the menu nor the page', async () => {
      await h.withPage(browser, width, 'automations-sales', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        assert.equal(await page.locator('nav#main-nav a[href$="/settings/automations"]').count(), 0);
        assert.equal((await page.goto(`${server.base}/settings/automations`)).status(), 403);
      });
    });
  });
}
