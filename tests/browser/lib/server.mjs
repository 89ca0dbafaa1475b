// The server under test: the release binary, `sshkeyd token create`, and
// one `sshkeyd serve` on a free 127.0.0.1 port over a temporary SQLite
// database. Every wait is bounded.

import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO = resolve(import.meta.dirname, '..', '..', '..');
export const BIN = resolve(process.env.SSHKEYD_BIN || join(REPO, 'target', 'release', 'sshkeyd'));

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 60_000;

/** The environment without SSHKEYD_* settings that would override flags. */
function childEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SSHKEYD_')));
}

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** `sshkeyd token create`: the token's text. */
async function createToken(database, user, projects) {
  const args = ['token', 'create', '--database', database, '--user', user];
  for (const project of projects) args.push('--project', String(project));
  const { stdout } = await run(BIN, args, { timeout: CLI_TIMEOUT_MS, env: childEnv() });
  const token = stdout.trim();
  if (!/^skd_\S+$/.test(token)) throw new Error(`token create printed ${JSON.stringify(stdout)}`);
  return token;
}

async function healthy(url, child) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  return false;
}

/**
 * A running server with tokens for alice and bob (project 1). `stop()`
 * sends SIGTERM, waits for a clean exit and removes the database.
 */
export async function startServer({ extraArgs = [] } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'sshkeyd-browser-'));
  const database = `sqlite://${join(dir, 'console.db')}`;
  const tokens = { alice: await createToken(database, 'alice', [1]), bob: await createToken(database, 'bob', [1]) };
  const logPath = join(dir, 'server.log');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    // Another process may take the free port first: then try another.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const log = openSync(logPath, 'a');
    // No load balancer watches it: SIGTERM stops it without a delay.
    const args = ['serve', '--listen', `127.0.0.1:${port}`, '--database', database, '--shutdown-delay', '0s'];
    const child = spawn(BIN, [...args, ...extraArgs], {
      stdio: ['ignore', log, log],
      env: childEnv(),
    });
    closeSync(log);
    if (await healthy(url, child)) {
      return { url, tokens, dir, stop: () => stop(child, dir, logPath) };
    }
    child.kill('SIGKILL');
  }
  const log = await readFile(logPath, 'utf8').catch(() => '');
  await rm(dir, { recursive: true, force: true });
  throw new Error(`sshkeyd did not start; its log:\n${log.slice(-4000)}`);
}

async function stop(child, dir, logPath) {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    let timer;
    const timeout = new Promise((done) => { timer = setTimeout(() => done(false), STOP_TIMEOUT_MS); });
    const exited = await Promise.race([once(child, 'exit').then(() => true), timeout]);
    clearTimeout(timer);
    if (!exited) {
      child.kill('SIGKILL');
      throw new Error(`sshkeyd ignored SIGTERM for ${STOP_TIMEOUT_MS} ms`);
    }
  }
  const log = await readFile(logPath, 'utf8').catch(() => '');
  await rm(dir, { recursive: true, force: true });
  if (child.exitCode !== 0) throw new Error(`sshkeyd exited with ${child.exitCode}; its log:\n${log.slice(-4000)}`);
  return log;
}

/** A request straight to the API (not through the page), for setup and checks. */
export async function api(server, user, method, path, body) {
  const response = await fetch(`${server.url}/cloud/v1/ssh_keys${path}`, {
    method,
    headers: {
      Authorization: `APIKey ${server.tokens[user] ?? user}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
