// Drafts and sessions: what is typed is kept on the server while typing and offered back
// after a reload or on another device; a session that ends keeps the page, asks for the
// password in a dialog and carries on; a save that meets a newer version shows both and
// loses nothing.
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
// The browser logs the 401 of the request that found the session ended, and the 409 of a
// save that met a newer version.
const EXPECTED = [/status of 401/, /status of 409/];
const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/** The answer to the next draft kept by the page. */
const draftKept = (page) => page.waitForResponse((r) => /\/drafts$/.test(new URL(r.url()).pathname) && r.request().method() === 'POST');

/** Ends the page's session as an expiry would: the server no longer knows its cookie. */
async function expire(page, base) {
  const url = new URL(base);
  await page.context().addCookies([{ name: 'crm_session', value: 'expiree', domain: url.hostname, path: '/' }]);
}

for (const width of h.WIDTHS) {
  const tag = h.widthTag(width);

  describe(`drafts at ${width} px`, () => {
    it('offers an edit typed but not saved after a reload, and on another device', async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const c = await h.createContact(api, { first_name: 'Odile', last_name: `Brouillon${tag}`, job_title: 'Gérante' });

      await h.withPage(browser, width, 'draft-reload', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${c.id}`);
        await page.click('button#edit');
        const form = page.locator('form#contact-form');
        await form.waitFor();
        const kept = draftKept(page);
        await form.locator('input#job_title').fill('Responsable export');
        assert.equal((await kept).status(), 204, 'the draft is kept');

        // A reload: the details again, and the unsaved edit offered beside "Modifier".
        await page.reload();
        const offer = page.locator('.draft-offer');
        await offer.waitFor();
        assert.match(await text(offer), /Modifications non enregistrées/);
        await h.checkScreen(page, 'draft-offer');
        await offer.locator('.draft-restore').click();
        // The form opens, filled with the draft (and says so).
        await form.locator('.draft-note').waitFor();
        assert.equal(await form.locator('input#job_title').inputValue(), 'Responsable export');
        assert.equal(await form.locator('input#last_name').inputValue(), `Brouillon${tag}`);
        await h.checkScreen(page, 'draft-restored');

        // The activity form too, then another device of the same person.
        const note = page.locator('form#activity-form');
        const keptNote = draftKept(page);
        await note.locator('#activity-subject').fill(`Rappel salon ${tag}`);
        await note.locator('#activity-body').fill('Elle veut le tarif export\net des échantillons.');
        assert.equal((await keptNote).status(), 204);

        const other = await h.newPage(browser, { width });
        try {
          await h.login(other, server.base, server.accounts.sales);
          await other.goto(`${server.base}/contacts/${c.id}`);
          const otherNote = other.locator('form#activity-form');
          const offered = other.locator('.draft-offer').filter({ hasText: 'Brouillon non enregistré' });
          await offered.waitFor();
          await offered.locator('.draft-restore').click();
          assert.equal(await otherNote.locator('#activity-subject').inputValue(), `Rappel salon ${tag}`);
          assert.equal(await otherNote.locator('#activity-body').inputValue(), 'Elle veut le tarif export\net des échantillons.');
          h.assertNoViolations(other);
        } finally {
          await h.closePage(other);
        }

        // Saved: the draft is forgotten, nothing offered any more.
        await form.locator('[type=submit]').first().click();
        await page.locator('dl#contact-details').waitFor();
        assert.match(await text(page.locator('dl#contact-details')), /Responsable export/);
        await page.reload();
        await page.locator('dl#contact-details').waitFor();
        await page.waitForLoadState('networkidle');
        assert.equal(await page.locator('.draft-offer').filter({ hasText: 'Modifications non enregistrées' }).count(), 0, 'a saved edit is not offered again');
        assert.equal((await api.get(`/api/v1/contacts/${c.id}`)).job_title, 'Responsable export');
        h.assertNoViolations(page);
      });
    });

    it('keeps what is typed when the session ends, logs in again in a dialog and carries on', async () => {
      await h.withPage(browser, width, 'draft-expiry', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/new`);
        const form = page.locator('form#contact-form');
        const kept = draftKept(page);
        await form.locator('input#first_name').fill('Clémence');
        assert.equal((await kept).status(), 204);

        // The session ends; typing goes on; the next keep finds it ended: the dialog.
        await expire(page, server.base);
        const refused = draftKept(page);
        await form.locator('input#last_name').fill(`Après-Expiration${tag}`);
        assert.equal((await refused).status(), 401);
        const dialog = page.locator('dialog#relogin');
        await dialog.waitFor({ state: 'visible' });
        assert.equal(await dialog.locator('input[name=email]').inputValue(), server.accounts.sales.email);
        await h.checkScreen(page, 'relogin', { allowConsole: EXPECTED });

        // A wrong password says so; the right one closes the dialog and keeps the draft.
        await dialog.locator('input[name=password]').fill('pas le bon mot de passe');
        await dialog.locator('button[type=submit]').click();
        await dialog.locator('#relogin-failed').waitFor({ state: 'visible' });
        const again = draftKept(page);
        await dialog.locator('input[name=password]').fill(server.accounts.sales.password);
        await dialog.locator('button[type=submit]').click();
        await dialog.waitFor({ state: 'hidden' });
        assert.equal((await again).status(), 204, 'kept again once logged in');
        assert.equal(await form.locator('input#last_name').inputValue(), `Après-Expiration${tag}`, 'what was typed is still there');

        // A reload offers all of it, typed before and after the expiry.
        await page.reload();
        const offer = page.locator('.draft-offer');
        await offer.waitFor();
        await offer.locator('.draft-restore').click();
        assert.equal(await form.locator('input#first_name').inputValue(), 'Clémence');
        assert.equal(await form.locator('input#last_name').inputValue(), `Après-Expiration${tag}`);

        // The session ends again, and the form is sent: the dialog, then it goes through.
        await expire(page, server.base);
        await form.locator('input#job_title').fill('Acheteuse');
        await form.locator('button[type=submit]').first().click();
        await dialog.waitFor({ state: 'visible' });
        await dialog.locator('input[name=password]').fill(server.accounts.sales.password);
        await dialog.locator('button[type=submit]').click();
        await page.waitForURL(new RegExp(`/contacts/${UUID}$`));
        assert.equal(await text(page.locator('h1').first()), `Clémence Après-Expiration${tag}`);

        // Created: the new-contact form offers nothing any more.
        await page.goto(`${server.base}/contacts/new`);
        await page.waitForLoadState('networkidle');
        assert.equal(await page.locator('.draft-offer').count(), 0);
        h.assertNoViolations(page, { allowConsole: EXPECTED });
      });
    });

    it('shows both versions when a save meets a newer one, and loses nothing', async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const c = await h.createContact(api, { first_name: 'Gaspard', last_name: `Conflit${tag}`, job_title: 'Acheteur' });

      await h.withPage(browser, width, 'draft-conflict', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${c.id}`);
        await page.click('button#edit');
        const form = page.locator('form#contact-form');
        await form.waitFor();
        await form.locator('input#last_name').fill(`Conflit-Dupont${tag}`);
        await form.locator('input#job_title').fill('Acheteur senior');

        // Meanwhile, saved elsewhere.
        const current = await api.request('GET', `/api/v1/contacts/${c.id}`);
        const r = await fetch(`${server.base}/api/v1/contacts/${c.id}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json', 'if-match': current.headers.get('etag') },
          body: JSON.stringify({ job_title: 'Directeur des achats' }),
        });
        assert.equal(r.status, 200, await r.text());

        await form.locator('[type=submit]').first().click();
        const conflict = page.locator('.conflict');
        await conflict.waitFor();
        assert.match(await text(conflict), /Acheteur senior/);
        assert.match(await text(conflict), /Directeur des achats/);
        assert.equal(await form.locator('input#last_name').inputValue(), `Conflit-Dupont${tag}`, 'what was typed is kept');
        await h.checkScreen(page, 'contact-conflict', { allowConsole: EXPECTED });

        // The saved job title taken back, the typed name kept: saved over the newer version.
        await conflict.locator('[data-take="job_title"]').click();
        assert.equal(await form.locator('input#job_title').inputValue(), 'Directeur des achats');
        await form.locator('[type=submit]').first().click();
        await page.locator('dl#contact-details').waitFor();
        const saved = await api.get(`/api/v1/contacts/${c.id}`);
        assert.equal(saved.last_name, `Conflit-Dupont${tag}`);
        assert.equal(saved.job_title, 'Directeur des achats');
        h.assertNoViolations(page, { allowConsole: EXPECTED });
      });
    });
  });
}
