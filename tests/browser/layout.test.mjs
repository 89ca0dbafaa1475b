// The console at a phone's and a desktop's width (with screenshots as test
// artifacts), readable contrast in both colour schemes, and a whole session
// driven from the keyboard alone.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DESKTOP, PHONE, keyRow, launchBrowser, openConsole, screenshot, signIn } from './lib/browser.mjs';
import { api, startServer } from './lib/server.mjs';

/** The WCAG contrast ratio of each visible sample's text on its background. */
function contrastRatios() {
  const parse = (color) => {
    const [r, g, b, a = 1] = color.match(/[\d.]+/g).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const [R, G, B] = [r, g, b].map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg.a > 0) return bg;
    }
    return { r: 255, g: 255, b: 255 };
  };
  const selectors = ['.brand', '.session-info', 'h1', '.count', 'th', '#key-rows th', 'code.fingerprint', '.algo',
    'button.primary', 'button.secondary', 'button.danger', 'button.link-button', '.badge', 'label', '.alert'];
  const ratios = {};
  for (const selector of selectors) {
    const node = [...document.querySelectorAll(selector)].find((n) => n.checkVisibility());
    if (!node) continue;
    const [fg, bg] = [luminance(parse(getComputedStyle(node).color)), luminance(background(node))];
    ratios[selector] = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  }
  return ratios;
}

describe('layout and keyboard', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    for (const [user, name, shared] of [
      ['alice', 'laptop-2024', true], ['alice', 'ci-deploy runner', false], ['bob', 'bob-workstation', true],
      ['alice', 'build-server.eu-west', true],
    ]) {
      const created = await api(server, user, 'POST', '/1', { name, shared_in_project: shared });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    test(`at ${viewport.width} px everything fits and stays a table, with readable contrast`, async () => {
      for (const colorScheme of ['light', 'dark']) {
        const { context, page, problems } = await openConsole(browser, server, { viewport });
        await page.emulateMedia({ colorScheme });
        try {
          await signIn(page, server.tokens.alice);
          await keyRow(page, 'bob-workstation').waitFor();
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 0, `no sideways scrolling at ${viewport.width} px (${overflow} px too wide)`);
          for (const name of ['Name', 'Fingerprint', 'Shared', 'Created']) {
            assert.equal(await page.getByRole('columnheader', { name, exact: true }).count(), 1, `${name} header`);
          }
          const row = keyRow(page, 'ci-deploy runner');
          for (const control of [row.getByRole('button', { name: 'Delete' }), page.getByRole('button', { name: 'Add key' }),
            page.getByRole('button', { name: 'Next page' }), row.getByRole('checkbox', { name: 'Shared in project' })]) {
            const box = await control.boundingBox();
            assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width, 'each control is on screen');
          }
          await page.getByRole('button', { name: 'Add key' }).click();
          await page.getByRole('button', { name: 'Save key' }).click();
          await page.getByRole('form', { name: 'New SSH key' }).getByRole('alert').waitFor();
          const ratios = await page.evaluate(contrastRatios);
          assert.ok(Object.keys(ratios).length >= 12, `samples measured: ${Object.keys(ratios)}`);
          for (const [selector, ratio] of Object.entries(ratios)) {
            assert.ok(ratio >= 4.5, `${colorScheme}: ${selector} has contrast ${ratio.toFixed(2)}, under 4.5:1`);
          }
          await page.getByRole('button', { name: 'Cancel' }).click();
          if (colorScheme === 'light') await screenshot(page, `console-${viewport.width}.png`);
          if (label === 'phone' && colorScheme === 'light') {
            await page.getByRole('button', { name: 'Add key' }).click();
            await page.getByLabel('Name', { exact: true }).fill('phone-key');
            await page.getByRole('button', { name: 'Save key' }).click();
            await page.getByRole('dialog', { name: 'Save your private key' }).waitFor();
            await screenshot(page, 'private-key-375.png', { fullPage: false });
            await page.getByRole('button', { name: 'I have saved it' }).click();
          }
          assert.deepEqual(problems, []);
        } finally {
          await context.close();
        }
      }
    });
  }

  test('a whole session works from the keyboard, with a visible focus ring', async () => {
    const { context, page, problems } = await openConsole(browser, server);
    /** Presses Tab (or Shift+Tab) until the focused element is `target`, at most 40 times. */
    async function tabTo(target, key = 'Tab') {
      for (let i = 0; i < 40; i += 1) {
        await page.keyboard.press(key);
        const reached = await page.evaluate(({ id, button }) => {
          const node = document.activeElement;
          return id ? node.id === id : node.tagName === 'BUTTON' && node.textContent.trim() === button;
        }, target);
        if (reached) return;
      }
      assert.fail(`${JSON.stringify(target)} is not reachable with ${key}`);
    }
    const focused = () => page.evaluate(() => {
      const node = document.activeElement;
      const style = getComputedStyle(node);
      return { id: node.id, text: node.textContent.trim(), outline: style.outlineStyle, width: style.outlineWidth };
    });
    try {
      await tabTo({ id: 'token' });
      await page.keyboard.type(server.tokens.alice);
      await page.keyboard.press('Tab');
      await page.keyboard.type('1');
      await page.keyboard.press('Enter');
      await keyRow(page, 'laptop-2024').waitFor();

      await tabTo({ button: 'Add key' });
      const ring = await focused();
      assert.notEqual(ring.outline, 'none', 'the focused control shows a ring');
      assert.equal(ring.width, '3px');
      await page.keyboard.press('Enter');
      assert.equal((await focused()).id, 'new-name', 'the form opens with focus on Name');
      await page.keyboard.type('keyboard-key');
      await tabTo({ button: 'Save key' });
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Save your private key' });
      await dialog.waitFor();
      assert.equal((await focused()).text, 'Download', 'the dialog opens with focus on Download');
      await page.keyboard.press('Tab');
      assert.equal((await focused()).text, 'I have saved it');
      await page.keyboard.press('Space');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal((await focused()).text, 'Add key', 'focus returns to where it was');

      await page.getByLabel('Filter by name').focus();
      await page.keyboard.type('keyboard-key');
      await page.locator('#key-count').filter({ hasText: /^1 key$/ }).waitFor();
      await tabTo({ button: 'Delete' });
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Delete this key?' }).waitFor();
      assert.equal((await focused()).text, 'Cancel', 'the safe choice has focus');
      await page.keyboard.press('Shift+Tab');
      assert.equal((await focused()).text, 'Delete key');
      await page.keyboard.press('Enter');
      await page.locator('#key-count').filter({ hasText: /^0 keys$/ }).waitFor();

      await tabTo({ button: 'Sign out' }, 'Shift+Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal((await focused()).id, 'token', 'focus goes back to the token field');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
