// Small DOM helpers shared by the console's modules. Nothing here knows
// about keys or the API.

/** The element with this id; a missing one is a bug in index.html. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`index.html has no #${id}`);
  return node;
}

/**
 * A new element. `props` are assigned as properties (className, type, ...)
 * except `attrs`, which are set as attributes (aria-*, data-*). Children
 * are nodes or strings; strings become text, never HTML.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { attrs = {}, ...rest } = props;
  Object.assign(node, rest);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Shows `message` in an alert element (role="alert"), or hides it when empty. */
export function showAlert(node, message) {
  node.textContent = message || '';
  node.hidden = !message;
}

/** Tells screen-reader users about something that needs no action. */
export function announce(message) {
  const announcer = byId('announcer');
  // Clearing first makes a repeated message ("Copied") be read again.
  announcer.textContent = '';
  window.setTimeout(() => { announcer.textContent = message; }, 50);
}

/** Marks a form field invalid with `message` shown under it, or clears it. */
export function setFieldError(input, errorNode, message) {
  errorNode.textContent = message || '';
  errorNode.hidden = !message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/**
 * Copies text to the clipboard. The async Clipboard API needs a secure
 * context (HTTPS or loopback); elsewhere, a hidden read-only textarea and
 * the older copy command do it.
 */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused: fall through to the older way.
    }
  }
  const area = el('textarea', { value: text, readOnly: true, className: 'offscreen', attrs: { 'aria-hidden': 'true' } });
  const focused = document.activeElement;
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  if (focused instanceof HTMLElement) focused.focus();
  return copied;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A `<time>` element for an RFC 3339 timestamp, in the reader's locale. */
export function timeElement(rfc3339) {
  const date = new Date(rfc3339);
  const text = Number.isNaN(date.getTime()) ? rfc3339 : dateFormat.format(date);
  return el('time', { dateTime: rfc3339, title: rfc3339 }, text);
}

/** Runs `fn` once input has paused for `ms` milliseconds. */
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}
