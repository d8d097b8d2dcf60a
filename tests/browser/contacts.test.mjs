// Contacts: the list, creating one (and the duplicate warning for the same again), editing
// in place, user text shown as text, and a Sales rep kept out of another rep's contact.
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

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DUPLICATE = [/status of 409/];
const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

for (const width of h.WIDTHS) {
  const tag = h.widthTag(width);

  describe(`contacts at ${width} px`, () => {
    it('lists the contacts, each linked to its page', { todo: h.waitingFor('login', 'contacts') }, async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const a = await h.createContact(api, { first_name: 'Hélène', last_name: `Martin${tag}`, emails: [`helene.martin.${width}@exemple.fr`], job_title: 'Acheteuse' });
      const b = await h.createContact(api, { kind: 'client', first_name: 'Louis', last_name: `Perrin${tag}`, phones: ['06 12 34 56 78'] });

      await h.withPage(browser, width, 'contacts', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/contacts"]');
        await h.expectPresent(page, 'table#contacts', 'the contacts list');
        const ids = await page.locator('table#contacts tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => r.dataset.id));
        assert.ok(ids.includes(a.id) && ids.includes(b.id), `rows ${ids} hold ${a.id} and ${b.id}`);
        for (const c of [a, b]) {
          const row = page.locator(`table#contacts tbody tr[data-id="${c.id}"]`);
          assert.equal(await row.locator(`a[href$="/contacts/${c.id}"]`).count() > 0, true, `row ${c.id} links to its page`);
        }
        await h.expectPresent(page, 'a#new-contact');
        await h.checkScreen(page, 'contacts');

        await page.locator(`table#contacts tbody tr[data-id="${a.id}"] a[href$="/contacts/${a.id}"]`).first().click();
        await page.waitForURL(new RegExp(`/contacts/${a.id}$`));
        assert.equal(await text(page.locator('h1').first()), `Hélène Martin${tag}`);
        await h.expectPresent(page, 'dl#contact-details');
        await h.expectPresent(page, 'ol#timeline');
        await h.checkScreen(page, 'contact');
      });
    });

    it('creates a contact, then warns about the same one again', { todo: h.waitingFor('login', 'contacts') }, async () => {
      const person = {
        first: 'Bérénice',
        last: `Lambert${tag}`,
        email: `berenice.lambert.${width}@exemple.fr`,
        phone: width < 768 ? '06 45 67 89 01' : '06 45 67 89 02',
        job: 'Directrice des achats',
      };
      const fill = async (page) => {
        await page.selectOption('form#contact-form select#kind[name=kind]', 'prospect');
        await page.fill('form#contact-form input#first_name', person.first);
        await page.fill('form#contact-form input#last_name', person.last);
        await page.fill('form#contact-form input#email[name=email]', person.email);
        await page.fill('form#contact-form input#phone[name=phone]', person.phone);
        await page.fill('form#contact-form input#job_title', person.job);
      };
      const submit = (page) => page.locator('form#contact-form [type=submit]').first().click();

      await h.withPage(browser, width, 'contact-new', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts`);
        await page.click('a#new-contact');
        await page.waitForURL(/\/contacts\/new$/);
        await page.locator('form#contact-form').waitFor();
        await h.checkScreen(page, 'contact-new');
        await fill(page);
        await submit(page);
        await page.waitForURL(new RegExp(`/contacts/${UUID}$`));
        const firstId = page.url().match(new RegExp(`(${UUID})$`))[1];
        assert.equal(await text(page.locator('h1').first()), `${person.first} ${person.last}`);
        assert.match(await text(page.locator('dl#contact-details')), new RegExp(person.email.replace(/\./g, '\\.')));
        await h.checkScreen(page, 'contact-created');

        // The same person again: the form comes back with the likely duplicates.
        await page.goto(`${server.base}/contacts/new`);
        await fill(page);
        await submit(page);
        const section = page.locator('section#duplicates');
        await section.waitFor();
        await page.locator('form#contact-form').waitFor();
        const links = await section.locator('a.duplicate').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.ok(links.some((href) => href.endsWith(`/contacts/${firstId}`)), `a.duplicate links ${links} name ${firstId}`);
        const anyway = page.locator('button[name=confirm_duplicates][value=true]');
        assert.equal(await anyway.count(), 1);
        assert.equal(await page.inputValue('form#contact-form input#last_name'), person.last, 'the form keeps what was typed');
        // (the form shown again answers 409 Conflict, which the browser logs)
        await h.checkScreen(page, 'contact-duplicates', { allowConsole: DUPLICATE });

        await anyway.click();
        await page.waitForURL(new RegExp(`/contacts/${UUID}$`));
        const secondId = page.url().match(new RegExp(`(${UUID})$`))[1];
        assert.notEqual(secondId, firstId, 'created anyway: a second contact');
        assert.equal(await text(page.locator('h1').first()), `${person.first} ${person.last}`);
        h.assertNoViolations(page, { allowConsole: DUPLICATE });
      });
    });

    it('edits a contact in place', { todo: h.waitingFor('login', 'contacts') }, async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const c = await h.createContact(api, { first_name: 'Yves', last_name: `Garnier${tag}`, emails: [`yves.garnier.${width}@exemple.fr`], job_title: 'Gérant' });

      await h.withPage(browser, width, 'contact-edit', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${c.id}`);
        assert.equal(await text(page.locator('h1').first()), `Yves Garnier${tag}`);
        await h.expectPresent(page, 'dl#contact-details');
        await h.expectPresent(page, 'ol#timeline');
        await h.checkScreen(page, 'contact-details');

        await page.click('button#edit');
        const form = page.locator('form#contact-form');
        await form.waitFor();
        assert.ok(page.url().endsWith(`/contacts/${c.id}`), `in place: still on ${page.url()}`);
        for (const f of ['select#kind', 'input#first_name', 'input#last_name', 'input#email', 'input#phone', 'input#job_title']) {
          assert.equal(await form.locator(f).count(), 1, `the edit form has ${f}`);
        }
        assert.equal(await form.locator('input#last_name').inputValue(), `Garnier${tag}`);
        await h.checkScreen(page, 'contact-editing');

        await form.locator('input#last_name').fill(`Garnier-Roy${tag}`);
        await form.locator('input#job_title').fill('Directeur général');
        await form.locator('[type=submit]').first().click();
        const details = page.locator('dl#contact-details');
        await details.waitFor();
        await page.waitForFunction(() => !document.querySelector('form#contact-form'));
        assert.match(await text(details), /Directeur général/);
        assert.ok(page.url().endsWith(`/contacts/${c.id}`), `back on the details: ${page.url()}`);
        await h.checkScreen(page, 'contact-edited');

        // Saved: the page loaded again shows the new name and job title.
        await page.reload();
        assert.equal(await text(page.locator('h1').first()), `Yves Garnier-Roy${tag}`);
        assert.match(await text(page.locator('dl#contact-details')), /Directeur général/);

        const saved = await api.get(`/api/v1/contacts/${c.id}`);
        assert.equal(saved.last_name, `Garnier-Roy${tag}`);
        assert.equal(saved.job_title, 'Directeur général');
      });
    });

    it('warns of a likely duplicate on a contact\'s page, and merges it there', async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const email = `doublon.${width}@exemple.fr`;
      const kept = await h.createContact(api, { first_name: 'Mathilde', last_name: `Fusion${tag}`, emails: [email] });
      const twin = await h.createContact(api, { first_name: 'Mathilde', last_name: `Fusion${tag}`, emails: [email], phones: ['06 11 22 33 44'] });

      await h.withPage(browser, width, 'contact-merge', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${kept.id}`);
        const warning = page.locator('section#duplicates');
        assert.match(await text(warning), /même e-mail/);
        const line = warning.locator('li').filter({ has: page.locator(`a[href$="/contacts/${twin.id}"]`) });
        await line.locator('summary').click();
        await h.checkScreen(page, 'contact-merge');
        await line.locator('button[type=submit]').click();
        await page.waitForURL(new RegExp(`/contacts/${kept.id}\\?merged=1$`));
        assert.match(await text(page.locator('[role=status]').first()), /Fiches fusionnées/);
        assert.equal(await page.locator(`section#duplicates a[href$="/contacts/${twin.id}"]`).count(), 0, 'the merged record is no longer a duplicate');
        const merged = await api.get(`/api/v1/contacts/${kept.id}`);
        assert.ok(merged.phones.length === 1, `the other's phone joined: ${JSON.stringify(merged.phones)}`);
        assert.equal((await api.request('GET', `/api/v1/contacts/${twin.id}`)).status, 404);
        h.assertNoViolations(page);
      });
    });

    it('pages a long timeline back, older lines below', async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const c = await h.createContact(api, { first_name: 'Léon', last_name: `Historique${tag}` });
      for (let i = 0; i < 55; i++) {
        await api.post('/api/v1/activities', { kind: 'note', subject: `Note ${i}`, links: [{ entity_type: 'contact', entity_id: c.id }] });
      }
      await h.withPage(browser, width, 'contact-timeline', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${c.id}`);
        const lines = page.locator('ol#timeline > li');
        assert.equal(await lines.count(), 50);
        await page.click('#timeline-older a');
        await page.locator('#timeline-older').waitFor({ state: 'detached' });
        assert.equal(await lines.count(), 56, 'the 5 older notes and the creation, below');
        assert.match(await text(lines.last()), /Création/);
        h.assertNoViolations(page);
      });
    });

    it('shows the bulk actions once contacts are ticked, and tags them all', async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const a = await h.createContact(api, { first_name: 'Agathe', last_name: `Lot${tag}` });
      const b = await h.createContact(api, { first_name: 'Bastien', last_name: `Lot${tag}` });
      const label = `salon-${width}`;

      await h.withPage(browser, width, 'contacts-bulk', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts`);
        const bar = page.locator('form#bulk');
        assert.equal(await bar.isVisible(), false, 'no bulk actions before a row is ticked');
        for (const c of [a, b]) await page.check(`#pick-${c.id}`);
        await bar.waitFor({ state: 'visible' });
        assert.equal(await text(page.locator('#bulk-count')), '2 contacts cochés');
        assert.equal(await page.locator('input#bulk-tag').isVisible(), false, 'the fields of the chosen action only');
        await page.selectOption('select#bulk-action', 'tag');
        assert.equal(await page.locator('select#bulk-owner').isVisible(), false);
        await page.fill('input#bulk-tag', label);
        await h.checkScreen(page, 'contacts-bulk');
        await bar.locator('button[type=submit]').click();
        await page.waitForURL(/\/contacts\?/);
        assert.match(await text(page.locator('[role=status]').first()), /2 contacts modifiés/);
        for (const c of [a, b]) assert.ok((await api.get(`/api/v1/contacts/${c.id}`)).tags.includes(label), `${c.id} tagged`);
        await page.uncheck(`#pick-${a.id}`).catch(() => {});
        h.assertNoViolations(page);
      });
    });

    it('shows a name written as HTML as text', { todo: h.waitingFor('login', 'contacts') }, async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      // "<first> <last>" is the full name the h1 shows: together they are the payload.
      const payload = '<img src=x onerror=alert(1)>';
      const c = await h.createContact(api, { first_name: '<img', last_name: 'src=x onerror=alert(1)>', emails: [`balise.${width}@exemple.fr`] });

      await h.withPage(browser, width, 'contact-xss', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${c.id}`);
        const h1 = page.locator('h1').first();
        assert.equal(await text(h1), payload);
        assert.equal(await h1.locator('img').count(), 0, 'no img element in the h1');
        assert.equal(await page.locator('img[src="x"]').count(), 0, 'no img element from the name anywhere');
        await h.checkScreen(page, 'contact-xss');

        await page.goto(`${server.base}/contacts`);
        const row = page.locator(`table#contacts tbody tr[data-id="${c.id}"]`);
        assert.match(await text(row), /<img src=x onerror=alert\(1\)>/);
        assert.equal(await row.locator('img').count(), 0);
        await page.waitForTimeout(200); // let an onerror fire, if any element was made
        h.assertNoViolations(page); // also fails on any alert dialog
      });
    });

    it("answers 404 to a Sales rep who opens another rep's contact", { todo: h.waitingFor('login', 'contacts') }, async () => {
      const other = await h.apiLogin(server.base, server.accounts.sales2);
      const c = await h.createContact(other, { first_name: 'Roseline', last_name: `Secrète${tag}`, emails: [`roseline.${width}@exemple.fr`] });

      await h.withPage(browser, width, 'contact-404', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        const res = await page.goto(`${server.base}/contacts/${c.id}`);
        assert.equal(res.status(), 404);
        const body = await page.locator('body').innerText();
        assert.doesNotMatch(body, /Roseline|Secrète/, 'nothing of the contact is shown');
        await h.checkScreen(page, 'contact-404', { allowConsole: [/status of 404/] });
      });
    });
  });
}
