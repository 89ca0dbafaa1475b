// The console's entry point: signing in and out, and wiring the key table
// and the add-key form to one project client.
//
// The token is kept in sessionStorage only (gone when the tab closes), and
// in the closure of the project client while signed in. It is never put in
// a URL, a cookie or localStorage.

import { ApiError, projectClient } from './api.js';
import { addKeyForm } from './add-key.js';
import { keyTable } from './keys.js';
import { announce, byId, showAlert } from './ui.js';

const TOKEN_KEY = 'sshkeyd.token';
const PROJECT_KEY = 'sshkeyd.project';

/** What a signed-in session holds; `null` when signed out. */
let session = null;

function showSignedIn(project) {
  byId('sign-in').hidden = true;
  byId('keys').hidden = false;
  byId('session-project').textContent = project;
  byId('session-info').hidden = false;
  byId('sign-out').hidden = false;
}

function showSignedOut() {
  byId('keys').hidden = true;
  byId('session-info').hidden = true;
  byId('sign-out').hidden = true;
  byId('sign-in').hidden = false;
}

/**
 * Checks the token by listing the project's keys; on success the session
 * starts and the table shows that first page.
 */
async function start(token, project) {
  const client = projectClient(token, project);
  await client.list({ limit: 1, offset: 0, orderBy: 'created_at.desc' });
  const table = keyTable({ client, onAuthLost: signOut });
  const form = addKeyForm({ client, onCreated: () => table.load(), onAuthLost: signOut });
  session = { table, form };
  showSignedIn(project);
  await table.load();
}

async function signIn(event) {
  event.preventDefault();
  const tokenInput = byId('token');
  const projectInput = byId('project');
  const alert = byId('sign-in-error');
  const token = tokenInput.value.trim();
  const project = projectInput.value.trim();
  if (!token || !project) {
    showAlert(alert, !token ? 'Enter an API token.' : 'Enter a project ID.');
    (!token ? tokenInput : projectInput).focus();
    return;
  }
  const button = event.submitter ?? byId('sign-in-form').querySelector('button');
  button.disabled = true;
  showAlert(alert, '');
  try {
    await start(token, project);
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(PROJECT_KEY, project);
    tokenInput.value = '';
    byId('keys-title').focus();
  } catch (error) {
    showAlert(alert, error instanceof ApiError ? error.message : String(error));
    tokenInput.focus();
  } finally {
    button.disabled = false;
  }
}

/** Forgets the token and every key shown, then shows the sign-in form. */
function signOut(reason) {
  session?.table.destroy();
  session?.form.destroy();
  session = null;
  sessionStorage.clear();
  byId('token').value = '';
  showSignedOut();
  const message = typeof reason === 'string' ? reason : '';
  showAlert(byId('sign-in-error'), message);
  byId('token').focus();
  if (!message) announce('Signed out.');
}

async function resume() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const project = sessionStorage.getItem(PROJECT_KEY);
  if (!token || !project) {
    showSignedOut();
    return;
  }
  byId('project').value = project;
  try {
    await start(token, project);
  } catch (error) {
    signOut(error instanceof ApiError ? error.message : String(error));
  }
}

byId('sign-in-form').addEventListener('submit', signIn);
byId('sign-out').addEventListener('click', () => signOut());
resume();
