import type { SimulatedDeviceView } from '../simulated-devices.js';
import { escapeHtml } from '../../shared/email/html.js';

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

/** Any value as escaped HTML text; null and undefined render as nothing. */
function escapeValue(value: unknown): string {
  return escapeHtml(String(value ?? ''));
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
      ? value.map((item) => (item instanceof Html ? item.value : escapeValue(item))).join('')
      : value instanceof Html
        ? value.value
        : escapeValue(value);
    out += rendered + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

function newestFirst<T extends { at: string }>(items: T[]): T[] {
  return [...items].sort((left, right) => right.at.localeCompare(left.at));
}

/** A time as people read it (UTC, to the second), the full ISO value in the element for tools and tests. */
function time(iso: string): Html {
  const shown = /^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)/.exec(iso)?.[1] ?? iso;
  return html`<time datetime="${iso}" title="${iso}">${shown} UTC</time>`;
}

/** Text with its http(s) links made clickable (opened in a new tab); everything else escaped. */
export function linkified(text: string): Html {
  const parts: Array<string | Html> = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    const index = match.index ?? 0;
    // A sentence's full stop or closing bracket after a link is not part of it.
    const link = match[0].replace(/[.,;:!?)\]]+$/, '');
    parts.push(text.slice(last, index), html`<a href="${link}" target="_blank" rel="noopener noreferrer">${link}</a>`);
    last = index + link.length;
  }
  parts.push(text.slice(last));
  return html`${parts}`;
}

/**
 * A table that becomes a list of cards on a phone: every cell carries its column's name (console.css shows it before
 * the value when the screen is narrow).
 */
function table(columns: string[], rows: Array<Array<unknown>>, attributes: { id?: string; empty: string }): Html {
  if (rows.length === 0) return html`<p class="muted">${attributes.empty}</p>`;
  return html`<table class="cards"${attributes.id ? html` id="${attributes.id}"` : ''}>
  <thead><tr>${columns.map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>
  <tbody>${rows.map((cells) => html`<tr>${cells.map((cell, index) => html`<td data-label="${columns[index] ?? ''}">${cell}</td>`)}</tr>`)}</tbody>
</table>`;
}

function smsByNumber(sms: ConsoleSms[]): Html[] {
  const numbers = [...new Set(sms.map((message) => message.to))].sort();
  if (numbers.length === 0) return [html`<p class="muted">No text message sent yet.</p>`];
  return numbers.map(
    (number) => html`<div class="phone">
      <h3>Phone ${number}</h3>
      <ol class="bubbles">${newestFirst(sms.filter((message) => message.to === number)).map(
        (message) =>
          html`<li><p class="bubble">${linkified(message.body)}</p><p class="muted small">${time(message.at)}${
            message.from ? html` · from Blink's number ${message.from}` : ''
          }</p></li>`,
      )}</ol>
    </div>`,
  );
}

const unlockMethodNames: Record<SimulatedDeviceView['unlockMethod'], string> = {
  none: 'none',
  pin: 'PIN',
  biometric: 'biometric',
};
const platformNames: Record<SimulatedDeviceView['platform'], string> = {
  ios: 'iOS',
  android: 'Android',
  other: 'other',
};

/** The simulated phones: their table (live) and each one's screen, where the app shows what happened. */
function devicesPart(devices: SimulatedDeviceView[]): Html {
  if (devices.length === 0) return html`<p class="muted" id="no-simulated-devices">No simulated device yet.</p>`;
  const rows = devices.map(
    (device) => html`<tr>
        <td data-label="Person">${device.account.displayName} (<code>${device.account.samAccountName}</code>)</td>
        <td data-label="Device id"><code class="long">${device.deviceId}</code></td>
        <td data-label="Unlock method">${unlockMethodNames[device.unlockMethod]}</td>
        <td data-label="Platform">${platformNames[device.platform]}</td>
        <td data-label="Set up">${device.boundAt}${device.revokedAt ? html`<br><strong>revoked ${device.revokedAt}</strong>` : ''}</td>
        <td data-label="" class="device-actions">
          <button type="button" class="device-action" data-device-id="${device.deviceId}" data-action="status">Status</button>
          <button type="button" class="device-action" data-device-id="${device.deviceId}" data-action="reset">Reset password</button>
          <button type="button" class="device-action" data-device-id="${device.deviceId}" data-action="unlock">Unlock account</button>
        </td>
      </tr>
      <tr class="device-screen-row"><td colspan="6"><div class="device-screen" data-device-id="${device.deviceId}" role="status" aria-live="polite" aria-label="Screen of device ${device.deviceId}"></div></td></tr>`,
  );
  return html`<table id="simulated-devices" class="cards">
  <thead><tr><th scope="col">Person</th><th scope="col">Device id</th><th scope="col">Unlock method</th><th scope="col">Platform</th><th scope="col">Set up</th><th scope="col">App</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`;
}

/** The app, played by the runtime: enroll from the setup page's link, then the app's buttons per device. */
function appSection(devices: SimulatedDeviceView[]): Html {
  return html`<section id="app" aria-labelledby="app-heading">
<h2 id="app-heading">App (simulated phone)</h2>
<p class="muted">A phone with the Blink app, played by this page. On the setup page choose <em>Scan QR code</em>,
copy the link shown under the code and paste it here; then use the phone's buttons to reset or unlock the account.</p>
<p>The real Blink app, for people: <a href="/app/">open the Blink app</a> (on the setup page use its
<em>On this phone? Open the Blink app</em> link, or scan the QR code from the app).</p>
<form id="device-enroll-form">
  <label class="wide">Setup link from under the QR code<input name="uri" required maxlength="2048" placeholder="https://…/app/enroll#…" autocomplete="off" spellcheck="false"></label>
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
<div data-live="devices">${devicesPart(devices)}</div>
</section>`;
}

function directoryPart(directory: ConsoleData['directory']): Html {
  if (directory.kind === 'real')
    return html`<p>Your directory: <code class="long">${directory.urls}</code> (nothing to show or lock from here).</p>`;
  return table(
    ['User name', 'Password', 'Who', 'Locked out?', ''],
    directory.users.map((user) => [
      html`<code>${user.samAccountName}</code>`,
      html`<code>${user.password}</code>`,
      user.role,
      user.locked ? html`<strong class="locked">yes</strong>` : 'no',
      user.locked
        ? ''
        : html`<button type="button" class="lock-user" data-user="${user.samAccountName}">Lock out</button>`,
    ]),
    { id: 'demo-users', empty: 'No demo users.' },
  );
}

/** What changes while the page is open, each part tagged so console.js can swap it in place (data-live). */
function liveParts(data: ConsoleData): Record<string, Html> {
  return {
    'sms-count': html`${data.sms.length}`,
    sms: html`${smsByNumber(data.sms)}`,
    'inbound-count': html`${data.inbound.length}`,
    inbound: table(
      ['Time', 'From', 'To Blink’s number', 'Message'],
      newestFirst(data.inbound).map((message) => [
        time(message.at),
        message.from,
        message.to,
        html`<pre>${message.body}</pre>`,
      ]),
      { empty: 'Blink has not received a text yet.' },
    ),
    'email-count': html`${data.email.length}`,
    email: data.email.length
      ? html`${newestFirst(data.email).map(
          (email, index) => html`<article class="email">
    <h3>${email.subject}</h3>
    <p class="muted small">To ${email.to} · ${time(email.at)}</p>
    <div class="email-text">${linkified(email.text)}</div>
    <details data-key="${email.at}-${index}"><summary>HTML version (source)</summary><pre>${email.html}</pre></details>
  </article>`,
        )}`
      : html`<p class="muted">No email sent yet.</p>`,
    'push-count': html`${data.push.length}`,
    push: table(
      ['Time', 'To device', 'Title', 'Text'],
      newestFirst(data.push).map((push) => [
        time(push.at),
        html`<code class="long">${push.target}</code>`,
        push.title,
        push.body,
      ]),
      { empty: 'No notification sent yet.' },
    ),
    directory: directoryPart(data.directory),
    jobs: html`<p>Waiting: <strong>${data.jobs.queue.visible}</strong> · being worked on: <strong>${data.jobs.queue.inFlight}</strong> · failed
      after every retry: <strong>${data.jobs.deadLetter.visible}</strong></p>`,
  };
}

function live(parts: Record<string, Html>, name: string, element: 'div' | 'span' = 'div'): Html {
  return html`<${new Html(element)} data-live="${name}">${parts[name] ?? ''}</${new Html(element)}>`;
}

export function renderConsolePage(data: ConsoleData): string {
  const parts = liveParts(data);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Blink demo console</title>
<link rel="stylesheet" href="/_local/console.css">
<link rel="icon" href="/_local/favicon.svg">
<script src="/_local/console.js" defer></script>
</head>
<body>
<header>
<h1>Blink demo console</h1>
<p>Everything Blink sends and receives on this machine: text messages, emails, the app. <span id="live-status" class="muted" role="status">This page updates by itself.</span></p>
<nav aria-label="Sections"><a href="#sms">Texts</a> <a href="#text-blink">Text Blink</a> <a href="#email">Emails</a> <a href="#app">App</a> <a href="#directory">Directory</a> <a href="#behind">Behind the scenes</a></nav>
</header>

<section id="sms" aria-labelledby="sms-heading">
<h2 id="sms-heading">Texts sent by Blink (${live(parts, 'sms-count', 'span')})</h2>
${live(parts, 'sms')}
</section>

<section id="text-blink" aria-labelledby="text-blink-heading">
<h2 id="text-blink-heading">Text Blink from a phone</h2>
<p class="muted">Play a person texting Blink: from their verified number, <code>RESET</code> or <code>UNLOCK</code>; <code>HELP</code> from any number.</p>
<form id="inbound-sms-form">
  <label>From phone number<input name="from" type="tel" required placeholder="+12065550123" pattern="\\+[1-9][0-9]{6,14}"></label>
  <label>To Blink’s number<select name="to">${data.inboundNumbers.map((number) => html`<option value="${number}">${number}</option>`)}</select></label>
  <label>Message<input name="body" required maxlength="1600" placeholder="RESET"></label>
  <button type="submit">Send text</button>
</form>
<p id="inbound-sms-status" class="muted" role="status"></p>
<h3>Texts Blink received (${live(parts, 'inbound-count', 'span')})</h3>
${live(parts, 'inbound')}
</section>

<section id="email" aria-labelledby="email-heading">
<h2 id="email-heading">Emails sent by Blink (${live(parts, 'email-count', 'span')})</h2>
${live(parts, 'email')}
</section>

${appSection(data.devices)}

<section id="push" aria-labelledby="push-heading">
<h2 id="push-heading">Notifications sent to the app (${live(parts, 'push-count', 'span')})</h2>
${live(parts, 'push')}
</section>

<section id="directory" aria-labelledby="directory-heading">
<h2 id="directory-heading">Directory</h2>
${
  data.directory.kind === 'demo'
    ? html`<p class="muted">The demo directory (for trying Blink only). Passwords as at start: a reset changes them.
<em>Lock out</em> types wrong passwords for the user until the directory locks the account (5 in the demo domain), as
at work; Blink's next check for locked accounts then finds it.</p>`
    : ''
}
${live(parts, 'directory')}
<p><button type="button" id="lockout-scan" class="enqueue-job" data-kind="lockout-scan">Check for locked accounts now</button></p>
<p><button type="button" id="password-expiry-scan" class="enqueue-job" data-kind="password-expiry-scan">Send expiry reminders now</button></p>
<p id="directory-status" class="muted" role="status"></p>
</section>

<section id="behind" aria-labelledby="behind-heading">
<h2 id="behind-heading">Behind the scenes</h2>
<h3>Directory worker jobs</h3>
${live(parts, 'jobs')}
<p><button type="button" class="enqueue-job" data-kind="ping">Test the directory connection</button></p>
<p id="job-status" class="muted" role="status"></p>
<h3>Services</h3>
<p>API: <a href="${data.apiUrl}/health">${data.apiUrl}</a></p>
<ul class="services">${data.services.map((service) => html`<li>${service.name}: <code class="long">${service.url}</code></li>`)}</ul>
</section>
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
