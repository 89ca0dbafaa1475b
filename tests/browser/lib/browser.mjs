// Debian's Chromium, headless, driven by playwright-core. Each test gets a
// fresh browser context (its own storage), records every request the page
// makes, and keeps Content-Security-Policy reports and script errors.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { REPO } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'target', 'browser-artifacts');
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 375, height: 812 };

/**
 * Launches Chromium. Playwright starts it with a fresh temporary
 * --user-data-dir of its own and removes it on close; the flags keep it
 * from contacting anything but the server under test.
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page on `server` in a new context: `requests` lists every URL it asked
 * for, `problems` every CSP violation and uncaught exception. `initScript`
 * runs before the page's own scripts (to observe them, never to help them).
 */
export async function openConsole(browser, server, { viewport = DESKTOP, initScript } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, baseURL: server.url });
  if (initScript) await context.addInitScript(initScript);
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  const requests = [];
  const responses = [];
  const problems = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('response', (response) => responses.push(response));
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  await page.goto('/console/');
  return { context, page, requests, responses, problems };
}

/** Signs in through the form and waits for the key table. */
export async function signIn(page, token, project = '1') {
  await page.getByLabel('API token').fill(token);
  await page.getByLabel('Project ID').fill(project);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'SSH keys' }).waitFor();
}

/** The table row of the key named `name`. */
export function keyRow(page, name) {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader').filter({ hasText: name }) });
}

/** Saves a screenshot (the full page unless told) to target/browser-artifacts/. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage });
  return path;
}
