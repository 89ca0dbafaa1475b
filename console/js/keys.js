// The key table: one page of the project's keys with a name filter,
// sorting by the Name and Created headers, paging, and per-row actions
// (copy, share or unshare, delete).

import { announce, byId, copyText, debounce, el, showAlert, timeElement } from './ui.js';

export const PAGE_SIZE = 10;
const FILTER_DELAY_MS = 300;

/** Next `order_by` when a sortable header is clicked. */
function nextOrder(current, column) {
  if (column === 'name') return current === 'name.asc' ? 'name.desc' : 'name.asc';
  return current === 'created_at.desc' ? 'created_at.asc' : 'created_at.desc';
}

/**
 * The table for one signed-in session. `onAuthLost(message)` is called when
 * the API says the token no longer works (401).
 */
export function keyTable({ client, onAuthLost }) {
  const state = { offset: 0, name: '', orderBy: 'created_at.desc', count: 0, keys: [] };
  const rows = byId('key-rows');
  const errors = byId('keys-error');
  const filter = byId('filter');
  const previous = byId('previous-page');
  const next = byId('next-page');
  const deleteDialog = byId('delete-dialog');
  let inFlight = null;
  let pendingDelete = null;
  let destroyed = false;

  function fail(error) {
    if (error.name === 'AbortError') return;
    if (error.status === 401) onAuthLost(error.message);
    else showAlert(errors, error.message);
  }

  /** Loads the current page; a newer load cancels an older one. */
  async function load() {
    if (destroyed) return;
    inFlight?.abort();
    const request = new AbortController();
    inFlight = request;
    const query = { limit: PAGE_SIZE, offset: state.offset, name: state.name, orderBy: state.orderBy };
    try {
      const page = await client.list(query, request.signal);
      if (request !== inFlight) return;
      // A delete can leave the last page empty: step back to one with keys.
      if (page.results.length === 0 && state.offset > 0 && page.count > 0) {
        state.offset = Math.max(0, Math.floor((page.count - 1) / PAGE_SIZE) * PAGE_SIZE);
        await load();
        return;
      }
      state.count = page.count;
      state.keys = page.results;
      showAlert(errors, '');
      render();
    } catch (error) {
      fail(error);
    } finally {
      if (inFlight === request) inFlight = null;
    }
  }

  function render() {
    rows.replaceChildren(...state.keys.map(row));
    byId('no-keys').hidden = state.keys.length > 0;
    byId('key-count').textContent = `${state.count} ${state.count === 1 ? 'key' : 'keys'}`;
    const pages = Math.max(1, Math.ceil(state.count / PAGE_SIZE));
    const page = Math.floor(state.offset / PAGE_SIZE) + 1;
    byId('page-info').textContent = `Page ${page} of ${pages}`;
    const hadFocus = document.activeElement;
    previous.disabled = state.offset === 0;
    next.disabled = state.offset + PAGE_SIZE >= state.count;
    // A focused button that becomes disabled drops focus to the page: on the
    // first or last page, keep keyboard users on the other pager button.
    if (hadFocus === next && next.disabled && !previous.disabled) previous.focus();
    if (hadFocus === previous && previous.disabled && !next.disabled) next.focus();
    for (const header of document.querySelectorAll('th[data-order]')) {
      const [column, direction] = state.orderBy.split('.');
      if (header.dataset.order === column) {
        header.setAttribute('aria-sort', direction === 'asc' ? 'ascending' : 'descending');
      } else {
        header.removeAttribute('aria-sort');
      }
    }
  }

  function copyButton(label, text) {
    const button = el('button', { type: 'button', className: 'link-button', textContent: label });
    button.addEventListener('click', async () => {
      announce((await copyText(text)) ? 'Copied to the clipboard.' : 'Could not copy; select the text instead.');
    });
    return button;
  }

  function row(key) {
    const nameId = `key-name-${key.id}`;
    const name = el('th', { scope: 'row', id: nameId },
      el('span', { className: 'key-name' }, key.name),
      key.is_owner ? el('span', { className: 'badge', title: 'You created this key' }, 'yours') : null);
    const fingerprints = el('td', { className: 'fingerprints' },
      el('code', { className: 'fingerprint' }, el('span', { className: 'algo' }, 'MD5 '), key.fingerprint),
      copyButton('Copy fingerprint', key.fingerprint));
    if (typeof key.fingerprint_sha256 === 'string' && key.fingerprint_sha256) {
      fingerprints.append(el('code', { className: 'fingerprint' }, key.fingerprint_sha256));
    }
    const shared = el('input', { type: 'checkbox', checked: key.shared_in_project, disabled: !key.is_owner,
      title: key.is_owner ? '' : 'Only the key\'s creator can change this',
      attrs: { 'aria-label': 'Shared in project', 'aria-describedby': nameId } });
    shared.addEventListener('change', () => share(key, shared));
    const actions = el('td', { className: 'actions' }, copyButton('Copy public key', key.public_key));
    if (key.is_owner) {
      const remove = el('button', { type: 'button', className: 'danger small', textContent: 'Delete',
        attrs: { 'aria-describedby': nameId } });
      remove.addEventListener('click', () => confirmDelete(key));
      actions.append(remove);
    }
    return el('tr', { attrs: { 'data-key-id': key.id } }, name, fingerprints, el('td', { className: 'shared' }, shared),
      el('td', { className: 'created' }, timeElement(key.created_at)), actions);
  }

  async function share(key, checkbox) {
    const wanted = checkbox.checked;
    checkbox.disabled = true;
    try {
      const updated = await client.setShared(key.id, wanted);
      key.shared_in_project = updated.shared_in_project;
      announce(`${key.name} is ${updated.shared_in_project ? 'now shared in the project' : 'now visible only to you'}.`);
      showAlert(errors, '');
    } catch (error) {
      checkbox.checked = !wanted;
      fail(error);
    } finally {
      checkbox.disabled = !key.is_owner;
    }
  }

  function confirmDelete(key) {
    pendingDelete = key;
    byId('delete-name').textContent = key.name;
    deleteDialog.showModal();
  }

  async function deleteConfirmed() {
    const key = pendingDelete;
    deleteDialog.close();
    if (!key) return;
    try {
      await client.remove(key.id);
      announce(`Deleted ${key.name}.`);
      await load();
    } catch (error) {
      fail(error);
    }
    // The row and its Delete button are gone: put focus somewhere stable.
    byId('keys-title').focus();
  }

  const onFilter = debounce(() => {
    state.name = filter.value;
    state.offset = 0;
    load();
  }, FILTER_DELAY_MS);

  const listeners = [
    [filter, 'input', onFilter],
    [previous, 'click', () => { state.offset = Math.max(0, state.offset - PAGE_SIZE); load(); }],
    [next, 'click', () => { state.offset += PAGE_SIZE; load(); }],
    [byId('delete-confirm'), 'click', deleteConfirmed],
    [byId('delete-cancel'), 'click', () => deleteDialog.close()],
    [deleteDialog, 'close', () => { pendingDelete = null; }],
    ...[...document.querySelectorAll('th[data-order] button')].map((button) => [button, 'click', () => {
      state.orderBy = nextOrder(state.orderBy, button.parentElement.dataset.order);
      state.offset = 0;
      load();
    }]),
  ];
  for (const [node, type, fn] of listeners) node.addEventListener(type, fn);

  return {
    load,
    /** Forgets every key and detaches from the page (sign out). */
    destroy() {
      destroyed = true;
      inFlight?.abort();
      for (const [node, type, fn] of listeners) node.removeEventListener(type, fn);
      if (deleteDialog.open) deleteDialog.close();
      state.keys = [];
      rows.replaceChildren();
      filter.value = '';
      showAlert(errors, '');
      byId('key-count').textContent = '';
      byId('page-info').textContent = '';
    },
  };
}
