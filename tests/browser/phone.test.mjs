// The phone-first mode: the interface is installable (a valid manifest with its icons, a
// service worker registered and in control, no installability error from Chromium); the
// signed-in rep's today — their day, a contact opened — reads offline once the network is
// cut (the copy kept, not the server: a task added meanwhile is not in it), a page not
// kept shows the offline page; after a logout nothing of theirs is left (no copies, and
// offline the day shows nothing of them). A tap on a phone number shows the call bar and
// one more tap logs the call; the board shows one stage at a time with its tabs.
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

// The network cut: the browser offline, and every request of the context (the service
// worker's included) failing as with no network.
async function cut(page) {
  await page.context().route('**/*', (r) => r.abort('internetdisconnected'));
  await page.context().setOffline(true);
}
async function restore(page) {
  await page.context().unrouteAll();
  await page.context().setOffline(false);
}

const keptCopies = (page) => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('crm-today-')));

for (const width of h.WIDTHS) {
  describe(`phone-first mode at ${width} px`, () => {
    it('installs, reads the kept today offline, and keeps nothing after logout', async () => {
      const rep = await h.apiLogin(server.base, server.accounts.sales);
      const me = await rep.get('/api/v1/auth/me');
      const c = await h.createContact(rep, { first_name: 'Paul', last_name: `Horsligne${width}`, phones: ['06 11 22 33 44'] });
      const task = (subject) =>
        rep.post('/api/v1/activities', {
          kind: 'task',
          subject,
          links: [{ entity_type: 'contact', entity_id: c.id }],
          due_at: new Date(Date.now() - 3_600_000).toISOString(),
          assignee_id: me.user_id,
        });
      await task(`Rappeler Paul ${width}`);

      await h.withPage(browser, width, 'phone', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        // The manifest and its icons.
        const manifest = await (await page.request.get(`${server.base}/manifest.webmanifest`)).json();
        assert.equal(manifest.display, 'standalone');
        assert.match(manifest.start_url, /\/dashboard$/);
        assert.match(manifest.name, /CRM/);
        const sizes = manifest.icons.map((i) => i.sizes).sort();
        assert.deepEqual(sizes, ['192x192', '512x512', '512x512']);
        for (const icon of manifest.icons) {
          const r = await page.request.get(new URL(icon.src, server.base).href);
          assert.equal(r.status(), 200);
          assert.equal(r.headers()['content-type'], 'image/png');
        }
        // The service worker in control, and Chromium's verdict.
        await page.waitForFunction(() => document.documentElement.dataset.sw === 'ready');
        await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
        const cdp = await page.context().newCDPSession(page);
        const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
        assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== 'in-incognito'), []);

        // The contact opened: kept with the day and the to-do.
        await page.goto(`${server.base}/contacts/${c.id}`);
        await page.waitForFunction(async (id) => {
          const [name] = (await caches.keys()).filter((k) => k.startsWith('crm-today-'));
          if (!name) return false;
          const urls = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
          return urls.some((u) => u.endsWith('/dashboard')) && urls.some((u) => u.endsWith('/todo')) && urls.some((u) => u.endsWith(`/contacts/${id}`));
        }, c.id);
        assert.deepEqual(await keptCopies(page), [`crm-today-${me.user_id}`]);

        // The network cut; a task added meanwhile on the server.
        await task(`Tâche ajoutée pendant la coupure ${width}`);
        await cut(page);
        await page.goto(`${server.base}/dashboard`);
        assert.match(await text(page.locator('main')), new RegExp(`Rappeler Paul ${width}`));
        assert.doesNotMatch(await text(page.locator('main')), new RegExp(`ajoutée pendant la coupure ${width}`), 'the kept copy, not the server');
        assert.ok(await page.locator('#offline-banner').isVisible());
        await h.screenshot(page, 'phone-offline');
        await page.goto(`${server.base}/contacts/${c.id}`);
        assert.equal(await text(page.locator('#contact-name')), `Paul Horsligne${width}`);
        await page.goto(`${server.base}/reports`);
        assert.equal(await page.locator('#offline-page').count(), 1, 'a page not kept: the offline page');
        await h.screenshot(page, 'phone-offline-page');

        // Back online, logged out: nothing of theirs is left.
        await restore(page);
        await page.goto(`${server.base}/dashboard`);
        await h.revealNav(page);
        await page.click('#logout button[type=submit]');
        await page.waitForURL(/\/login/);
        assert.deepEqual(await keptCopies(page), []);
        await cut(page);
        await page.goto(`${server.base}/dashboard`).catch(() => null);
        let left = '';
        for (let i = 0; i < 20; i += 1) {
          await page.waitForLoadState('domcontentloaded').catch(() => {});
          try {
            left = await page.content();
            break;
          } catch {
            await page.waitForTimeout(100);
          }
        }
        assert.doesNotMatch(left, /Rappeler Paul|Horsligne/);
        await restore(page);
      });
    });

    it('logs a call in two taps and shows the board one stage at a time', async () => {
      const rep = await h.apiLogin(server.base, server.accounts.sales);
      const c = await h.createContact(rep, { first_name: 'Nadia', last_name: `Appel${width}`, phones: ['06 55 44 33 22'] });
      await h.withPage(browser, width, 'phone-call', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/contacts/${c.id}`);
        // Tap 1: the number (the dialer is the phone's; here the link is only followed in
        // the page's script), tap 2: « joint ».
        await page.evaluate(() => {
          document.addEventListener('click', (e) => {
            if (e.target.closest('a[href^="tel:"]')) e.preventDefault();
          });
        });
        await page.click('#call-contact');
        assert.ok(await page.locator('#call-log').isVisible());
        assert.match(await text(page.locator('#call-log')), /\+33655443322/);
        await h.checkScreen(page, 'phone-call-bar');
        await page.click('#call-reached');
        await page.waitForURL(new RegExp(`/contacts/${c.id}$`));
        const timeline = await rep.get(`/api/v1/contacts/${c.id}/timeline`);
        assert.ok(JSON.stringify(timeline).includes('Appel — joint'), JSON.stringify(timeline));
        assert.match(await text(page.locator('#timeline')), /Appel — joint/);

        await page.goto(`${server.base}/pipeline`);
        const tabs = page.locator('.stage-tabs a');
        if (width < 700) {
          assert.ok((await tabs.count()) >= 2);
          await tabs.nth(1).click();
          await page.waitForFunction(() => {
            const cols = [...document.querySelectorAll('.column')];
            const box = document.querySelector('.columns').getBoundingClientRect();
            const r = cols[1].getBoundingClientRect();
            return Math.abs(r.left - box.left) < 4;
          });
          await h.checkScreen(page, 'phone-board');
        } else {
          assert.equal(await tabs.first().isVisible(), false);
        }
      });
    });
  });
}
