// Reminder rules in the browser: the Admin previews a rule before saving it (a bad number
// named; a deal past its close date listed with its owner), saves it, runs the scan, and
// the rep has the follow-up task; the rule is switched off. A sales rep has no page.
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

for (const width of h.WIDTHS) {
  describe(`reminder rules at ${width} px`, () => {
    it('previews what a rule would create today, saves it and runs it', async () => {
      const rep = await h.apiLogin(server.base, server.accounts.sales);
      const pipeline = (await rep.get('/api/v1/pipelines'))[0];
      const title = `Renouvellement ${width}`;
      const deal = await rep.post('/api/v1/opportunities', {
        pipeline_id: pipeline.id,
        stage_id: pipeline.stages[1].id,
        title,
        value_minor: 120_000,
        expected_close: '2026-10-15',
      });
      await h.withPage(browser, width, 'reminders', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/settings/reminders"]');
        await page.waitForURL(/\/settings\/reminders$/);
        // A bad number: named in the preview.
        await page.selectOption('#reminder-kind', 'no_activity');
        await page.fill('#reminder-days', '0');
        await page.click('#reminder-preview');
        await page.locator('#reminder-preview-result .fault').waitFor();
        assert.match(await text(page.locator('#reminder-preview-result')), /Jours : un nombre de 1 à 3650/);
        // Deals past their close date: this one, for its owner.
        await page.selectOption('#reminder-kind', 'past_expected_close');
        assert.equal(await page.locator('#reminder-days').isVisible(), false, 'no days for this rule');
        await page.click('#reminder-preview');
        const row = page.locator('#preview-lines tr', { hasText: title });
        await row.waitFor();
        assert.match(await text(row), new RegExp(`Tâche ${server.accounts.sales.name} Date de clôture dépassée : ${title}`));
        await h.checkScreen(page, 'reminders-preview');
        // Nothing written by the preview.
        const before = await rep.get('/api/v1/todo');
        const listed = [...before.overdue, ...before.today, ...before.upcoming];
        assert.equal(listed.filter((a) => a.subject.includes(title)).length, 0);

        await page.click('#reminder-add');
        await page.waitForURL(/done=created/);
        const rule = page.locator('.reminder-rule[data-kind="past_expected_close"]');
        assert.equal(await rule.count(), 1);
        await page.click('#reminders-run');
        await page.waitForURL(/done=ran/);
        assert.match(await text(page.locator('#reminders-status')), /Rappels créés : [1-9]/);
        const todo = await rep.get('/api/v1/todo');
        const all = [...(todo.overdue ?? []), ...(todo.today ?? []), ...(todo.upcoming ?? [])];
        assert.ok(all.some((a) => a.subject === `Date de clôture dépassée : ${title}`), JSON.stringify(todo).slice(0, 500));
        // Switched off, then removed.
        await rule.locator('input[name="enabled"]').uncheck();
        await rule.locator('.rule-save').click();
        await page.waitForURL(/done=saved/);
        assert.equal(await page.locator('.reminder-rule.off[data-kind="past_expected_close"]').count(), 1);
        await h.checkScreen(page, 'reminders');
        await page.locator('.reminder-rule[data-kind="past_expected_close"] .rule-delete').click();
        await page.waitForURL(/done=deleted/);
        assert.equal(await page.locator('.reminder-rule').count(), 0);
        assert.ok(deal.id);
      });
    });
  });
}

describe('a sales rep and reminder rules', () => {
  it('has neither the menu nor the page', async () => {
    await h.withPage(browser, 1440, 'reminders-sales', async (page) => {
      await h.login(page, server.base, server.accounts.sales);
      assert.equal(await page.locator('nav#main-nav a[href$="/settings/reminders"]').count(), 0);
      assert.equal((await page.goto(`${server.base}/settings/reminders`)).status(), 403);
    });
  });
});
