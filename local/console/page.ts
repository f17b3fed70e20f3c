import type { SimulatedDeviceView } from '../simulated-devices.js';

/** The local console page: server-rendered, every value escaped; its only script is /_local/console.js. */

export interface ConsoleSms {
  to: string;
  from?: string;
  body: string;
  at: string;
}

export interface ConsoleEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  at: string;
}

export interface ConsolePush {
  target: string;
  title: string;
  body: string;
  at: string;
}

export interface ConsoleInboundSms {
  from: string;
  to: string;
  body: string;
  inboundMessageId: string;
  at: string;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
}

export interface ConsoleData {
  apiUrl: string;
  jobs: { queue: QueueDepth; deadLetter: QueueDepth };
  inboundNumbers: string[];
  services: Array<{ name: string; url: string }>;
  sms: ConsoleSms[];
  inbound: ConsoleInboundSms[];
  email: ConsoleEmail[];
  push: ConsolePush[];
  /** The console's simulated phones (local/simulated-devices.ts). */
  devices: SimulatedDeviceView[];
  directory:
    | { kind: 'demo'; users: Array<{ samAccountName: string; password: string; role: string; locked: boolean }> }
    | { kind: 'real'; urls: string };
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}

/** Tagged template that escapes every interpolated value unless it is already-rendered Html. */
class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    const rendered = Array.isArray(value)
      ? value.map((item) => (item instanceof Html ? item.value : escapeHtml(item))).join('')
      : value instanceof Html
        ? value.value
        : escapeHtml(value);
    out += rendered + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

function newestFirst<T extends { at: string }>(items: T[]): T[] {
  return [...items].sort((left, right) => right.at.localeCompare(left.at));
}

function smsByNumber(sms: ConsoleSms[]): Html[] {
  const numbers = [...new Set(sms.map((message) => message.to))].sort();
  if (numbers.length === 0) return [html`<p class="muted">No SMS sent yet.</p>`];
  return numbers.map(
    (number) => html`<h3>To ${number}</h3>
      <table>
        <thead><tr><th>At</th><th>From</th><th>Message</th></tr></thead>
        <tbody>${newestFirst(sms.filter((message) => message.to === number)).map(
          (message) => html`<tr><td>${message.at}</td><td>${message.from ?? ''}</td><td><pre>${message.body}</pre></td></tr>`,
        )}</tbody>
      </table>`,
  );
}

const unlockMethodNames: Record<SimulatedDeviceView['unlockMethod'], string> = { none: 'none', pin: 'PIN', biometric: 'biometric' };
const platformNames: Record<SimulatedDeviceView['platform'], string> = { ios: 'iOS', android: 'Android', other: 'other' };

/** The app, played by the runtime: enroll from the setup page's link, then the app's buttons per device. */
function appSection(devices: SimulatedDeviceView[]): Html {
  const rows = devices.map(
    (device) => html`<tr>
        <td>${device.account.displayName} (<code>${device.account.samAccountName}</code>)</td>
        <td><code>${device.deviceId}</code></td>
        <td>${unlockMethodNames[device.unlockMethod]}</td>
        <td>${platformNames[device.platform]}</td>
        <td>${device.boundAt}${device.revokedAt ? html`<br><strong>revoked ${device.revokedAt}</strong>` : ''}</td>
        <td class="device-actions">
          <button type="button" class="device-action" data-device-id="${device.deviceId}" data-action="status">Status</button>
          <button type="button" class="device-action" data-device-id="${device.deviceId}" data-action="reset">Reset password</button>
          <button type="button" class="device-action" data-device-id="${device.deviceId}" data-action="unlock">Unlock account</button>
        </td>
      </tr>
      <tr class="device-screen-row"><td colspan="6"><div class="device-screen" data-device-id="${device.deviceId}" role="status" aria-live="polite" aria-label="Screen of device ${device.deviceId}"></div></td></tr>`,
  );
  return html`<h2>App (simulated phone)</h2>
<p class="muted">The reference device client, played by this runtime: its keys stay in the runtime's memory, and every
request is signed and sent to this runtime's API as the Blink app sends it. On the setup page choose
<em>Scan QR code</em> and paste the link shown under the code.</p>
<form id="device-enroll-form">
  <label>Setup link from under the QR code<input name="uri" required maxlength="2048" placeholder="blink://enroll?v=1&amp;api=…&amp;code=…" autocomplete="off" spellcheck="false"></label>
  <label>Unlock method<select name="unlockMethod">
    <option value="biometric">biometric</option>
    <option value="pin">PIN</option>
    <option value="none">none</option>
  </select></label>
  <label>Platform<select name="platform">
    <option value="ios">iOS</option>
    <option value="android">Android</option>
    <option value="other">other</option>
  </select></label>
  <button type="submit">Enroll</button>
</form>
<p id="device-enroll-status" class="muted" role="status"></p>
${
  devices.length === 0
    ? html`<p class="muted" id="no-simulated-devices">No simulated device yet.</p>`
    : html`<table id="simulated-devices">
  <thead><tr><th>Account</th><th>Device id</th><th>Unlock method</th><th>Platform</th><th>Bound</th><th>App</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`
}`;
}

export function renderConsolePage(data: ConsoleData): string {
  const directory =
    data.directory.kind === 'demo'
      ? html`<p>Demo directory (in-process LDAPS, for trying the product only). Users and their passwords at start (a reset changes them):</p>
          <table>
            <thead><tr><th>sAMAccountName</th><th>Password</th><th>What for</th><th>Locked now</th></tr></thead>
            <tbody>${data.directory.users.map(
              (user) =>
                html`<tr><td><code>${user.samAccountName}</code></td><td><code>${user.password}</code></td><td>${user.role}</td><td>${
                  user.locked ? 'yes' : 'no'
                }</td></tr>`,
            )}</tbody>
          </table>`
      : html`<p>Real directory: <code>${data.directory.urls}</code></p>`;

  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Blink local console</title>
<link rel="stylesheet" href="/_local/console.css">
<link rel="icon" href="/_local/favicon.svg">
<script src="/_local/console.js" defer></script>
</head>
<body>
<h1>Blink local console</h1>
<p>API: <a href="${data.apiUrl}/health">${data.apiUrl}</a> · <a href="/_local">refresh</a></p>
<ul>${data.services.map((service) => html`<li>${service.name}: <code>${service.url}</code></li>`)}</ul>

<h2>Send an inbound SMS</h2>
<form id="inbound-sms-form">
  <label>From (any number, E.164)<input name="from" type="tel" required placeholder="+12065550123" pattern="\\+[1-9][0-9]{6,14}"></label>
  <label>To (a published number)<select name="to">${data.inboundNumbers.map(
    (number) => html`<option value="${number}">${number}</option>`,
  )}</select></label>
  <label>Message<input name="body" required maxlength="1600" placeholder="RESET"></label>
  <button type="submit">Send</button>
</form>
<p id="inbound-sms-status" class="muted" role="status"></p>

${appSection(data.devices)}

<h2>Directory worker jobs</h2>
<p>Job queue: ${data.jobs.queue.visible} waiting, ${data.jobs.queue.inFlight} in flight · dead-letter queue: ${
    data.jobs.deadLetter.visible
  } (failed jobs land there after the last retry).</p>
<p>
  <button type="button" class="enqueue-job" data-kind="ping">Enqueue a ping job</button>
  <button type="button" class="enqueue-job" data-kind="lockout-scan">Enqueue a lockout scan</button>
</p>
<p id="job-status" class="muted" role="status"></p>

<h2>SMS sent (${data.sms.length})</h2>
${smsByNumber(data.sms)}

<h2>Inbound SMS handed to the handler (${data.inbound.length})</h2>
<table>
  <thead><tr><th>At</th><th>From</th><th>To</th><th>Message</th><th>inboundMessageId</th></tr></thead>
  <tbody>${newestFirst(data.inbound).map(
    (message) =>
      html`<tr><td>${message.at}</td><td>${message.from}</td><td>${message.to}</td><td><pre>${message.body}</pre></td><td><code>${message.inboundMessageId}</code></td></tr>`,
  )}</tbody>
</table>

<h2>Emails (${data.email.length})</h2>
${newestFirst(data.email).map(
  (email) => html`<h3>${email.subject}</h3>
    <p class="muted">To ${email.to} at ${email.at}</p>
    <pre>${email.text}</pre>
    <details><summary>HTML source</summary><pre>${email.html}</pre></details>`,
)}

<h2>Pushes recorded (${data.push.length})</h2>
<table>
  <thead><tr><th>At</th><th>Target</th><th>Title</th><th>Body</th></tr></thead>
  <tbody>${newestFirst(data.push).map(
    (push) => html`<tr><td>${push.at}</td><td><code>${push.target}</code></td><td>${push.title}</td><td>${push.body}</td></tr>`,
  )}</tbody>
</table>

<h2>Directory</h2>
${directory}
</body>
</html>
`;
  return page.value;
}

/** Headers of every console answer: nothing cached, no inline script, no framing, no referrer, no sniffing. */
export const consoleHeaders: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
