/* global document, fetch, window */
// Script of the local console (served as a file: the page's CSP allows no inline script). Sends the forms and buttons
// as JSON, and keeps the page current by itself: every few seconds it fetches the page again and swaps in only the
// parts (data-live) that changed, so scrolling, typing and the simulated phones' screens stay as they are.
'use strict';

const POLL_MS = 2000;
const liveStatus = document.getElementById('live-status');
let refreshing = false;
let pendingRefresh = false;

/** Moves what a person was looking at (open email sources, the phones' screens) into the new copy of a part. */
function keepLocalState(current, next) {
  for (const details of current.querySelectorAll('details[data-key][open]')) {
    const twin = [...next.querySelectorAll('details[data-key]')].find(
      (other) => other.dataset.key === details.dataset.key,
    );
    if (twin) twin.open = true;
  }
  for (const screen of current.querySelectorAll('.device-screen')) {
    const twin = [...next.querySelectorAll('.device-screen')].find(
      (other) => other.dataset.deviceId === screen.dataset.deviceId,
    );
    if (twin) twin.replaceWith(screen);
  }
}

async function refresh() {
  if (refreshing) {
    pendingRefresh = true;
    return;
  }
  refreshing = true;
  try {
    const response = await fetch('/_local', { cache: 'no-store', headers: { accept: 'text/html' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const fresh = new window.DOMParser().parseFromString(await response.text(), 'text/html');
    for (const next of fresh.querySelectorAll('[data-live]')) {
      const current = document.querySelector(`[data-live="${next.dataset.live}"]`);
      if (!current || current.dataset.html === next.innerHTML) continue;
      // Never swap a part under the person's hands (a focused button or field): next round.
      if (current.contains(document.activeElement) && document.activeElement !== document.body) continue;
      const html = next.innerHTML;
      keepLocalState(current, next);
      current.replaceChildren(...next.childNodes);
      current.dataset.html = html;
    }
    if (liveStatus) liveStatus.textContent = 'This page updates by itself.';
  } catch (error) {
    if (liveStatus)
      liveStatus.textContent = `Cannot reach Blink (${error instanceof Error ? error.message : String(error)}); trying again…`;
  } finally {
    refreshing = false;
    if (pendingRefresh) {
      pendingRefresh = false;
      void refresh();
    }
  }
}

// What the server rendered is what each part was last refreshed from.
for (const part of document.querySelectorAll('[data-live]')) part.dataset.html = part.innerHTML;
window.setInterval(() => {
  if (!document.hidden) void refresh();
}, POLL_MS);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refresh();
});

async function postJson(url, payload) {
  const response = await fetch(url, {
    method: 'POST',
    headers: payload === undefined ? {} : { 'content-type': 'application/json' },
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });
  const answer = await response.json().catch(() => undefined);
  return { ok: response.ok, status: response.status, answer };
}

function refusal(result) {
  return `Refused: ${result.answer?.error?.message ?? `HTTP ${result.status}`}`;
}

function failed(error) {
  return `Failed: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Wires a console form that posts to the local runtime: sends its `fields` as JSON to `path`, shows `progress` in its
 * status line, then what `describe` makes of the answer (or the refusal, or the failure), and refreshes on success.
 */
function onFormPost(formId, statusId, { fields, progress, path, describe }) {
  const form = document.getElementById(formId);
  const status = document.getElementById(statusId);
  if (!form || !status) return;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new window.FormData(form);
    const payload = Object.fromEntries(fields.map((name) => [name, String(data.get(name) ?? '')]));
    status.textContent = progress;
    try {
      const result = await postJson(path, payload);
      status.textContent = result.ok ? describe(result.answer, payload) : refusal(result);
      if (result.ok) void refresh();
    } catch (error) {
      status.textContent = failed(error);
    }
  });
}

// ---- Text Blink from a phone -------------------------------------------------------------------------------------

onFormPost('inbound-sms-form', 'inbound-sms-status', {
  fields: ['from', 'to', 'body'],
  progress: 'Sending…',
  path: '/_local/api/sms/inbound',
  describe: (_answer, sms) =>
    `Blink received the text “${sms.body}” from ${sms.from}. Its answer appears under “Texts sent by Blink”.`,
});

// ---- Jobs: check for locked accounts, test the directory connection ----------------------------------------------

const jobMessages = {
  'lockout-scan': 'Blink is checking the directory for locked accounts; alerts go out by text and email.',
  'password-expiry-scan':
    'Blink is looking for passwords that expire soon; reminders go out by email (and text or push when turned on).',
  ping: 'Sent a test job to the directory worker: the terminal running npm start logs "directory answered" (or the error).',
};

// ---- Directory: lock a demo user out ----------------------------------------------------------------------------

const directoryStatus = document.getElementById('directory-status');

document.addEventListener('click', async (event) => {
  const button = event.target instanceof window.Element ? event.target.closest('button') : null;
  if (!button) return;

  if (button.classList.contains('enqueue-job')) {
    const kind = button.dataset.kind;
    const target =
      kind === 'lockout-scan' || kind === 'password-expiry-scan'
        ? directoryStatus
        : document.getElementById('job-status');
    if (!target) return;
    target.textContent = 'Sending…';
    try {
      const result = await postJson('/_local/api/jobs', { kind });
      target.textContent = result.ok ? (jobMessages[kind] ?? 'Done.') : refusal(result);
      if (result.ok) void refresh();
    } catch (error) {
      target.textContent = failed(error);
    }
    return;
  }

  if (button.classList.contains('lock-user')) {
    const user = button.dataset.user;
    if (!directoryStatus) return;
    button.disabled = true;
    directoryStatus.textContent = `Typing wrong passwords for ${user}…`;
    try {
      const result = await postJson('/_local/api/directory/lock', { samAccountName: user });
      directoryStatus.textContent = result.ok
        ? `${user} is locked out (after ${result.answer.wrongPasswords} wrong passwords). Blink finds it at its next check, or now with “Check for locked accounts now”.`
        : refusal(result);
      void refresh();
    } catch (error) {
      directoryStatus.textContent = failed(error);
      button.disabled = false;
    }
    return;
  }

  if (button.classList.contains('device-action')) await deviceAction(button);
});

// ---- App (simulated phone) ---------------------------------------------------------------------------------------
// Enrolls a simulated device from the setup page's link and runs the app's signed requests for it. Outcomes are put
// on the device's "screen" with textContent only (a password included: this is what the phone would show).

onFormPost('device-enroll-form', 'device-enroll-status', {
  fields: ['uri', 'unlockMethod', 'platform'],
  progress: 'Enrolling…',
  path: '/_local/api/devices',
  describe: (answer) =>
    `Enrolled ${answer.account.displayName} (${answer.account.samAccountName}) as device ${answer.deviceId}.`,
});

function screenOf(deviceId) {
  return [...document.querySelectorAll('.device-screen')].find((screen) => screen.dataset.deviceId === deviceId);
}

function paragraph(text, className) {
  const element = document.createElement('p');
  if (className) element.className = className;
  element.textContent = text;
  return element;
}

function showOutcome(screen, outcome) {
  screen.replaceChildren();
  screen.dataset.outcome = outcome.outcome;
  screen.appendChild(
    paragraph(outcome.message, outcome.outcome === 'refused' || outcome.outcome === 'failed' ? 'device-error' : ''),
  );
  if (typeof outcome.password === 'string') {
    const password = document.createElement('code');
    password.className = 'device-password';
    password.textContent = outcome.password;
    const line = document.createElement('p');
    line.appendChild(password);
    screen.appendChild(line);
    screen.appendChild(paragraph('Sign in with it now; Windows may ask you to choose your own.', 'muted'));
  }
  if (outcome.status !== undefined) {
    const status = document.createElement('pre');
    status.textContent = JSON.stringify(outcome.status, null, 2);
    screen.appendChild(status);
  }
  if (outcome.refusal)
    screen.appendChild(paragraph(`HTTP ${outcome.refusal.httpStatus} ${outcome.refusal.code}`, 'muted'));
  if (outcome.requestId) screen.appendChild(paragraph(`Request ${outcome.requestId}`, 'muted'));
}

const waitingText = {
  status: 'Asking for the device status…',
  reset: 'Reset requested; waiting for the directory worker…',
  unlock: 'Unlock requested; waiting for the directory worker…',
};

async function deviceAction(button) {
  const { deviceId, action } = button.dataset;
  const screen = screenOf(deviceId);
  if (!screen) return;
  const buttons = [...document.querySelectorAll('button.device-action')].filter(
    (other) => other.dataset.deviceId === deviceId,
  );
  for (const other of buttons) other.disabled = true;
  screen.replaceChildren(paragraph(waitingText[action] ?? 'Working…', 'muted'));
  screen.dataset.outcome = 'working';
  try {
    const result = await postJson(`/_local/api/devices/${encodeURIComponent(deviceId)}/${action}`);
    if (!result.ok) {
      showOutcome(screen, { outcome: 'error', message: `Error: ${result.answer?.error?.message ?? result.status}` });
      return;
    }
    showOutcome(screen, result.answer);
  } catch (error) {
    showOutcome(screen, { outcome: 'error', message: failed(error) });
  } finally {
    // The buttons may have been swapped by a refresh meanwhile: enable whichever are on the page now.
    for (const other of document.querySelectorAll('button.device-action'))
      if (other.dataset.deviceId === deviceId) other.disabled = false;
  }
}
