// ssh-keygen, the reference the console's results are checked against.

import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TIMEOUT_MS = 30_000;

/** A new key pair in `dir`: the paths and the public line. */
export async function keygen(dir, name, type = 'ed25519') {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-N', '', '-C', `${name}@browser-test`, '-t', type, '-f', path], {
    timeout: TIMEOUT_MS,
  });
  const publicLine = (await readFile(`${path}.pub`, 'utf8')).trim();
  return { privatePath: path, publicPath: `${path}.pub`, publicLine };
}

/** `ssh-keygen -l -E md5 -f` of a public key file, without `MD5:`. */
export async function md5Fingerprint(publicPath) {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'md5', '-f', publicPath], { timeout: TIMEOUT_MS });
  return stdout.split(/\s+/)[1].replace(/^MD5:/, '');
}

/** `ssh-keygen -y -f` on a private key file (which must be mode 0600). */
export async function publicFromPrivate(privatePath) {
  const { stdout } = await run('ssh-keygen', ['-y', '-f', privatePath], { timeout: TIMEOUT_MS });
  return stdout.trim();
}

/** `type base64` of an OpenSSH public key line, without the comment. */
export function typeAndData(line) {
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** Writes a public key line to a file, for `ssh-keygen -l`. */
export async function writePublic(dir, name, line) {
  const path = join(dir, `${name}.pub`);
  await writeFile(path, `${line}\n`);
  await chmod(path, 0o644);
  return path;
}
