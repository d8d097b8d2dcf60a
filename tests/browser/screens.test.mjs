// Every main screen, one by one: served with a strict Content-Security-Policy, no CSP
// violation, no console or page error, and no serious or critical axe-core finding.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
let data;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  const api = await h.apiLogin(server.base, server.accounts.admin);
  const org = await h.createOrganization(api, { name: 'Maison Charpentier', domain: 'charpentier.exemple.fr', industry: 'Négoce' });
  const contact = await h.createContact(api, {
    first_name: 'Anaïs',
    last_name: 'Charpentier',
    emails: ['anais.charpentier@exemple.fr'],
    phones: ['01 23 45 67 89'],
    job_title: 'Responsable export',
  });
  await h.waitForSearch(api, 'charpentier', (hits) => hits.some((x) => x.id === contact.id));
  const [pipeline] = await api.get('/api/v1/pipelines');
  const opportunity = await api.post('/api/v1/opportunities', {
    pipeline_id: pipeline.id,
    title: 'Rayonnages chai',
    value_minor: 1_850_000,
    contact_ids: [contact.id],
    organization_id: org.id,
  });
  data = { org, contact, opportunity };
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The document's CSP allows no inline script nor eval (a page without one would pass trivially). */
function assertStrictCsp(response) {
  const csp = response.headers()['content-security-policy'] ?? '';
  const directives = Object.fromEntries(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name.toLowerCase(), values]),
  );
  const scripts = directives['script-src'] ?? directives['default-src'];
  assert.ok(scripts, `a script-src (or default-src) in the CSP of ${response.url()}: "${csp}"`);
  for (const loose of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', 'data:']) {
    assert.ok(!scripts.includes(loose), `script-src allows ${loose} on ${response.url()}: "${csp}"`);
  }
}

const SCREENS = [
  { name: 'login', needs: ['login'], anonymous: true, path: () => '/login', ready: 'form#login' },
  { name: 'contacts', needs: ['login', 'contacts'], path: () => '/contacts', ready: 'table#contacts' },
  { name: 'contact-new', needs: ['login', 'contacts'], path: () => '/contacts/new', ready: 'form#contact-form' },
  { name: 'contact-page', needs: ['login', 'contacts'], path: () => `/contacts/${data.contact.id}`, ready: 'dl#contact-details' },
  {
    name: 'contact-page-editing',
    needs: ['login', 'contacts'],
    path: () => `/contacts/${data.contact.id}`,
    ready: 'dl#contact-details',
    then: async (page) => {
      await page.click('button#edit');
      await page.locator('form#contact-form').waitFor();
    },
  },
  { name: 'organizations', needs: ['login', 'organizations'], path: () => '/organizations', ready: 'table#organizations' },
  { name: 'organization-page', needs: ['login', 'organizations'], path: () => `/organizations/${data.org.id}`, ready: 'h1' },
  { name: 'account', needs: ['login'], path: () => '/account', ready: 'form#password-form' },
  { name: 'dashboard', needs: ['login'], path: () => '/dashboard', ready: '#dashboard' },
  { name: 'todo', needs: ['login'], path: () => '/todo', ready: '#todo-lists' },
  { name: 'pipeline', needs: ['login'], path: () => '/pipeline', ready: '#board' },
  { name: 'opportunity-page', needs: ['login'], path: () => `/opportunities/${data.opportunity.id}`, ready: '#opportunity-details' },
  { name: 'notifications', needs: ['login'], path: () => '/notifications', ready: '#notification-list' },
  {
    name: 'search-open',
    needs: ['login', 'search', 'search-a11y'],
    path: () => '/contacts',
    ready: 'button#search-open',
    then: async (page) => {
      await page.click('button#search-open');
      await page.locator('dialog#search input#search-input').waitFor();
      await page.locator('dialog#search input#search-input').fill('charpentier');
      await page.locator('dialog#search a.search-hit').first().waitFor();
    },
  },
  { name: 'not-found', needs: ['login'], path: () => '/contacts/00000000-0000-7000-8000-000000000000', status: 404, ready: 'h1' },
];

for (const width of h.WIDTHS) {
  describe(`screens at ${width} px`, () => {
    for (const s of SCREENS) {
      it(`${s.name}: strict CSP, no violation, no serious axe finding`, { todo: h.waitingFor(...s.needs) }, async () => {
        await h.withPage(browser, width, `screen-${s.name}`, async (page) => {
          if (!s.anonymous) await h.login(page, server.base, server.accounts.admin);
          const res = await page.goto(`${server.base}${s.path()}`);
          assert.equal(res.status(), s.status ?? 200, `status of ${s.path()}`);
          assertStrictCsp(res);
          await h.expectPresent(page, s.ready);
          if (!s.anonymous) await h.expectShell(page);
          if (s.then) await s.then(page);
          await h.checkScreen(page, `screen-${s.name}`, { allowConsole: s.status === 404 ? [/status of 404/] : [] });
        });
      });
    }
  });
}
