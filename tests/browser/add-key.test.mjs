// Adding keys: importing a .pub file, generating a pair and saving its
// private key once, and the API's errors shown in its own words.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { keyRow, launchBrowser, openConsole, signIn } from './lib/browser.mjs';
import { keygen, md5Fingerprint, publicFromPrivate, typeAndData, writePublic } from './lib/keytools.mjs';
import { api, startServer } from './lib/server.mjs';

describe('adding keys', () => {
  let server;
  let browser;
  let dir;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sshkeyd-browser-keys-'));
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens the console signed in as alice, with the add form open. */
  async function openAddForm(options) {
    const opened = await openConsole(browser, server, options);
    await signIn(opened.page, server.tokens.alice);
    await opened.page.getByRole('button', { name: 'Add key' }).click();
    return opened;
  }

  /** The key named `name`, as the API lists it to alice. */
  async function listed(name) {
    const page = await api(server, 'alice', 'GET', `/1?name=${encodeURIComponent(name)}`);
    const key = page.body.results.find((k) => k.name === name);
    assert.ok(key, `${name} is listed`);
    return key;
  }

  test('a chosen .pub file is imported and listed with the fingerprint ssh-keygen prints', async () => {
    const { context, page, problems } = await openAddForm();
    try {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      const pair = await keygen(dir, 'laptop');
      const form = page.getByRole('form', { name: 'New SSH key' });
      await form.getByLabel('Name', { exact: true }).fill('imported-laptop');

      await form.getByLabel('Choose a .pub file').setInputFiles(pair.privatePath);
      await page.getByText('That is a private key.').waitFor();
      assert.equal(await form.getByLabel('Public key').inputValue(), '', 'a private key is never put in the form');

      await form.getByLabel('Choose a .pub file').setInputFiles(pair.publicPath);
      await page.waitForFunction(() => document.getElementById('new-public-key').value !== '');
      assert.equal(await form.getByLabel('Public key').inputValue(), pair.publicLine, 'the file fills the textarea');
      await form.getByRole('button', { name: 'Save key' }).click();

      const row = keyRow(page, 'imported-laptop');
      await row.waitFor();
      const expected = await md5Fingerprint(pair.publicPath);
      assert.match(expected, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
      const shown = (await row.locator('code.fingerprint').first().textContent()).trim();
      assert.equal(shown, `MD5 ${expected}`, 'the MD5 fingerprint, as ssh-keygen -l -E md5 prints it');
      assert.equal((await listed('imported-laptop')).fingerprint, expected);
      assert.equal(await row.getByText('yours', { exact: true }).isVisible(), true, 'marked as the user\'s own');
      assert.equal(await row.getByRole('checkbox', { name: 'Shared in project' }).isChecked(), true);
      assert.equal(await form.isVisible(), false, 'the form closes after saving');

      await row.getByRole('button', { name: 'Copy fingerprint' }).click();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), expected);
      await row.getByRole('button', { name: 'Copy public key' }).click();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), (await listed('imported-laptop')).public_key);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a generated private key is shown once, downloads ready for ssh -i, and is then dropped', async () => {
    // Records the object URLs the page revokes.
    const initScript = () => {
      const revoke = URL.revokeObjectURL.bind(URL);
      window.revokedUrls = [];
      URL.revokeObjectURL = (url) => { window.revokedUrls.push(url); revoke(url); };
    };
    const { context, page, problems } = await openAddForm({ initScript });
    try {
      const form = page.getByRole('form', { name: 'New SSH key' });
      await form.getByLabel('Name', { exact: true }).fill('generated key');
      await form.getByRole('button', { name: 'Save key' }).click();

      const dialog = page.getByRole('dialog', { name: 'Save your private key' });
      await dialog.waitFor();
      assert.match(await dialog.textContent(), /will not show it again/);
      assert.equal((await dialog.locator('pre code').textContent()).trim(),
        'chmod 600 generated_key && ssh -i generated_key user@host');
      await page.keyboard.press('Escape');
      assert.equal(await dialog.isVisible(), true, 'Escape does not throw the key away');

      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 10_000 }),
        dialog.getByRole('button', { name: 'Download' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'generated_key', 'named after the key');
      const path = join(dir, download.suggestedFilename());
      await download.saveAs(path);
      const text = await readFile(path, 'utf8');
      assert.ok(text.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n'), 'OpenSSH format');
      assert.ok(text.endsWith('-----END OPENSSH PRIVATE KEY-----\n'), 'ends with a newline');
      assert.ok(!text.includes('\r'), 'LF line ends');
      await chmod(path, 0o600);
      const derived = await publicFromPrivate(path);
      const key = await listed('generated key');
      assert.equal(typeAndData(derived), typeAndData(key.public_key), 'ssh-keygen -y gives the listed public key');
      const row = keyRow(page, 'generated key');
      await row.waitFor();
      const derivedFingerprint = await md5Fingerprint(await writePublic(dir, 'derived', derived));
      assert.equal((await row.locator('code.fingerprint').first().textContent()).trim(), `MD5 ${derivedFingerprint}`);

      await dialog.getByRole('button', { name: 'I have saved it' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const left = await page.evaluate((url) => ({
        textarea: document.getElementById('private-key-text').value,
        html: document.documentElement.outerHTML.includes('PRIVATE KEY-----'),
        storage: `${JSON.stringify({ ...sessionStorage })}${JSON.stringify({ ...localStorage })}`.includes('PRIVATE'),
        revoked: window.revokedUrls.includes(url),
      }), download.url());
      assert.deepEqual(left, { textarea: '', html: false, storage: false, revoked: true },
        'the private key is gone from the page, its download URL revoked');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Add key', 'focus returns');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('leaving the page while a private key is shown drops it, and a reload does not bring it back', async () => {
    const { context, page, problems } = await openAddForm();
    try {
      const form = page.getByRole('form', { name: 'New SSH key' });
      await form.getByLabel('Name', { exact: true }).fill('left-behind');
      await form.getByRole('button', { name: 'Save key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Save your private key' });
      await dialog.waitFor();
      const field = page.locator('#private-key-text');
      assert.equal(await field.getAttribute('autocomplete'), 'off', 'no autofill or form restore keeps it');
      assert.match(await field.inputValue(), /BEGIN OPENSSH PRIVATE KEY/);

      await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await field.inputValue(), '', 'dropped as the page is hidden');

      const reloaded = await page.reload();
      assert.equal(reloaded.headers()['cache-control'], 'no-store', 'the page is never stored');
      await keyRow(page, 'left-behind').waitFor();
      assert.equal(await page.locator('#private-key-text').inputValue(), '');
      assert.equal((await page.content()).includes('PRIVATE KEY-----'), false, 'nothing restored');

      // Really leaving with the key shown, then Back: neither the
      // back/forward cache nor form restore brings it back.
      await page.getByRole('button', { name: 'Add key' }).click();
      await form.getByLabel('Name', { exact: true }).fill('left-behind-again');
      await form.getByRole('button', { name: 'Save key' }).click();
      await dialog.waitFor();
      assert.match(await field.inputValue(), /BEGIN OPENSSH PRIVATE KEY/);
      await page.goto('about:blank');
      await page.goBack();
      await keyRow(page, 'left-behind-again').waitFor();
      assert.equal(await page.locator('#private-key-text').inputValue(), '', 'not restored by Back');
      assert.equal(await dialog.isVisible(), false);
      assert.equal((await page.content()).includes('PRIVATE KEY-----'), false, 'nothing restored by Back');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("a duplicate name and an invalid name show the API's message", async () => {
    const taken = await api(server, 'alice', 'POST', '/1', { name: 'taken-name' });
    assert.equal(taken.status, 201);
    const conflict = await api(server, 'alice', 'POST', '/1', { name: 'taken-name' });
    assert.equal(conflict.status, 409);
    const before = (await api(server, 'alice', 'GET', '/1?limit=1')).body.count;

    const { context, page, problems } = await openAddForm();
    try {
      const form = page.getByRole('form', { name: 'New SSH key' });
      const name = form.getByLabel('Name', { exact: true });
      await name.fill('taken-name');
      await form.getByRole('button', { name: 'Save key' }).click();
      const alert = form.getByRole('alert');
      await alert.filter({ hasText: conflict.body.message }).waitFor();
      assert.equal((await alert.textContent()).trim(), conflict.body.message, "the 409 in the API's words");
      assert.equal(await name.getAttribute('aria-invalid'), 'true', 'the Name field is marked');

      const invalid = await api(server, 'alice', 'POST', '/1', { name: 'x' });
      assert.equal(invalid.status, 400);
      await name.fill('x');
      await form.getByRole('button', { name: 'Save key' }).click();
      await alert.filter({ hasText: invalid.body.message }).waitFor();
      const fieldError = page.locator('#new-name-error');
      assert.equal((await fieldError.textContent()).trim(), invalid.body.invalid_fields.name, 'next to the field');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'new-name', 'focus goes to the field');
      assert.equal((await api(server, 'alice', 'GET', '/1?limit=1')).body.count, before, 'nothing was added');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
