// Webhooks in the browser: the Admin subscribes a receiver (its secret shown once), a
// contact is created and the receiver gets it signed (checked here with Node's own HMAC);
// a second subscription to a closed port ends in the dead letters, the Admin opens the
// delivery's attempts and sends it again; pausing a webhook; a sales rep has neither the
// menu nor the page.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

/** The browser's own line for the refused address the test types on purpose. */
const REFUSED = [/status of 422/];

let server;
let browser;
before(async () => {
  server = await h.startServer({
    CRM_WEBHOOK_ALLOW_PRIVATE: 'true',
    CRM_WEBHOOK_RETRY_SECONDS: '1',
    CRM_WEBHOOK_ATTEMPTS: '2',
  });
  browser = await h.launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A receiver on loopback keeping every request. */
async function receiver() {
  const got = [];
  const srv = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${srv.address().port}/crm`, got, close: () => new Promise((ok) => srv.close(ok)) };
}

/** A port nobody listens on. */
async function closedPort() {
  const srv = createServer();
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = srv.address().port;
  await new Promise((ok) => srv.close(ok));
  return port;
}

function verified(secret, header, body) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=')));
  const mac = createHmac('sha256', secret).update(`${parts.t}.`).update(body).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === mac.length && timingSafeEqual(given, mac) && Math.abs(Date.now() / 1000 - Number(parts.t)) <= 300;
}

async function until(what, check, timeout = 30_000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    assert.ok(Date.now() < end, `${what}: not after ${timeout} ms`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

for (const width of h.WIDTHS) {
  describe(`webhooks at ${width} px`, () => {
    it('the Admin subscribes a receiver, reads the delivery log and replays a dead letter', async () => {
      const hook = await receiver();
      const dead = await closedPort();
      const api = await h.apiLogin(server.base, server.accounts.admin);
      await h.withPage(browser, width, 'webhooks', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/settings/webhooks"]');
        await page.waitForURL(/\/settings\/webhooks$/);
        // A refused address first: its field is named.
        await page.fill('#webhook-url', 'ftp://erp.exemple.fr');
        await page.check('#webhook-events input[value="contact.*"]');
        await page.click('#webhook-add');
        assert.match(await page.locator('#webhook-faults').innerText(), /Adresse du destinataire/);
        // The receiver, for contacts.
        await page.fill('#webhook-url', hook.url);
        await page.fill('#webhook-description', `ERP ${width}`);
        await page.click('#webhook-add');
        await page.waitForSelector('#webhook-secret');
        const secret = (await page.locator('#webhook-secret').innerText()).trim();
        assert.match(secret, /^whsec_/);
        await h.checkScreen(page, 'webhooks-created', { allowConsole: REFUSED });
        // Reloading shows the list again and adds nothing (the secret is gone for good).
        await page.reload();
        assert.equal(await page.locator(`#webhooks li:has-text("${hook.url}")`).count(), 1);
        assert.equal(await page.locator('#webhook-secret').count(), 0);
        // A second one to a closed port, for everything.
        await page.fill('#webhook-url', `http://127.0.0.1:${dead}/nulle-part`);
        await page.check('#webhook-events input[value="*"]');
        await page.click('#webhook-add');
        await page.waitForSelector('#webhook-secret');
        assert.equal(await page.locator(`#webhooks li:has-text("${hook.url}")`).count(), 1);
        assert.equal(await page.locator(`#webhooks li:has-text(":${dead}/")`).count(), 1);

        // A contact is created: the receiver gets it, signed; the closed port's delivery dies.
        const c = await h.createContact(api, { first_name: 'Léa', last_name: `Webhook${width}` });
        await until('the signed delivery', () => hook.got.length > 0);
        const [first] = hook.got;
        assert.equal(first.headers['crm-event-type'], 'contact.created');
        assert.ok(verified(secret, first.headers['crm-signature'], first.body), 'the signature verifies');
        const doc = JSON.parse(first.body.toString());
        assert.equal(doc.data.entity_id, c.id);
        assert.ok(!first.body.toString().includes('Léa'), 'no personal value without the option');
        await until('a dead letter', async () => {
          // (not a reload: the page shown is the answer to the form, and would post it again)
          await page.goto(`${server.base}/settings/webhooks`);
          return (await page.locator(`#dead-letters tbody tr:has-text(":${dead}/")`).count()) > 0 && (await page.locator('#delivery-log tr[data-state=delivered]').count()) > 0;
        });
        // The delivery's attempts.
        await page.click(`#dead-letters tbody tr:has-text(":${dead}/") th a`);
        await page.waitForURL(/\/settings\/webhooks\/deliveries\//);
        assert.equal(await page.locator('#delivery-attempts tbody tr').count(), 2);
        assert.match(await page.locator('#delivery-state').innerText(), /Lettre morte/);
        await h.checkScreen(page, 'webhook-delivery', { allowConsole: REFUSED });
        await page.click('p.back a');
        // Sent again from the dead letters.
        await page.click(`#dead-letters tbody tr:has-text(":${dead}/") .webhook-replay`);
        await page.waitForURL(/done=replayed/);
        assert.match(await page.locator('#webhooks-status').innerText(), /Renvoi programmé/);
        await h.checkScreen(page, 'webhooks', { allowConsole: REFUSED });
        // Paused.
        await page.click(`#webhooks li:has-text("${hook.url}") .webhook-toggle`);
        await page.waitForURL(/done=paused/);
        assert.match(await page.locator(`#webhooks li:has-text("${hook.url}")`).innerText(), /En pause/);
      });
      await hook.close();
    });

    it('a sales rep has neither the menu nor the page', async () => {
      await h.withPage(browser, width, 'webhooks-sales', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        assert.equal(await page.locator('nav#main-nav a[href$="/settings/webhooks"]').count(), 0);
        assert.equal((await page.goto(`${server.base}/settings/webhooks`)).status(), 403);
      });
    });
  });
}
