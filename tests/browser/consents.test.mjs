// Consent in the browser: the Admin says on the company page that the company sells to
// private persons; a prospect's page then shows email and texts excluded (no consent) and
// calls allowed; on the consents page nothing is chosen in advance, an empty form is
// refused field by field, a consent with its source and proof opens email, and a
// withdrawal closes it again, both in the history. An Observer sees the states, no form.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
let admin;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  admin = await h.apiLogin(server.base, server.accounts.admin);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
// The empty form is refused on purpose: 422.
const REFUSED = [/status of 422/];
const SURNAMES = { 1440: 'Consentie', 375: 'Accordee' };

for (const width of h.WIDTHS) {
  const surname = SURNAMES[width];
  describe(`consents at ${width} px`, () => {
    it('sets the audience, records a consent and its withdrawal', async () => {
      const c = await h.createContact(admin, {
        first_name: 'Lise',
        last_name: surname,
        emails: [`lise.${surname.toLowerCase()}@exemple.fr`],
      });
      await h.withPage(browser, width, 'consents', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/settings/company`);
        await page.check('#audience-b2c');
        await h.checkScreen(page, 'company-audience');
        await page.click('#company-save');
        await page.waitForURL(/done=saved/);
        assert.equal(await page.locator('#audience-b2c').isChecked(), true);

        await page.goto(`${server.base}/contacts/${c.id}`);
        await h.expectPresent(page, '#contact-consents', 'the consents section');
        assert.match(await text(page.locator('#consent-email')), /E-mail.*particulier sans consentement.*Exclu/);
        assert.match(await text(page.locator('#consent-phone')), /Appels.*Autorisé/);
        await h.checkScreen(page, 'contact-consents');
        await page.click('#consents-open');
        await page.waitForURL(/\/consents$/);
        assert.equal(await page.locator('#consent-form input[type=radio]:checked').count(), 0, 'nothing chosen in advance');
        await h.expectPresent(page, '#consent-none', 'no record yet');

        // Empty: refused, each field said.
        await page.click('#consent-submit');
        await h.expectPresent(page, '#consent-fault', 'the refusal');
        const fault = await text(page.locator('#consent-fault'));
        assert.match(fault, /Canal/);
        assert.match(fault, /accepte ou refuse/);
        assert.match(fault, /Source/);
        await h.checkScreen(page, 'consents-refused', { allowConsole: REFUSED });

        // A consent, by keyboard for the channel: email open.
        await page.focus('#consent-medium-email');
        await page.keyboard.press('Space');
        await page.check('#consent-granted');
        await page.selectOption('#consent-basis', 'consent');
        await page.fill('#consent-source', 'Formulaire du site');
        await page.fill('#consent-proof', 'Case cochée sur /newsletter, 10 h 42');
        await page.click('#consent-submit');
        await page.waitForURL(/done=1/);
        assert.match(await text(page.locator('#consent-status')), /enregistré/);
        assert.match(await text(page.locator('#consent-email')), /a donné son consentement.*Autorisé/);
        assert.match(await text(page.locator('#consent-records')), /Formulaire du site/);
        assert.match(await text(page.locator('#consent-records')), /Case cochée/);
        await h.checkScreen(page, 'consents', { allowConsole: REFUSED });

        // Withdrawn: email closed again, the record's opt-out ticked.
        await page.check('#consent-medium-email');
        await page.check('#consent-withdrawn');
        await page.fill('#consent-source', 'Appel entrant');
        await page.click('#consent-submit');
        await page.waitForURL(/done=1/);
        assert.match(await text(page.locator('#consent-email')), /refus coché sur la fiche.*Exclu/);
        assert.equal(await page.locator('#consent-records li').count(), 2);
      });
      const r = await fetch(`${server.base}/api/v1/contacts/${c.id}`, { headers: { authorization: `Bearer ${admin.token}` } });
      assert.equal((await r.json()).email_opt_out, true);
    });
  });
}

describe('an Observer and consents', () => {
  it('sees the states and no form', async () => {
    const c = await h.createContact(admin, { first_name: 'Olga', last_name: 'Observee' });
    await h.withPage(browser, 1440, 'consents-observer', async (page) => {
      await h.login(page, server.base, server.accounts.observer);
      await page.goto(`${server.base}/contacts/${c.id}/consents`);
      await h.expectPresent(page, '#consent-email', 'the email channel');
      assert.equal(await page.locator('#consent-form').count(), 0);
    });
  });
});
