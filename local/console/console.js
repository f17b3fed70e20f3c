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
