// Two-step login: a person turns it on from « Mon compte » (the QR code's address read as
// an app reads it, codes computed here by an implementation of RFC 6238 of our own over
// Node's HMAC), keeps the recovery codes, then logs in with a code, and with a recovery
// code when the phone is away; a wrong code is refused and said. A company that requires
// it of its Admins has the Admin set it up on the way in.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
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

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The six-digit code of an `otpauth://` address, `offset` steps of 30 s from now. */
function totp(uri, offset = 0) {
  const secret = base32(new URL(uri).searchParams.get('secret'));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const o = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[o] & 0x7f) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

/** Email and password, up to the code's page. */
async function password(page, account) {
  await page.goto(`${server.base}/login`);
  await page.fill('input#email', account.email);
  await page.fill('input#password', account.password);
  await page.click('form#login button[type=submit]');
  await page.locator('form#second-factor').waitFor();
}

async function logout(page) {
  await h.revealNav(page);
  await page.click('#logout button[type=submit]');
  await page.waitForURL(/\/login$/);
}

for (const width of h.WIDTHS) {
  // One person per width: each turns on their own.
  const account = () => (width < 768 ? server.accounts.marketing : server.accounts.sales2);

  describe(`two-step login at ${width} px`, () => {
    it('is turned on from my account, then asks for a code or a recovery code', async () => {
      await h.withPage(browser, width, 'second-factor', async (page) => {
        await h.login(page, server.base, account());
        await page.goto(`${server.base}/account`);
        assert.match(await text(page.locator('#second-factor')), /Protégez votre compte/);
        await h.checkScreen(page, 'second-factor-off');

        await page.click('form#second-factor-setup button[type=submit]');
        await page.locator('#second-factor-qr svg').waitFor();
        assert.equal(await text(page.locator('h1')), 'Activer la double authentification');
        const uri = await page.inputValue('input[name=uri]');
        assert.match(uri, /^otpauth:\/\/totp\/Vins%20Duval:/);
        // The key to type, when the camera cannot scan: the same secret, in groups of four.
        await page.click('details.secret-typed summary');
        const typed = (await page.locator('code#second-factor-secret').innerText()).replace(/\s/g, '');
        assert.equal(typed, new URL(uri).searchParams.get('secret'));
        await h.checkScreen(page, 'second-factor-setup');

        // A wrong code: said, the same QR code kept.
        const good = totp(uri);
        await page.fill('input#code', good === '000000' ? '111111' : '000000');
        await page.click('form#second-factor-confirm button[type=submit]');
        assert.match(await text(page.locator('[role=alert]:visible')), /Code incorrect/);
        assert.equal(await page.inputValue('input[name=uri]'), uri);
        h.assertNoViolations(page, { allowConsole: [/status of 422/] });

        await page.fill('input#code', totp(uri));
        await page.click('form#second-factor-confirm button[type=submit]');
        await page.locator('ol#recovery-codes').waitFor();
        const codes = (await page.locator('ol#recovery-codes code').allInnerTexts()).map((c) => c.trim());
        assert.equal(codes.length, 10);
        assert.ok(codes.every((c) => /^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/.test(c)), codes.join(' '));
        await h.checkScreen(page, 'second-factor-codes', { allowConsole: [/status of 422/] });
        await page.click('a#codes-continue');
        await page.waitForURL(/\/account$/);
        assert.match(await text(page.locator('#second-factor-on')), /Activée depuis le/);
        assert.equal(await text(page.locator('#codes-left')), '10');
        await h.checkScreen(page, 'second-factor-on', { allowConsole: [/status of 422/] });

        // Next login: the password, then a code from the app.
        await logout(page);
        await password(page, account());
        assert.equal(await text(page.locator('h1')), 'Code de vérification');
        await h.checkScreen(page, 'second-factor-login', { allowConsole: [/status of 422/] });
        await page.fill('input#code', totp(uri, 1));
        await page.click('form#second-factor button[type=submit]');
        await page.waitForURL(/\/dashboard$/);
        await h.expectShell(page);

        // The phone away: a recovery code, typed as people type it.
        await logout(page);
        await password(page, account());
        await page.click('details.recovery summary');
        await page.fill('input#recovery-code', codes[2].toLowerCase());
        await page.click('form#recovery button[type=submit]');
        await page.waitForURL(/\/dashboard$/);
        // Spent: refused the second time.
        await logout(page);
        await password(page, account());
        await page.click('details.recovery summary');
        await page.fill('input#recovery-code', codes[2]);
        await page.click('form#recovery button[type=submit]');
        assert.match(await text(page.locator('[role=alert]:visible')), /déjà utilisé/);
        h.assertNoViolations(page, { allowConsole: [/status of 422/] });
      });
    });
  });
}

describe('a company requiring it of its Admins', () => {
  it('has the Admin set it up on the way in', async () => {
    const admin = server.accounts.admin;
    await h.withPage(browser, 1440, 'second-factor-company', async (page) => {
      await h.login(page, server.base, admin);
      await page.goto(`${server.base}/settings/company`);
      await page.check('input#second-factor-for-admins');
      // The company's password and session rules, beside it.
      assert.ok(await page.isChecked('input#refuse-common-passwords'), 'common passwords refused by default');
      assert.equal(await page.inputValue('input#password-min-length'), '12');
      assert.equal(await page.inputValue('input#session-hours'), '12');
      await page.fill('input#password-min-length', '14');
      await page.fill('input#session-hours', '8');
      await h.checkScreen(page, 'company-security');
      await page.click('button#company-save');
      await page.waitForURL(/done=saved/);
      assert.ok(await page.isChecked('input#second-factor-for-admins'));
      assert.equal(await page.inputValue('input#password-min-length'), '14');
      assert.equal(await page.inputValue('input#session-hours'), '8');
      // A common password is refused, and said.
      await page.goto(`${server.base}/account`);
      await page.fill('input#current_password', admin.password);
      await page.fill('input#new_password', 'azertyuiop123456');
      await page.click('form#password-form button[type=submit]');
      assert.match(await text(page.locator('[role=alert]:visible').first()), /trop courant/);
      h.assertNoViolations(page, { allowConsole: [/status of 422/] });
      await logout(page);
    });
    // The set-up page on a phone, as the Admin meets it at the login.
    await h.withPage(browser, 375, 'second-factor-enrol', async (page) => {
      await password(page, admin);
      await page.locator('#second-factor-qr svg').waitFor();
      await h.checkScreen(page, 'second-factor-enrol');
    });
    await h.withPage(browser, 1440, 'second-factor-enrol', async (page) => {
      await password(page, admin);
      assert.match(await text(page.locator('.login')), /Votre entreprise exige la double authentification/);
      await h.checkScreen(page, 'second-factor-enrol');
      const uri = await page.inputValue('input[name=uri]');
      await page.fill('input#code', totp(uri));
      await page.click('form#second-factor button[type=submit]');
      await page.locator('ol#recovery-codes').waitFor();
      assert.equal(await page.locator('ol#recovery-codes li').count(), 10);
      await page.click('a#codes-continue');
      await page.waitForURL(/\/dashboard$/);
      await h.expectShell(page);
      // Required: the account page offers no removal.
      await page.goto(`${server.base}/account`);
      assert.equal(await page.locator('form#remove-second-factor').count(), 0);
      assert.match(await text(page.locator('#second-factor')), /Votre entreprise l'exige/);
      h.assertNoViolations(page);
      // A rep's phone lost: the Admin resets their two-step login from the people page.
      const rep = server.accounts.sales2;
      await page.goto(`${server.base}/settings/users`);
      const row = page.locator('li').filter({ hasText: rep.email });
      assert.match(await text(row.locator('.second-factor-on')), /Double authentification activée/);
      await row.locator('button.person-reset-factor').click();
      await page.waitForURL(/done=second_factor_reset/);
      assert.match(await text(page.locator('[role=status]:visible').first()), /retirée/);
      assert.equal(await page.locator('li').filter({ hasText: rep.email }).locator('.second-factor-on').count(), 0);
      await h.checkScreen(page, 'second-factor-people');
    });
  });
});
