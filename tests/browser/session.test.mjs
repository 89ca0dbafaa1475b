// Signing in and out, the token's home (sessionStorage only), and what the
// console is served with: its security headers and no other host.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { keyRow, launchBrowser, openConsole, signIn } from './lib/browser.mjs';
import { api, startServer } from './lib/server.mjs';

const CSP = "default-src 'self'; frame-ancestors 'none'";

describe('signing in and out', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const created = await api(server, 'alice', 'POST', '/1', { name: 'alice-laptop' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a token and project id sign in and show the project keys', async () => {
    const { context, page, requests, responses, problems } = await openConsole(browser, server);
    try {
      await signIn(page, server.tokens.alice);
      await keyRow(page, 'alice-laptop').waitFor();
      await assert.doesNotReject(page.getByRole('status').filter({ hasText: /^1 key$/ }).waitFor());
      assert.equal(await page.getByText('Project 1', { exact: true }).isVisible(), true, 'the header names the project');
      const stored = await page.evaluate(() => ({ ...sessionStorage }));
      assert.equal(stored['sshkeyd.token'], server.tokens.alice, 'the token is in sessionStorage');
      assert.deepEqual(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
      assert.ok(!page.url().includes(server.tokens.alice), 'the token is not in the URL');
      for (const url of requests) {
        assert.ok(url.startsWith(`${server.url}/`), `only the server is contacted, not ${url}`);
        assert.ok(!url.includes(server.tokens.alice), `the token is in no URL: ${url}`);
      }

      const consoleResponses = responses.filter((r) => new URL(r.url()).pathname.startsWith('/console'));
      assert.ok(consoleResponses.length >= 7, 'the page, stylesheet and modules were fetched');
      for (const response of consoleResponses) {
        const headers = await response.allHeaders();
        assert.equal(headers['content-security-policy'], CSP, response.url());
        assert.equal(headers['x-content-type-options'], 'nosniff', response.url());
        assert.equal(headers['referrer-policy'], 'no-referrer', response.url());
        assert.equal(headers['access-control-allow-origin'], undefined, `no CORS on ${response.url()}`);
      }
      const apiResponses = responses.filter((r) => new URL(r.url()).pathname.startsWith('/cloud/v1/ssh_keys/'));
      assert.ok(apiResponses.length >= 2, 'the sign-in check and the first page');
      for (const response of apiResponses) {
        const headers = await response.allHeaders();
        assert.equal(headers['access-control-allow-origin'], undefined, `no CORS on ${response.url()}`);
      }
      assert.deepEqual(problems, [], 'no CSP violation and no script error');

      await page.reload();
      await keyRow(page, 'alice-laptop').waitFor();
      assert.equal(await page.getByLabel('API token').isVisible(), false, 'a reload keeps the tab signed in');
    } finally {
      await context.close();
    }
  });

  test('a bad token is refused with the API message and nothing is stored', async () => {
    const { context, page, problems } = await openConsole(browser, server);
    try {
      const bad = 'skd_0000000000000000_not-a-real-secret';
      const expected = await api(server, bad, 'GET', '/1?limit=1');
      assert.equal(expected.status, 401);
      await page.getByLabel('API token').fill(bad);
      await page.getByLabel('Project ID').fill('1');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.filter({ hasText: expected.body.message }).waitFor();
      assert.equal((await alert.textContent()).trim(), expected.body.message, "the API's own words");
      assert.equal(await page.getByRole('heading', { name: 'SSH keys' }).isVisible(), false);
      assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);

      const noAccess = await api(server, 'alice', 'GET', '/2?limit=1');
      assert.equal(noAccess.status, 403);
      await page.getByLabel('API token').fill(server.tokens.alice);
      await page.getByLabel('Project ID').fill('2');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: noAccess.body.message }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('signing out leaves nothing in storage, cookies or the form', async () => {
    const { context, page } = await openConsole(browser, server);
    try {
      await signIn(page, server.tokens.alice);
      await keyRow(page, 'alice-laptop').waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      const left = await page.evaluate(() => ({
        session: sessionStorage.length,
        local: localStorage.length,
        cookie: document.cookie,
      }));
      assert.deepEqual(left, { session: 0, local: 0, cookie: '' });
      assert.deepEqual(await context.cookies(), [], 'no cookie at all');
      assert.equal(await page.getByLabel('API token').inputValue(), '', 'the token field is empty');
      assert.equal(await page.getByRole('rowheader').count(), 0, 'no key is left on the page');
      await page.reload();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'SSH keys' }).isVisible(), false, 'still signed out');
    } finally {
      await context.close();
    }
  });
});
