import { parseAppEnrollLink } from '../../shared/domain/app-link.js';
import { apiBase, postJson, signedRequest, type ApiAnswer } from './api.js';
import { MAX_PIN_FAILURES, PIN_PATTERN, WARN_WHEN_TRIES_LEFT, makePinVerifier, pinMatches } from './pin.js';
import { biometricName, isInstalled, phonePlatform } from './platform.js';
import {
  generateDeviceKeys,
  loadDevice,
  publicJwk,
  saveDevice,
  wipeDevice,
  type LinkedDevice,
  type PinVerifier,
  type UnlockMethod,
} from './store.js';
import type { Scanner } from './scan.js';
import { assertWithBiometric, biometricAvailable, registerBiometric } from './biometric.js';

type Screen =
  | 'loading'
  | 'install'
  | 'method'
  | 'pin-set'
  | 'scan'
  | 'linking'
  | 'home'
  | 'pin-ask'
  | 'working'
  | 'password'
  | 'result'
  | 'settings'
  | 'approve';
type Action = 'reset' | 'unlock';

const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing`);
  return element as T;
};

const state: {
  device?: LinkedDevice;
  /** A binding code from the same-phone link (/app/enroll#code), kept in memory only. */
  pendingCode?: string;
  chosenMethod?: UnlockMethod;
  pinVerifier?: PinVerifier;
  /** Changing the unlock method of a linked phone (Settings), not choosing one before linking. */
  changingMethod: boolean;
  /** What to do once the PIN was right. */
  afterPin?: () => Promise<void>;
  scanner?: Scanner;
  passwordTimer: number;
  installPrompt?: Event & { prompt(): Promise<void> };
  /** The help desk's caller verification request on screen. */
  approval?: CallerApproval;
} = { changingMethod: false, passwordTimer: 0 };

interface CallerApproval {
  approvalId: string;
  technicianName: string;
  expiresAt: string;
}

const methodNames: Record<UnlockMethod, string> = { none: 'None', pin: 'PIN', biometric: biometricName() };
const PASSWORD_SHOWN_SECONDS = 60;
const SUBSCRIBE_TIMEOUT_MS = 20_000;

function show(screen: Screen): void {
  for (const section of document.querySelectorAll<HTMLElement>('.screen'))
    section.hidden = section.id !== `screen-${screen}`;
  byId('open-settings').hidden = !(state.device && (screen === 'home' || screen === 'result'));
  if (screen !== 'scan') stopScanner();
  if (screen !== 'password') clearPassword();
  // Focus the heading so a screen reader announces the new screen.
  document.querySelector<HTMLElement>(`#screen-${screen} h1`)?.focus();
}

/** Plain words for a failed call: what happened and what to do next. */
function failureText(answer: ApiAnswer<unknown>, nothingChanged = true): string {
  if (answer.status === 0)
    return `Blink can't be reached. Check your internet connection and try again.${nothingChanged ? ' Nothing was changed.' : ''}`;
  const message = answer.body.error?.message?.replace(/^Blink: /, '');
  if (answer.status === 429) return `${message ?? 'Too many requests.'}${retryText(answer.retryAfter)}`;
  if (answer.status >= 500)
    return `Blink had a problem. Try again in a few minutes.${nothingChanged ? ' Nothing was changed.' : ''}`;
  return message ?? 'Something went wrong. Try again.';
}

function retryText(seconds: number): string {
  if (!(seconds > 0)) return '';
  const at = new Date(Date.now() + seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return ` You can try again at ${at}.`;
}

function showResult(kind: 'ok' | 'fail', title: string, message: string, next = '', offerSetup = false): void {
  byId('result-mark').className = `mark-result ${kind}`;
  byId('result-title').textContent = title;
  byId('result-message').textContent = message;
  byId('result-next').textContent = next;
  byId('result-home').hidden = offerSetup;
  byId('result-setup').hidden = !offerSetup;
  show('result');
}

// ---- first run: install help, unlock method, PIN, scan, link ----

async function chooseMethod(method: UnlockMethod): Promise<void> {
  byId('method-error').textContent = '';
  if (state.changingMethod && state.device?.unlockMethod === 'biometric' && method !== 'biometric') {
    // The server enforces a biometric device's assertions: changing away needs a new link, said plainly.
    byId('method-error').textContent =
      `Blink's server checks ${methodNames.biometric} for this phone. To use another method, unlink this phone in Settings and link it again.`;
    return;
  }
  if (state.changingMethod && method === 'biometric' && state.device?.unlockMethod !== 'biometric') {
    byId('method-error').textContent =
      `To use ${methodNames.biometric}, unlink this phone in Settings and link it again.`;
    return;
  }
  state.chosenMethod = method;
  if (method === 'pin') {
    byId<HTMLInputElement>('pin-new').value = '';
    byId<HTMLInputElement>('pin-confirm').value = '';
    byId('pin-set-error').textContent = '';
    show('pin-set');
    return;
  }
  state.pinVerifier = undefined;
  await methodChosen();
}

async function methodChosen(): Promise<void> {
  if (state.changingMethod && state.device) {
    const device: LinkedDevice = { ...state.device, unlockMethod: state.chosenMethod ?? 'none', pinFailures: 0 };
    if (state.pinVerifier) device.pin = state.pinVerifier;
    else delete device.pin;
    await saveDevice(device);
    state.device = device;
    state.changingMethod = false;
    openSettings();
    return;
  }
  if (state.pendingCode) {
    await link(state.pendingCode);
    return;
  }
  byId('scan-error').textContent = '';
  show('scan');
}

async function savePin(event: Event): Promise<void> {
  event.preventDefault();
  const pin = byId<HTMLInputElement>('pin-new').value.trim();
  const again = byId<HTMLInputElement>('pin-confirm').value.trim();
  const error = byId('pin-set-error');
  if (!PIN_PATTERN.test(pin)) {
    error.textContent = 'Use 6 or more digits, numbers only.';
    byId('pin-new').focus();
    return;
  }
  if (/^(\d)\1+$/.test(pin) || '01234567890123456789'.includes(pin) || '98765432109876543210'.includes(pin)) {
    error.textContent = 'That PIN is too easy to guess. Avoid repeated or consecutive digits.';
    byId('pin-new').focus();
    return;
  }
  if (pin !== again) {
    error.textContent = 'The two PINs are not the same. Enter them again.';
    byId('pin-confirm').focus();
    return;
  }
  error.textContent = '';
  state.pinVerifier = await makePinVerifier(pin);
  await methodChosen();
}

async function startScan(): Promise<void> {
  const error = byId('scan-error');
  error.textContent = '';
  if (!navigator.mediaDevices?.getUserMedia) {
    error.textContent = 'This browser cannot use the camera. Paste the setup link below instead.';
    return;
  }
  byId('scan-view').hidden = false;
  byId('scan-start').hidden = true;
  try {
    const { startScanner } = await import('./scan.js');
    state.scanner = await startScanner(
      byId<HTMLVideoElement>('scan-video'),
      (text) => parseAppEnrollLink(text) !== undefined,
      (text) => void linkFromText(text, error),
    );
  } catch (failure) {
    stopScanner();
    const name = failure instanceof Error ? failure.name : '';
    error.textContent =
      name === 'NotAllowedError' || name === 'SecurityError'
        ? "Blink is not allowed to use the camera. Allow camera access for Blink in your phone's settings (or the browser's site settings), then tap SCAN QR CODE again. You can also paste the setup link below."
        : name === 'NotFoundError' || name === 'OverconstrainedError'
          ? 'No camera was found. Paste the setup link below instead.'
          : 'The camera could not be started. Try again, or paste the setup link below.';
  }
}

function stopScanner(): void {
  state.scanner?.stop();
  state.scanner = undefined;
  byId('scan-view').hidden = true;
  byId('scan-start').hidden = false;
}

async function linkFromText(text: string, error: HTMLElement): Promise<void> {
  const parsed = parseAppEnrollLink(text);
  if (!parsed) {
    error.textContent =
      'That is not a Blink setup link. Scan the QR code on the setup page, or copy the link shown under it.';
    return;
  }
  // The app talks to the Blink that serves it, never to a server a link names: a link for another Blink is refused.
  if (parsed.api !== apiBase) {
    error.textContent = 'This setup link is for another Blink service. Open the Blink app of your organisation.';
    return;
  }
  await link(parsed.bindingCode);
}

async function link(bindingCode: string): Promise<void> {
  state.pendingCode = undefined;
  show('linking');
  const method = state.chosenMethod ?? 'none';
  const { signing, encryption } = await generateDeviceKeys();
  const body: Record<string, unknown> = {
    protocol: 2,
    bindingCode,
    signingKey: await publicJwk(signing.publicKey),
    encryptionKey: await publicJwk(encryption.publicKey),
    unlockMethod: method,
    platform: phonePlatform(),
  };
  let credentialId: string | undefined;
  if (method === 'biometric') {
    const options = await postJson<{ options: unknown }>('/api/device/webauthn/registration-options', { bindingCode });
    if (options.status !== 200) return linkFailed(options);
    try {
      const registration = await registerBiometric(options.body.options);
      credentialId = registration.id;
      body['webauthn'] = registration;
    } catch {
      byId('scan-error').textContent =
        `${methodNames.biometric} was not completed, so this phone was not linked. Try again, or choose another unlock method.`;
      show('scan');
      return;
    }
  }
  const answer = await postJson<{ deviceId: string; account: LinkedDevice['account'] }>('/api/device/register', body);
  if (answer.status !== 201) return linkFailed(answer);
  const device: LinkedDevice = {
    deviceId: answer.body.deviceId,
    account: answer.body.account,
    signingKey: signing.privateKey,
    encryptionKey: encryption.privateKey,
    unlockMethod: method,
    pinFailures: 0,
    ...(state.pinVerifier ? { pin: state.pinVerifier } : {}),
    ...(credentialId ? { credentialId } : {}),
  };
  // The link this one replaces is revoked (best effort: it may be revoked already), so no old keys stay valid.
  if (state.device) await signedRequest(state.device, 'POST', '/api/device/unlink', '{}');
  await saveDevice(device);
  state.device = device;
  state.pinVerifier = undefined;
  showHome();
}

function linkFailed(answer: ApiAnswer<unknown>): void {
  byId('scan-error').textContent =
    answer.status === 404
      ? 'This QR code is not valid any more. On the setup page, show a new QR code and scan it again.'
      : failureText(answer);
  show('scan');
}

// ---- home, reset, unlock ----

function showHome(): void {
  const device = state.device;
  if (!device) return;
  byId('home-name').textContent = device.account.displayName;
  byId('home-account').textContent = `Windows account: ${device.account.samAccountName}`;
  byId('home-error').textContent = '';
  show('home');
  void refreshStatus();
  void checkCallerApprovals();
}

async function refreshStatus(): Promise<void> {
  const device = state.device;
  if (!device) return;
  const answer = await signedRequest<{ recentLockout?: { lockedAt: string } }>(device, 'GET', '/api/device/status');
  const lockout = byId('home-lockout');
  if (answer.status === 401) return showUnlinked();
  if (answer.status === 0) {
    lockout.hidden = false;
    lockout.textContent =
      "You're offline. Blink needs an internet connection to reset your password or unlock your account.";
    return;
  }
  const lockedAt = answer.body.recentLockout?.lockedAt;
  lockout.hidden = !lockedAt;
  if (lockedAt) {
    const when = new Date(lockedAt).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
    lockout.textContent = `Your account was locked (${when}). Tap Unlock account to unlock it.`;
  }
}

// ---- a help desk's caller verification ----

/** Shows the first request of the help desk waiting for an answer, if any (checked whenever home is shown). */
async function checkCallerApprovals(): Promise<void> {
  const device = state.device;
  if (!device) return;
  const answer = await signedRequest<{ approvals: CallerApproval[] }>(device, 'GET', '/api/device/caller-approvals');
  const [approval] = answer.status === 200 ? answer.body.approvals : [];
  // Only from home: a request never interrupts a reset, a PIN or a password on screen.
  if (!approval || byId('screen-home').hidden) return;
  state.approval = approval;
  const until = new Date(approval.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  byId('approve-who').textContent =
    `${approval.technicianName} from your help desk is asking you to confirm it is you on the phone. This request ends at ${until}.`;
  byId('approve-error').textContent = '';
  show('approve');
}

async function answerCallerApproval(answer: 'approve' | 'deny'): Promise<void> {
  const device = state.device;
  const approval = state.approval;
  if (!device || !approval) return;
  const body: Record<string, unknown> = { approvalId: approval.approvalId, answer };
  if (answer === 'approve' && device.unlockMethod === 'biometric') {
    const challenge = await signedRequest<{ options: unknown }>(
      device,
      'POST',
      '/api/device/webauthn/challenge',
      JSON.stringify({ action: 'approve-caller' }),
    );
    if (challenge.status === 401) return showUnlinked();
    if (challenge.status !== 200) {
      byId('approve-error').textContent = failureText(challenge, false);
      return;
    }
    try {
      body['webauthn'] = await assertWithBiometric(challenge.body.options);
    } catch {
      byId('approve-error').textContent = `${methodNames.biometric} was not completed. Try again, or deny.`;
      return;
    }
  }
  const answered = await signedRequest<{ state: string }>(
    device,
    'POST',
    '/api/device/caller-approvals',
    JSON.stringify(body),
  );
  state.approval = undefined;
  if (answered.status === 401) return showUnlinked();
  if (answered.status === 404)
    return showResult(
      'fail',
      'This request has ended',
      'The request from your help desk expired or was replaced, so nothing was approved.',
      'If you are still on the phone with them, ask them to send a new one.',
    );
  if (answered.status !== 200) return showResult('fail', 'No answer sent', failureText(answered, false));
  if (answered.body.state === 'approved')
    return showResult(
      'ok',
      'You approved',
      `${approval.technicianName} can now help you with your account for the next 10 minutes.`,
    );
  showResult('ok', 'You denied', 'Your help desk was told. Nobody can act on your account with this request.');
}

function showUnlinked(): void {
  showResult(
    'fail',
    'This phone is no longer linked',
    'Blink refused this phone: it was unlinked, or your IT team removed it. If your phone shows the wrong date or time, correct it and try again.',
    'To use Blink again, ask your IT team for a new activation email and link the app again.',
    true,
  );
}

/** Runs `then` once the user passed the unlock method: the PIN on the phone; a biometric check goes with the request. */
function unlockThen(then: () => Promise<void>): void {
  const device = state.device;
  if (!device) return;
  if (device.unlockMethod !== 'pin') {
    void then();
    return;
  }
  state.afterPin = then;
  byId<HTMLInputElement>('pin-ask').value = '';
  byId('pin-ask-error').textContent = '';
  show('pin-ask');
}

async function checkPin(event: Event): Promise<void> {
  event.preventDefault();
  const device = state.device;
  const input = byId<HTMLInputElement>('pin-ask');
  const error = byId('pin-ask-error');
  if (!device?.pin) return;
  const pin = input.value.trim();
  if (!PIN_PATTERN.test(pin)) {
    error.textContent = 'Enter your PIN: 6 or more digits.';
    input.focus();
    return;
  }
  const submit = byId<HTMLButtonElement>('pin-ask-form').querySelector('button');
  if (submit) submit.disabled = true;
  const right = await pinMatches(pin, device.pin);
  if (submit) submit.disabled = false;
  input.value = '';
  if (right) {
    if (device.pinFailures !== 0) await saveDevice((state.device = { ...device, pinFailures: 0 }));
    const then = state.afterPin;
    state.afterPin = undefined;
    await then?.();
    return;
  }
  const failures = device.pinFailures + 1;
  if (failures >= MAX_PIN_FAILURES) {
    await wipeDevice();
    state.device = undefined;
    showResult(
      'fail',
      'Blink was reset on this phone',
      `The PIN was wrong ${MAX_PIN_FAILURES} times in a row, so Blink removed its keys from this phone. Your Windows password was not changed.`,
      'To use Blink again, ask your IT team for a new activation email and link the app again.',
      true,
    );
    return;
  }
  await saveDevice((state.device = { ...device, pinFailures: failures }));
  const left = MAX_PIN_FAILURES - failures;
  error.textContent =
    left <= WARN_WHEN_TRIES_LEFT
      ? `Wrong PIN. ${left} ${left === 1 ? 'try' : 'tries'} left: after that, Blink removes its keys from this phone and you have to set it up again.`
      : `Wrong PIN. ${left} tries left.`;
  input.focus();
}

async function act(kind: Action): Promise<void> {
  const device = state.device;
  if (!device) return;
  byId('working-title').textContent = kind === 'reset' ? 'Resetting your password…' : 'Unlocking your account…';
  byId('working-status').textContent = 'Asking your company directory. This takes a few seconds.';
  show('working');
  const body: Record<string, unknown> = {};
  if (device.unlockMethod === 'biometric') {
    const challenge = await signedRequest<{ options: unknown }>(
      device,
      'POST',
      '/api/device/webauthn/challenge',
      JSON.stringify({ action: kind }),
    );
    if (challenge.status === 401) return showUnlinked();
    if (challenge.status !== 200) return actionFailed(kind, challenge);
    try {
      body['webauthn'] = await assertWithBiometric(challenge.body.options);
    } catch {
      return showResult(
        'fail',
        `${methodNames.biometric} was not completed`,
        'Nothing was changed. Try again when you are ready.',
      );
    }
  }
  const accepted = await signedRequest<{ requestId: string }>(
    device,
    'POST',
    `/api/device/${kind}`,
    JSON.stringify(body),
  );
  if (accepted.status === 401) return showUnlinked();
  if (accepted.status !== 202) return actionFailed(kind, accepted);
  const requestId = accepted.body.requestId;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const answer = await signedRequest<{ state: string; jwe?: string; message?: string; mustChangePassword?: boolean }>(
      device,
      'GET',
      `/api/device/requests/${requestId}`,
    );
    if (answer.status === 0) continue;
    if (answer.status === 401) return showUnlinked();
    if (answer.status !== 200) return actionFailed(kind, answer);
    const { state: outcome } = answer.body;
    if (outcome === 'pending') continue;
    if (outcome === 'password-ready' && answer.body.jwe) {
      const { decryptPassword } = await import('./decrypt.js');
      const password = await decryptPassword(answer.body.jwe, device.encryptionKey, {
        deviceId: device.deviceId,
        requestId,
      });
      return showPassword(password, answer.body.mustChangePassword === true);
    }
    if (outcome === 'unlocked')
      return showResult('ok', 'Your account is unlocked', 'You can sign in to Windows again with your password.');
    if (outcome === 'not-locked') {
      return showResult(
        'ok',
        'Your account was not locked',
        'Nothing was changed.',
        'If Windows still does not accept your password, reset it instead.',
      );
    }
    if (outcome === 'failed')
      return showResult(
        'fail',
        kind === 'reset' ? 'Password not reset' : 'Account not unlocked',
        (answer.body.message ?? '').replace(/^Blink: /, ''),
      );
    break;
  }
  showResult(
    'fail',
    'No answer from Blink',
    'Blink did not answer in time. Check your company email for a notice before trying again.',
  );
}

function actionFailed(kind: Action, answer: ApiAnswer<unknown>): void {
  const title =
    answer.status === 429 ? 'Limit reached' : kind === 'reset' ? 'Password not reset' : 'Account not unlocked';
  showResult('fail', title, failureText(answer));
}

function showPassword(password: string, mustChange: boolean): void {
  const value = byId('password-value');
  value.replaceChildren(
    ...password.split(/(?<=-)/).map((group) => {
      const span = document.createElement('span');
      span.className = 'group';
      for (const char of group) {
        const glyph = document.createElement('span');
        if (/\d/.test(char)) glyph.className = 'digit';
        glyph.textContent = char;
        span.append(glyph);
      }
      return span;
    }),
  );
  byId('password-copied').textContent = '';
  byId('password-change').textContent = mustChange
    ? 'Sign in to Windows with this password. Windows then asks you to choose a new one.'
    : 'This is your Windows password now. Windows will not ask you to change it at the next sign-in.';
  show('password');
  let left = PASSWORD_SHOWN_SECONDS;
  const timer = byId('password-timer');
  const tick = () => {
    timer.textContent = `For your safety this password is hidden in ${left} seconds. Blink does not keep it.`;
    if (left-- <= 0) hidePassword();
  };
  tick();
  state.passwordTimer = window.setInterval(tick, 1000);
  byId('password-copy').onclick = () => {
    navigator.clipboard.writeText(password).then(
      () => (byId('password-copied').textContent = 'Copied.'),
      () => (byId('password-copied').textContent = 'Copying is not allowed here. Read the password from the screen.'),
    );
  };
}

function clearPassword(): void {
  window.clearInterval(state.passwordTimer);
  state.passwordTimer = 0;
  byId('password-value').replaceChildren();
  byId('password-copy').onclick = null;
}

function hidePassword(): void {
  clearPassword();
  showResult('ok', 'Password hidden', 'Blink does not keep your password. If you did not note it, reset it again.');
}

// ---- settings ----

function openSettings(): void {
  const device = state.device;
  if (!device) return;
  byId('settings-method').textContent = methodNames[device.unlockMethod];
  byId('about-account').textContent = `${device.account.displayName} (${device.account.samAccountName})`;
  byId('settings-error').textContent = '';
  describeNotifications();
  show('settings');
  void loadExpiryReminderChoice();
  void fetch(`${apiBase}/version`)
    .then((response) => response.json() as Promise<{ version?: string }>)
    .then((body) => (byId('about-version').textContent = body.version ?? ''))
    .catch(() => undefined);
}

function notificationsUnsupported(): string | undefined {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return phonePlatform() === 'ios' && !isInstalled()
      ? 'On iPhone, Blink can send notifications only after you add it to your Home Screen and open it from there.'
      : 'This browser cannot show notifications from Blink.';
  }
  if (Notification.permission === 'denied')
    return "Notifications are off for Blink. Turn them on in your phone's settings to be told about lockouts.";
  return undefined;
}

function describeNotifications(): void {
  const unsupported = notificationsUnsupported();
  byId('settings-notify-text').textContent = unsupported ?? 'Blink can tell you when your account gets locked.';
  byId('settings-notify').hidden = unsupported !== undefined;
}

async function turnOnNotifications(): Promise<void> {
  const device = state.device;
  const text = byId('settings-notify-text');
  if (!device) return;
  const config = await postlessGet<{ vapidPublicKey: string }>('/api/device/push-config');
  if (config.status === 404) {
    text.textContent = 'Notifications are not available from your Blink service yet.';
    byId('settings-notify').hidden = true;
    return;
  }
  if (config.status !== 200) {
    text.textContent = failureText(config, false);
    return;
  }
  if ((await Notification.requestPermission()) !== 'granted') {
    text.textContent =
      "Notifications are off for Blink. Turn them on in your phone's settings to be told about lockouts.";
    return;
  }
  text.textContent = 'Turning on notifications…';
  try {
    const registration = await navigator.serviceWorker.ready;
    const { fromBase64url } = await import('./encoding.js');
    // The browser's push service may not answer at all (no network): give up after a while instead of waiting forever.
    const subscription = await Promise.race([
      registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: fromBase64url(config.body.vapidPublicKey) as BufferSource,
      }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the push service did not answer')), SUBSCRIBE_TIMEOUT_MS),
      ),
    ]);
    const json = subscription.toJSON();
    const saved = await signedRequest(
      device,
      'PUT',
      '/api/device/web-push',
      JSON.stringify({ endpoint: json.endpoint, keys: json.keys }),
    );
    const on = saved.status === 200 || saved.status === 204;
    text.textContent = on
      ? 'Notifications are on. Blink tells you when your account gets locked.'
      : failureText(saved, false);
    byId('settings-notify').hidden = on;
  } catch {
    text.textContent = 'This phone could not turn on notifications for Blink. Try again later.';
  }
}

/** The user's choice of password-expiry reminders by push, as the server has it; the box stays off until known. */
async function loadExpiryReminderChoice(): Promise<void> {
  const device = state.device;
  const box = byId<HTMLInputElement>('settings-expiry-push');
  byId('settings-expiry-error').textContent = '';
  box.disabled = true;
  if (!device) return;
  const answer = await signedRequest<{ expiryReminders?: { push: boolean } }>(device, 'GET', '/api/device/status');
  if (answer.status === 401) return showUnlinked();
  if (answer.status !== 200) {
    byId('settings-expiry-error').textContent = failureText(answer, false);
    return;
  }
  box.checked = answer.body.expiryReminders?.push === true;
  box.disabled = false;
}

/** Saves the box's new state; on a failure the box goes back to what the server still has. */
async function saveExpiryReminderChoice(): Promise<void> {
  const device = state.device;
  const box = byId<HTMLInputElement>('settings-expiry-push');
  if (!device) return;
  const push = box.checked;
  box.disabled = true;
  byId('settings-expiry-error').textContent = '';
  const answer = await signedRequest(device, 'PUT', '/api/device/expiry-reminders', JSON.stringify({ push }));
  box.disabled = false;
  if (answer.status === 401) return showUnlinked();
  if (answer.status !== 200) {
    box.checked = !push;
    byId('settings-expiry-error').textContent = failureText(answer, false);
  }
}

async function postlessGet<T>(path: string): Promise<ApiAnswer<T>> {
  try {
    const response = await fetch(`${apiBase}${path}`);
    return {
      status: response.status,
      body: (await response.json().catch(() => ({}))) as ApiAnswer<T>['body'],
      retryAfter: 0,
    };
  } catch {
    return { status: 0, body: {} as ApiAnswer<T>['body'], retryAfter: 0 };
  }
}

async function unlink(): Promise<void> {
  const device = state.device;
  if (!device) return;
  const answer = await signedRequest(device, 'POST', '/api/device/unlink', '{}');
  if (answer.status !== 200 && answer.status !== 401) {
    byId('settings-error').textContent = failureText(answer, false);
    show('settings');
    return;
  }
  await wipeDevice();
  state.device = undefined;
  showResult(
    'ok',
    'This phone is unlinked',
    'Blink removed its keys from this phone. It can no longer reset your password.',
    'To use Blink again, ask your IT team for a new activation email.',
    true,
  );
}

// ---- start ----

function startOver(): void {
  void wipeDevice().then(() => {
    state.device = undefined;
    state.changingMethod = false;
    show('method');
  });
}

function wire(): void {
  for (const choice of document.querySelectorAll<HTMLButtonElement>('.choice[data-method]')) {
    choice.addEventListener('click', () => void chooseMethod(choice.dataset['method'] as UnlockMethod));
  }
  byId('pin-set-form').addEventListener('submit', (event) => void savePin(event));
  byId('pin-ask-form').addEventListener('submit', (event) => void checkPin(event));
  for (const back of document.querySelectorAll('.back-to-method')) back.addEventListener('click', () => show('method'));
  for (const home of document.querySelectorAll('.to-home'))
    home.addEventListener('click', () => (state.device ? showHome() : show('method')));
  byId('install-continue').addEventListener('click', () => {
    sessionStorage.setItem('blink-install-seen', '1');
    show('method');
  });
  byId('install-prompt').addEventListener('click', () => void state.installPrompt?.prompt());
  byId('scan-start').addEventListener('click', () => void startScan());
  byId('scan-stop').addEventListener('click', stopScanner);
  byId('paste-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void linkFromText(byId<HTMLInputElement>('paste-link').value, byId('paste-error'));
  });
  byId('action-reset').addEventListener('click', () => unlockThen(() => act('reset')));
  byId('action-unlock').addEventListener('click', () => unlockThen(() => act('unlock')));
  byId('password-hide').addEventListener('click', hidePassword);
  byId('open-settings').addEventListener('click', openSettings);
  byId('settings-change-method').addEventListener('click', () =>
    unlockThen(async () => {
      state.changingMethod = true;
      show('method');
    }),
  );
  byId('settings-notify').addEventListener('click', () => void turnOnNotifications());
  byId('settings-expiry-push').addEventListener('change', () => void saveExpiryReminderChoice());
  byId('settings-unlink').addEventListener('click', () => {
    if (
      window.confirm(
        'Unlink this phone from your account? Blink on this phone stops working until you set it up again.',
      )
    )
      unlockThen(unlink);
  });
  byId('result-setup').addEventListener('click', startOver);
  // Approving is guarded like a reset (the PIN, or Touch ID/Face ID with the request); denying grants nothing.
  byId('approve-yes').addEventListener('click', () => unlockThen(() => answerCallerApproval('approve')));
  byId('approve-no').addEventListener('click', () => void answerCallerApproval('deny'));
  // Back from the background (the user read the notification, or switched from the phone call): look again.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.device && !byId('screen-home').hidden)
      void checkCallerApprovals();
  });
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    state.installPrompt = event as Event & { prompt(): Promise<void> };
    byId('install-prompt').hidden = false;
  });
}

async function start(): Promise<void> {
  wire();
  // The service worker caches the app shell (offline screen) and shows lockout notifications.
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register('sw.js').catch(() => undefined);
  const appRoot = location.pathname.replace(/enroll$/, '');
  // The same-phone link: /app/enroll#<binding code>. The code leaves the address bar at once.
  if (location.pathname.endsWith('/enroll')) state.pendingCode = parseAppEnrollLink(location.href)?.bindingCode;
  const action = new URLSearchParams(location.search).get('action');
  if (location.pathname !== appRoot || location.hash || location.search) history.replaceState(null, '', appRoot);
  const platform = phonePlatform();
  byId('howto-ios').hidden = platform === 'android';
  byId('howto-android').hidden = platform === 'ios';
  if (await biometricAvailable()) {
    byId('biometric-name').textContent = methodNames.biometric;
    byId('method-biometric').hidden = false;
  }

  state.device = await loadDevice();
  // A setup link opened on a phone that is already linked starts a new link (it replaces this one once it worked).
  if (state.device && !state.pendingCode) {
    showHome();
    if (action === 'reset' || action === 'unlock') unlockThen(() => act(action));
    return;
  }
  if (!isInstalled() && !state.pendingCode && !sessionStorage.getItem('blink-install-seen')) show('install');
  else show('method');
}

void start();
