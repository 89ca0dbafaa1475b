// Browsing and changing keys: filter, sort, page, unshare, delete, and
// what another user of the project may (not) do.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { keyRow, launchBrowser, openConsole, signIn } from './lib/browser.mjs';
import { api, startServer } from './lib/server.mjs';

const PAGE_SIZE = 10;

describe('browsing and changing keys', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    // More keys than a page, made through the API for speed.
    for (let i = 1; i <= 12; i += 1) {
      const name = `web-${String(i).padStart(2, '0')}`;
      const created = await api(server, 'alice', 'POST', '/1', { name });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    for (const name of ['db-primary', 'db-replica']) {
      assert.equal((await api(server, 'alice', 'POST', '/1', { name })).status, 201);
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The names in the table, top to bottom. */
  const names = (page) => page.locator('#key-rows .key-name').allTextContents();

  /** Waits until the status says `text` (e.g. "14 keys"). */
  const countIs = (page, text) => page.locator('#key-count').filter({ hasText: new RegExp(`^${text}$`) }).waitFor();

  test('the name filter, the sortable headers and the pager walk every key once', async () => {
    const { context, page, problems } = await openConsole(browser, server);
    try {
      await signIn(page, server.tokens.alice);
      const total = (await api(server, 'alice', 'GET', '/1?limit=1')).body.count;
      await countIs(page, `${total} keys`);
      const created = page.getByRole('columnheader', { name: 'Created' });
      assert.equal(await created.getAttribute('aria-sort'), 'descending', 'newest first by default');

      const nameHeader = page.getByRole('columnheader', { name: 'Name' });
      await nameHeader.getByRole('button').click();
      await page.waitForFunction(() => document.querySelector('th[data-order="name"]').ariaSort === 'ascending');
      assert.equal(await created.getAttribute('aria-sort'), null, 'only the sorted column has aria-sort');
      const expected = (await api(server, 'alice', 'GET', '/1?limit=1000&order_by=name.asc')).body.results
        .map((k) => k.name);
      await page.waitForFunction((first) => document.querySelector('#key-rows .key-name')?.textContent === first,
        expected[0]);
      const seen = [...(await names(page))];
      assert.equal(await page.getByRole('button', { name: 'Previous page' }).isDisabled(), true);
      while (seen.length < total) {
        const next = page.getByRole('button', { name: 'Next page' });
        assert.equal(await next.isDisabled(), false, `Next page is enabled with ${seen.length} of ${total} shown`);
        await next.click();
        const number = Math.floor(seen.length / PAGE_SIZE) + 1;
        await page.locator('#page-info').filter({ hasText: `Page ${number} of` }).waitFor();
        seen.push(...(await names(page)));
      }
      assert.deepEqual(seen, expected, 'pages in name order, no key twice or missing');
      assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true, 'the last page');
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.locator('#page-info').filter({ hasText: 'Page 1 of 2' }).waitFor();

      await nameHeader.getByRole('button').click();
      await page.waitForFunction(() => document.querySelector('th[data-order="name"]').ariaSort === 'descending');
      await page.waitForFunction((first) => document.querySelector('#key-rows .key-name')?.textContent === first,
        expected.at(-1));

      await page.getByLabel('Filter by name').fill('db-');
      await countIs(page, '2 keys');
      assert.deepEqual(await names(page), ['db-replica', 'db-primary'], 'filtered, still name.desc');
      assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
      await page.getByLabel('Filter by name').fill('web-1');
      await countIs(page, '3 keys');
      assert.deepEqual(await names(page), ['web-12', 'web-11', 'web-10']);
      await page.getByLabel('Filter by name').fill('nothing-like-this');
      await countIs(page, '0 keys');
      assert.equal(await page.getByText('No keys to show.').isVisible(), true);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('unsharing hides a key from the rest of the project, and deleting removes it', async () => {
    const { context, page, problems } = await openConsole(browser, server);
    try {
      await signIn(page, server.tokens.alice);
      await page.getByLabel('Filter by name').fill('db-primary');
      const row = keyRow(page, 'db-primary');
      await row.waitFor();
      const id = await row.getAttribute('data-key-id');
      const shared = row.getByRole('checkbox', { name: 'Shared in project' });
      assert.equal(await shared.isChecked(), true);
      const [patched] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'PATCH', { timeout: 10_000 }),
        shared.uncheck(),
      ]);
      assert.equal(patched.status(), 200);
      assert.equal((await api(server, 'alice', 'GET', `/1/${id}`)).body.shared_in_project, false, 'stored');
      assert.equal((await api(server, 'bob', 'GET', `/1/${id}`)).status, 404, 'bob no longer sees it');
      await page.reload();
      await keyRow(page, 'db-primary').waitFor();
      assert.equal(await keyRow(page, 'db-primary').getByRole('checkbox', { name: 'Shared in project' }).isChecked(),
        false, 'unshared after a reload too');

      const doomed = keyRow(page, 'db-replica');
      await doomed.getByRole('button', { name: 'Delete' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      assert.match(await dialog.textContent(), /db-replica/, 'the confirmation names the key');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const doomedId = await doomed.getAttribute('data-key-id');
      assert.equal((await api(server, 'alice', 'GET', `/1/${doomedId}`)).status, 200, 'Cancel keeps it');

      await doomed.getByRole('button', { name: 'Delete' }).click();
      await dialog.getByRole('button', { name: 'Delete key' }).click();
      await doomed.waitFor({ state: 'detached' });
      assert.equal((await api(server, 'alice', 'GET', `/1/${doomedId}`)).status, 404, 'deleted in the API');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("another user sees a shared key as not theirs and cannot delete or unshare it", async () => {
    assert.equal((await api(server, 'alice', 'POST', '/1', { name: 'alice-shared' })).status, 201);
    assert.equal((await api(server, 'bob', 'POST', '/1', { name: 'bob-own' })).status, 201);
    const { context, page, problems } = await openConsole(browser, server);
    try {
      await signIn(page, server.tokens.bob);
      const theirs = keyRow(page, 'alice-shared');
      const mine = keyRow(page, 'bob-own');
      await page.getByLabel('Filter by name').fill('alice-shared');
      await theirs.waitFor();
      assert.equal(await theirs.getByText('yours', { exact: true }).count(), 0, 'not marked as his');
      const deletes = theirs.getByRole('button', { name: 'Delete' });
      assert.equal(await deletes.count(), 0, 'no Delete button for another user\'s key');
      assert.equal(await theirs.getByRole('checkbox', { name: 'Shared in project' }).isDisabled(), true);

      await page.getByLabel('Filter by name').fill('bob-own');
      await mine.waitFor();
      assert.equal(await mine.getByText('yours', { exact: true }).isVisible(), true);
      assert.equal(await mine.getByRole('button', { name: 'Delete' }).isEnabled(), true);
      assert.equal(await mine.getByRole('checkbox', { name: 'Shared in project' }).isEnabled(), true);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
