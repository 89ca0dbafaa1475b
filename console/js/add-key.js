// Adding a key: the form (paste, choose a .pub file, or leave empty to
// generate), and the dialog that shows a generated private key once.

import { announce, byId, setFieldError, showAlert } from './ui.js';

const MAX_FILE_BYTES = 64 * 1024;
const PRIVATE_KEY_MARK = /PRIVATE KEY-----|PuTTY-User-Key-File/;

/** A file name for the key: its name, with spaces made shell-friendly. */
export function privateKeyFileName(keyName) {
  return keyName.replace(/\s+/g, '_');
}

/** The key as `ssh -i` wants the file: LF line ends and a final newline. */
export function privateKeyFileText(privateKey) {
  const lf = privateKey.replace(/\r\n?/g, '\n');
  return lf.endsWith('\n') ? lf : `${lf}\n`;
}

/**
 * The add-key form of one signed-in session. `onCreated(key)` runs after a
 * key is saved; `onAuthLost(message)` when the token stopped working.
 */
export function addKeyForm({ client, onCreated, onAuthLost }) {
  const form = byId('add-form');
  const toggle = byId('add-key');
  const name = byId('new-name');
  const publicKey = byId('new-public-key');
  const file = byId('new-public-key-file');
  const shared = byId('new-shared');
  const formError = byId('add-error');
  const fieldErrors = { name: byId('new-name-error'), public_key: byId('new-public-key-error') };
  const inputs = { name, public_key: publicKey };
  const dialog = privateKeyDialog();

  function clearErrors() {
    showAlert(formError, '');
    for (const field of Object.keys(fieldErrors)) setFieldError(inputs[field], fieldErrors[field], '');
  }

  function open() {
    form.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    name.focus();
  }

  function close() {
    form.reset();
    clearErrors();
    form.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
  }

  async function readFile() {
    const chosen = file.files?.[0];
    if (!chosen) return;
    setFieldError(publicKey, fieldErrors.public_key, '');
    if (chosen.size > MAX_FILE_BYTES) {
      setFieldError(publicKey, fieldErrors.public_key, 'That file is too large to be a public key.');
    } else {
      const text = await chosen.text();
      if (PRIVATE_KEY_MARK.test(text)) {
        // Never keep a private key picked by mistake, not even in the form.
        setFieldError(publicKey, fieldErrors.public_key,
          'That is a private key. Choose the matching .pub file instead.');
      } else {
        publicKey.value = text.trim();
      }
    }
    file.value = '';
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    const body = { name: name.value, shared_in_project: shared.checked };
    if (publicKey.value.trim()) body.public_key = publicKey.value.trim();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const created = await client.create(body);
      const privateKey = created.private_key;
      delete created.private_key;
      close();
      toggle.focus();
      announce(`Added ${created.name}.`);
      if (typeof privateKey === 'string') dialog.show(created.name, privateKey);
      onCreated(created);
    } catch (error) {
      if (error.status === 401) {
        onAuthLost(error.message);
        return;
      }
      showAlert(formError, error.message);
      for (const [field, problem] of Object.entries(error.invalidFields)) {
        if (fieldErrors[field]) setFieldError(inputs[field], fieldErrors[field], problem);
      }
      if (error.status === 409) setFieldError(name, fieldErrors.name, error.message);
      const invalid = form.querySelector('[aria-invalid="true"]');
      (invalid ?? name).focus();
    } finally {
      button.disabled = false;
    }
  }

  const toggleForm = () => (form.hidden ? open() : close());
  const cancel = () => { close(); toggle.focus(); };
  const listeners = [
    [toggle, 'click', toggleForm],
    [byId('add-cancel'), 'click', cancel],
    [file, 'change', readFile],
    [form, 'submit', submit],
  ];
  for (const [node, type, fn] of listeners) node.addEventListener(type, fn);

  return {
    destroy() {
      for (const [node, type, fn] of listeners) node.removeEventListener(type, fn);
      close();
      dialog.destroy();
    },
  };
}

/**
 * The one-time private-key dialog. The key lives only in the `privateKey`
 * variable, the read-only textarea and (after Download) a Blob URL; closing
 * the dialog, however it closes, clears all three.
 */
function privateKeyDialog() {
  const dialog = byId('private-key-dialog');
  const text = byId('private-key-text');
  let privateKey = null;
  let fileName = '';
  let objectUrl = null;

  function show(keyName, key) {
    privateKey = privateKeyFileText(key);
    fileName = privateKeyFileName(keyName);
    byId('private-key-name').textContent = keyName;
    text.value = privateKey;
    byId('private-key-command').textContent = `chmod 600 ${fileName} && ssh -i ${fileName} user@host`;
    dialog.showModal();
  }

  function download() {
    if (privateKey === null) return;
    if (!objectUrl) {
      objectUrl = URL.createObjectURL(new Blob([privateKey], { type: 'application/octet-stream' }));
    }
    const link = document.createElement('a');
    link.href = objectUrl;
    link.download = fileName;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    announce(`Downloading ${fileName}.`);
  }

  function forget() {
    text.value = '';
    privateKey = null;
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
    byId('private-key-command').textContent = '';
  }

  // Escape would lose the key without a word: ask for the explicit button.
  const keepOpen = (event) => {
    event.preventDefault();
    announce('Choose "I have saved it" to close: the private key cannot be shown again.');
  };
  // Cleared at once here; the close event covers any other way of closing.
  const done = () => {
    dialog.close();
    forget();
  };
  const listeners = [
    [byId('private-key-download'), 'click', download],
    [byId('private-key-done'), 'click', done],
    [dialog, 'cancel', keepOpen],
    [dialog, 'close', forget],
    // Leaving or reloading the page: nothing for the browser to keep.
    [window, 'pagehide', done],
  ];
  for (const [node, type, fn] of listeners) node.addEventListener(type, fn);

  return {
    show,
    destroy() {
      if (dialog.open) dialog.close();
      forget();
      for (const [node, type, fn] of listeners) node.removeEventListener(type, fn);
    },
  };
}
