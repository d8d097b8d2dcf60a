// Email in the browser: a manager writes a template (a fault is shown at its line, the
// preview fills sample values); a sales rep writes to their contact from the contact's
// page — template chosen, previewed for this contact, sent — and sees it in the timeline;
// the message really leaves (its state turns to sent). An observer has neither screen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

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

for (const width of h.WIDTHS) {
  const w = String(width);

  describe(`email at ${width} px`, () => {
    it('a template is written, checked and previewed', async () => {
      await h.withPage(browser, width, 'email-templates', async (page) => {
        await h.login(page, server.base, server.accounts.manager);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/email-templates"]');
        await page.waitForURL(/\/email-templates$/);
        await page.click('a#new-template');
        await page.waitForURL(/\/email-templates\/new$/);
        await page.fill('input#template-name', `Relance salon ${w}`);
        await page.fill('input#fr-subject', 'Suite au salon, {{ contact.first_name }}');
        await page.fill('textarea#fr-body', 'Bonjour {{ contact.first_name }},\n\nRavi de vous avoir vu.\n{{ contact.prenom }}');
        await page.click('form#template-form button.primary');
        // Refused, with its line and the unknown variable named.
        const fault = await page.locator('label[for=fr-body] .error').innerText();
        assert.match(fault, /Variable inconnue \(ligne 4\) : « contact\.prenom »/);
        await page.fill('textarea#fr-body', 'Bonjour {{ contact.first_name }},\n\nRavi de vous avoir vu.\n\n{{ sender.signature }}');
        await page.click('form#template-form button[formaction]');
        assert.match(await page.locator('#sample-fr').innerText(), /Bonjour Camille,/);
        // The refusal above answered 422, on purpose.
        await h.checkScreen(page, 'email-template', { allowConsole: REFUSED });
        await page.click('form#template-form button.primary');
        await page.waitForURL(/\/email-templates\?done=saved$/);
        assert.match(await page.locator('table#templates').innerText(), new RegExp(`Relance salon ${w}`));
        await h.checkScreen(page, 'email-templates', { allowConsole: REFUSED });
      });
    });

    it('a sales rep writes to a contact from its page and sees it in the timeline', async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const c = await h.createContact(api, { first_name: 'Margaux', last_name: `Lenoir ${w}`, emails: [`margaux.${w}@client.fr`] });
      await h.withPage(browser, width, 'email-compose', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${c.id}`);
        await page.click('a#write-email');
        await page.waitForURL(new RegExp(`/contacts/${c.id}/email`));
        await page.selectOption('select#email-template', { label: `Relance salon ${w}` });
        await page.click('form#template-form button[type=submit]');
        assert.equal(await page.inputValue('input#email-subject'), 'Suite au salon, {{ contact.first_name }}');
        await page.click('form#email-form button[formaction]');
        assert.equal(await page.locator('#preview-subject').innerText(), 'Suite au salon, Margaux');
        assert.match(await page.locator('#preview-text').innerText(), /^Bonjour Margaux,/);
        await h.checkScreen(page, 'email-compose');
        await page.click('form#email-form button.primary');
        await page.waitForURL(new RegExp(`/contacts/${c.id}\\?emailed=1$`));
        assert.match(await page.locator('#content p[role=status]').first().innerText(), /E-mail envoyé/);
        assert.match(await page.locator('#timeline').innerText(), /Suite au salon, Margaux/);
        await h.checkScreen(page, 'email-sent');
      });
      // It really left (the embedded mailer wrote it).
      let state;
      for (let i = 0; i < 100 && state !== 'sent'; i++) {
        const list = await api.get(`/api/v1/emails?contact_id=${c.id}`);
        state = list[0]?.state;
        if (state !== 'sent') await new Promise((ok) => setTimeout(ok, 100));
      }
      assert.equal(state, 'sent');

      // From a deal's page, to one of its contacts: the email is on the deal's timeline.
      const [pipeline] = await api.get('/api/v1/pipelines');
      const deal = await api.post('/api/v1/opportunities', {
        pipeline_id: pipeline.id,
        title: `Renouvellement ${w}`,
        value_minor: 1250000,
        contact_ids: [c.id],
      });
      await h.withPage(browser, width, 'email-from-deal', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/opportunities/${deal.id}`);
        await page.click('a.write-email');
        await page.waitForURL(new RegExp(`/contacts/${c.id}/email\\?opportunity=${deal.id}`));
        await page.fill('input#email-subject', 'Votre renouvellement : {{ opportunity.amount }}');
        await page.fill('textarea#email-body', 'Bonjour {{ contact.first_name }},\n\nVoici notre proposition.');
        await page.click('form#email-form button[formaction]');
        assert.equal(await page.locator('#preview-subject').innerText(), 'Votre renouvellement : 12\u202f500\u00a0€');
        await page.click('form#email-form button.primary');
        await page.waitForURL(new RegExp(`/opportunities/${deal.id}\\?emailed=1$`));
        assert.match(await page.locator('#timeline').innerText(), /Votre renouvellement/);
        await h.checkScreen(page, 'email-from-deal');
      });
    });

    it('the recipient unsubscribes from the link of the message', async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const c = await h.createContact(api, { first_name: 'Ulysse', last_name: `Partant ${w}`, emails: [`ulysse.${w}@client.fr`] });
      const sent = await api.post('/api/v1/emails', { contact_id: c.id, subject: 'Nouveautés', body: 'Bonjour,\n\nNos nouveautés : https://exemple.com/nouveautes' });
      const link = sent.text.match(/https:\/\/crm\.exemple\.test\/u\/[A-Za-z0-9_-]+/)?.[0];
      assert.ok(link, sent.text);
      await h.withPage(browser, width, 'unsubscribe', async (page) => {
        await page.goto(link.replace(h.PUBLIC_URL, server.base));
        assert.match(await page.locator('h1').innerText(), /Désinscription/);
        assert.match(await page.locator('.card').innerText(), new RegExp(`u\\*\\*\\*@client\\.fr`));
        await h.checkScreen(page, 'unsubscribe');
        await page.click('form#unsubscribe button');
        assert.match(await page.locator('#unsubscribed').innerText(), /C'est fait/);
        await h.checkScreen(page, 'unsubscribed');
      });
      const listed = await api.get(`/api/v1/suppressions?email=ulysse.${w}@client.fr`);
      assert.equal(listed[0]?.reason, 'unsubscribed');
    });

    it('an observer has neither the menu nor the composer', async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const c = await h.createContact(api, { first_name: 'Olga', last_name: `Vue ${w}`, emails: [`olga.${w}@client.fr`] });
      await h.withPage(browser, width, 'email-observer', async (page) => {
        await h.login(page, server.base, server.accounts.observer);
        assert.equal(await page.locator('nav#main-nav a[href$="/email-templates"]').count(), 0);
        await page.goto(`${server.base}/contacts/${c.id}`);
        assert.equal(await page.locator('a#write-email').count(), 0);
        const res = await page.goto(`${server.base}/contacts/${c.id}/email`);
        assert.equal(res.status(), 403);
      });
    });
  });
}
