/* global document, fetch, window */
// Script of the local console (served as a file: the page's CSP allows no inline script). Sends the inbound-SMS
// form as JSON and reloads the page to show what the handlers did.
'use strict';

const form = document.getElementById('inbound-sms-form');
const status = document.getElementById('inbound-sms-status');

if (form && status) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new window.FormData(form);
    const payload = { from: String(data.get('from') ?? ''), to: String(data.get('to') ?? ''), body: String(data.get('body') ?? '') };
    status.textContent = 'Sending…';
    try {
      const response = await fetch('/_local/api/sms/inbound', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      const answer = await response.json();
      if (!response.ok) {
        status.textContent = `Refused: ${answer?.error?.message ?? response.status}`;
        return;
      }
      status.textContent = `Delivered to the inbound-sms handler (inboundMessageId ${answer.inboundMessageId}).`;
      window.setTimeout(() => window.location.reload(), 800);
    } catch (error) {
      status.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  });
}

const jobStatus = document.getElementById('job-status');
for (const button of document.querySelectorAll('button.enqueue-job')) {
  button.addEventListener('click', async () => {
    if (!jobStatus) return;
    jobStatus.textContent = 'Enqueueing…';
    try {
      const response = await fetch('/_local/api/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: button.dataset.kind }),
      });
      const answer = await response.json();
      jobStatus.textContent = response.ok
        ? `Enqueued ${button.dataset.kind} job ${answer.jobId}; the worker's log shows the outcome.`
        : `Refused: ${answer?.error?.message ?? response.status}`;
      if (response.ok) window.setTimeout(() => window.location.reload(), 1500);
    } catch (error) {
      jobStatus.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  });
}

// ---- App (simulated phone) ---------------------------------------------------------------------------------------
// Enrolls a simulated device from the setup page's link and runs the app's signed requests for it. Outcomes are put
// on the device's "screen" with textContent only (a password included: this is what the phone would show).

const enrollForm = document.getElementById('device-enroll-form');
const enrollStatus = document.getElementById('device-enroll-status');

if (enrollForm && enrollStatus) {
  enrollForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new window.FormData(enrollForm);
    const payload = {
      uri: String(data.get('uri') ?? ''),
      unlockMethod: String(data.get('unlockMethod') ?? ''),
      platform: String(data.get('platform') ?? ''),
    };
    enrollStatus.textContent = 'Enrolling…';
    try {
      const response = await fetch('/_local/api/devices', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      const answer = await response.json();
      if (!response.ok) {
        enrollStatus.textContent = `Refused: ${answer?.error?.message ?? response.status}`;
        return;
      }
      enrollStatus.textContent = `Enrolled ${answer.account.displayName} (${answer.account.samAccountName}) as device ${answer.deviceId}.`;
      window.setTimeout(() => window.location.reload(), 800);
    } catch (error) {
      enrollStatus.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  });
}

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
  screen.appendChild(paragraph(outcome.message, outcome.outcome === 'refused' || outcome.outcome === 'failed' ? 'device-error' : ''));
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
  if (outcome.refusal) screen.appendChild(paragraph(`HTTP ${outcome.refusal.httpStatus} ${outcome.refusal.code}`, 'muted'));
  if (outcome.requestId) screen.appendChild(paragraph(`Request ${outcome.requestId}`, 'muted'));
}

const waitingText = {
  status: 'Asking for the device status…',
  reset: 'Reset requested; waiting for the directory worker…',
  unlock: 'Unlock requested; waiting for the directory worker…',
};

for (const button of document.querySelectorAll('button.device-action')) {
  button.addEventListener('click', async () => {
    const { deviceId, action } = button.dataset;
    const screen = screenOf(deviceId);
    if (!screen) return;
    const buttons = [...document.querySelectorAll('button.device-action')].filter((other) => other.dataset.deviceId === deviceId);
    for (const other of buttons) other.disabled = true;
    screen.replaceChildren(paragraph(waitingText[action] ?? 'Working…', 'muted'));
    screen.dataset.outcome = 'working';
    try {
      const response = await fetch(`/_local/api/devices/${encodeURIComponent(deviceId)}/${action}`, { method: 'POST' });
      const answer = await response.json();
      if (!response.ok) {
        showOutcome(screen, { outcome: 'error', message: `Error: ${answer?.error?.message ?? response.status}` });
        return;
      }
      showOutcome(screen, answer);
    } catch (error) {
      showOutcome(screen, { outcome: 'error', message: `Failed: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      for (const other of buttons) other.disabled = false;
    }
  });
}
