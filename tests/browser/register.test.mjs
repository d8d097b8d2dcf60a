// The register of processing activities in the browser: the Admin opens it from the
// personal data page; it names the company, its Admin, each processing with its legal
// basis and retention, the security measures; the PDF link gives a PDF. The access log:
// the contacts list seen and then a record opened by the Admin are listed, from the
// record's « Qui a consulté cette fiche ». A Sales rep gets 403 from both.
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
  describe(`register at ${width} px`, () => {
    it('shows the register built from the settings and gives its PDF', async () => {
      await h.withPage(browser, width, 'register', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/privacy`);
        await page.click('#register-link');
        await page.waitForURL(/\/privacy\/register$/);
        const sections = page.locator('.register-section');
        assert.equal(await sections.count(), 6, 'controller, four processings, security');
        assert.match(await text(sections.nth(0)), /Organisme Vins Duval.*Claire Duval <claire\.duval@navigateur\.exemple\.fr>/);
        assert.match(await text(sections.nth(1)), /Gestion de la relation commerciale.*Prospects : 36 mois après leur dernier contact/);
        assert.match(await text(sections.nth(2)), /Prospection par e-mail.*Relais d'e-mail de l'installation/);
        assert.match(await text(sections.last()), /Mesures de sécurité.*Mots de passe d'au moins 12 caractères/);
        await h.checkScreen(page, 'register');
        const href = await page.locator('#register-pdf').getAttribute('href');
        const pdf = await page.evaluate(async (url) => {
          const r = await fetch(url);
          const bytes = new Uint8Array(await r.arrayBuffer());
          return { status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 5)) };
        }, href);
        assert.deepEqual(pdf, { status: 200, type: 'application/pdf', head: '%PDF-' });
      });
    });
  });
}

const SURNAMES = { 1440: 'Consultee', 375: 'Regardee' };
for (const width of h.WIDTHS) {
  describe(`access log at ${width} px`, () => {
    it('lists who opened a record', async () => {
      const admin = await h.apiLogin(server.base, server.accounts.admin);
      const c = await h.createContact(admin, { first_name: 'Alice', last_name: SURNAMES[width] });
      await h.withPage(browser, width, 'access-log', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        // The contacts list shows her email: a list access, then her record opened.
        await page.goto(`${server.base}/contacts`);
        await page.goto(`${server.base}/contacts/${c.id}`);
        await page.click('#privacy-accesses');
        await page.waitForURL(/\/privacy\/access-log\?contact=/);
        // Written in batches: a moment may pass.
        for (let i = 0; i < 50 && (await page.locator('#access-log tbody tr').count()) < 2; i += 1) {
          await page.waitForTimeout(100);
          await page.reload();
        }
        assert.match(await text(page.locator('#access-log-filter')), new RegExp(`Consultations de la fiche de Alice ${SURNAMES[width]}`));
        const lines = page.locator('#access-log tbody tr');
        assert.match(await text(lines.nth(0)), new RegExp(`Claire Duval.*A ouvert la fiche.*Alice ${SURNAMES[width]}`));
        assert.match(await text(lines.nth(1)), new RegExp(`Claire Duval.*A vu une liste de \\d+ contact\\(s\\), avec leurs coordonnées.*Alice ${SURNAMES[width]}`));
        await h.checkScreen(page, 'access-log');
      });
    });
  });
}

describe('a sales rep and the register', () => {
  it('is refused', async () => {
    await h.withPage(browser, 1440, 'register-sales', async (page) => {
      await h.login(page, server.base, server.accounts.sales);
      assert.equal((await page.goto(`${server.base}/privacy/register`)).status(), 403);
      assert.equal((await page.goto(`${server.base}/privacy/access-log`)).status(), 403);
    });
  });
});
