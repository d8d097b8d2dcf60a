// Leads in the browser, as Marketing works them: no pipeline in her menu (she sees no
// deal); a new contact of hers enters the lead pool as a prospect to qualify; on its page
// the lead's part moves its status (disqualifying without a reason is refused, said
// plainly), and once qualified hands it over to a sales rep, who then owns it — and the
// hand-over form is gone. All by keyboard for the hand-over.
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
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SURNAMES = { 1440: 'Pisteur', 375: 'Vivier' };

for (const width of h.WIDTHS) {
  const surname = SURNAMES[width];
  describe(`leads at ${width} px`, () => {
    it('Marketing brings a lead in, qualifies it and hands it over to a sales rep', async () => {
      await h.withPage(browser, width, 'leads', async (page) => {
        await h.login(page, server.base, server.accounts.marketing);
        await h.revealNav(page);
        assert.equal(await page.locator('#main-nav a[href$="/pipeline"]').count(), 0, 'no pipeline in her menu');

        await page.goto(`${server.base}/contacts/new`);
        await h.expectPresent(page, '#lead-hint', 'the pool explained');
        assert.equal(await page.locator('form#contact-form select#kind').count(), 0, 'no choice of kind: a lead is a prospect');
        assert.equal(await text(page.locator('#kind-fixed')), 'Prospect');
        await page.fill('form#contact-form input#first_name', 'Agathe');
        await page.fill('form#contact-form input#last_name', surname);
        await page.fill('form#contact-form input#email[name=email]', `agathe.${surname.toLowerCase()}@exemple.fr`);
        await page.fill('form#contact-form input#postal_code', '33000');
        await h.checkScreen(page, 'lead-new');
        await page.locator('form#contact-form [type=submit]').first().click();
        await page.waitForURL(new RegExp(`/contacts/${UUID}$`));

        const part = page.locator('#contact-lead');
        await part.waitFor();
        assert.match(await text(part), /Nouveau/);
        assert.match(await text(part), /Dans le vivier/);
        assert.equal(await page.locator('#lead-hand-over-form').count(), 0, 'not handed over before qualified');
        await h.checkScreen(page, 'lead-pooled');

        // Disqualified without a reason: refused, and said.
        await page.selectOption('#lead-status', 'disqualified');
        await page.locator('#lead-status-form [type=submit]').click();
        await page.waitForURL(/notice=lead_reason_needed/);
        assert.match(await text(page.locator('#contact-refused')), /choisissez un motif/);
        assert.match(await text(page.locator('#lead-status-now')), /Nouveau/, 'nothing changed');

        // Qualified: the hand-over appears.
        await page.selectOption('#lead-status', 'qualified');
        await page.locator('#lead-status-form [type=submit]').click();
        await page.waitForURL(/notice=lead_saved/);
        assert.match(await text(page.locator('#lead-status-now')), /Qualifié/);
        await h.expectPresent(page, '#lead-hand-over-form', 'the hand-over');
        await h.checkScreen(page, 'lead-qualified');

        // Handed over to the sales rep, by keyboard.
        const rep = server.accounts.sales.name;
        const value = await page
          .locator('#lead-hand-over-to option')
          .evaluateAll((os, name) => os.find((o) => o.textContent.trim() === name)?.value, rep);
        assert.ok(value?.startsWith('user:'), `${rep} is offered`);
        await page.selectOption('#lead-hand-over-to', value);
        await page.focus('#lead-hand-over-form [type=submit]');
        await page.keyboard.press('Enter');
        await page.waitForURL(/notice=lead_handed_over/);
        assert.match(await text(page.locator('p.status[role=status]').first()), /Piste remise/);
        assert.match(await text(part), /a été remise à un commercial/);
        assert.match(await text(page.locator('dl#contact-details')), new RegExp(rep));
        assert.equal(await page.locator('#lead-hand-over-form').count(), 0, 'handed over once');
        await h.checkScreen(page, 'lead-handed-over');
      });
    });
  });
}
