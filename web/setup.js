/* global document, window, fetch, history, location, btoa, URLSearchParams, sessionStorage */
// Script of the setup page (docs/design/enrollment.md). Served as a file from the same origin: the page's CSP allows
// no inline script. The activation token comes from the link's fragment, is removed from the address bar at once, and
// is sent in request bodies, never in a URL. So that a reload, or Back and Forward, resumes setup, it is also kept in
// this tab's sessionStorage (same origin, this tab only, gone when the tab closes) until setup completes or the link
// turns out unusable; never in local storage, a cookie or a URL.
'use strict';

(() => {
  const POLL_INTERVAL_MS = 2000;
  // The page's own messages (the others come from the API), in one place.
  const messages = {
    network: 'Blink could not be reached. Check your internet connection and try again.',
    generic: 'Something went wrong. Please try again.',
    invalidLink: 'This setup link is not valid. Ask your IT team for a new activation email.',
    locked: 'Too many wrong codes, so verification is locked.',
    resumed: 'Your progress was kept.',
  };
  const STORAGE_KEY = 'blink-setup';
  // Steps a reload may come back to; the others are answers to the link, asked again from the server.
  const RESUMABLE_STEPS = ['phone', 'choose', 'sms', 'qr'];
  // Relative paths, so the page also works under an API Gateway stage path (…/prod/setup).
  const api = {
    open: 'api/setup/open',
    phone: 'api/setup/phone',
    verify: 'api/setup/verify',
    qr: 'api/setup/qr',
    status: 'api/setup/status',
  };

  // resendAt / lockedUntil: when a new code may be asked for, and until when verification is locked (epoch ms).
  const session = { token: '', phone: '', maskedPhone: '', qrExpiresAt: 0, resendAt: 0, lockedUntil: 0 };
  const polling = { generation: 0, timer: 0 };
  const countdown = { timer: 0 };

  const byId = (id) => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`The page is missing #${id}`);
    return element;
  };
  const all = (selector) => Array.from(document.querySelectorAll(selector));

  // ---- Steps ------------------------------------------------------------------------------------------------------

  let currentStep = 'loading';

  /**
   * Shows one step and hides the others. After something the user did, focus moves to the step's heading so screen
   * readers announce the change; the first step after the page loads keeps the browser's own start position.
   */
  function show(step, moveFocus = true) {
    if (step !== 'qr') stopPolling();
    if (step !== 'sms') stopCountdown();
    currentStep = step;
    byId('resume-note').textContent = '';
    for (const section of all('main > section.step')) section.hidden = section.id !== `step-${step}`;
    if (RESUMABLE_STEPS.includes(step)) remember();
    const heading = document.querySelector(`#step-${step} h1`);
    if (heading && moveFocus) heading.focus();
  }

  // ---- Kept for this tab: token and step, so a reload or Back resumes ---------------------------------------------

  function readSaved() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
      return saved && typeof saved === 'object' ? saved : null;
    } catch {
      return null;
    }
  }

  function writeSaved(value) {
    try {
      if (value) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage turned off: the page still works, it only cannot resume after a reload.
    }
  }

  /** Saves the setup in progress (only while there is a token). */
  function remember() {
    if (!session.token) return;
    const { token, phone, maskedPhone, resendAt, lockedUntil } = session;
    writeSaved({
      token,
      phone,
      maskedPhone,
      resendAt,
      lockedUntil,
      step: RESUMABLE_STEPS.includes(currentStep) ? currentStep : '',
    });
  }

  /** Drops the token (setup completed, or the link is unusable); a completed setup leaves only what it completed. */
  function forget(done) {
    Object.assign(session, { token: '', phone: '', maskedPhone: '', resendAt: 0, lockedUntil: 0 });
    writeSaved(done ? { done: { sms: Boolean(done.sms), app: Boolean(done.app) } } : null);
  }

  function announceResumed() {
    byId('resume-note').textContent = messages.resumed;
  }

  /** Shows a step whose message is an alert: the text is set after the step is visible, so it is announced. */
  function showWithAlert(step, messageId, message, moveFocus) {
    const element = byId(messageId);
    element.textContent = '';
    show(step, moveFocus);
    element.textContent = message;
  }

  function showInvalid(moveFocus = true) {
    forget();
    showWithAlert('invalid', 'invalid-message', messages.invalidLink, moveFocus);
  }

  function showUnavailable(message, moveFocus) {
    showWithAlert('unavailable', 'unavailable-message', message, moveFocus);
  }

  /**
   * Setup complete: `justDone` is the way it was just finished on this page ('sms' | 'app'); otherwise `methods` say
   * what the user can reset with, and `again` that the link which completed setup was opened once more.
   */
  function showComplete({ justDone = '', methods = {}, again = false }, moveFocus = true) {
    const can = { sms: Boolean(methods.sms) || justDone === 'sms', app: Boolean(methods.app) || justDone === 'app' };
    forget(can);
    byId('complete-sms').hidden = justDone !== 'sms';
    byId('complete-app').hidden = justDone !== 'app';
    byId('complete-again').hidden = justDone !== '' || !again;
    byId('complete-generic').hidden = justDone !== '' || again;
    byId('complete-how-sms').hidden = justDone !== '' || !can.sms;
    byId('complete-how-app').hidden = justDone !== '' || !can.app;
    byId('complete-new-phone').hidden = justDone !== '';
    document.title = 'Setup complete – Blink';
    show('complete', moveFocus);
  }

  function setAccountName(displayName) {
    for (const element of all('.account-name')) element.textContent = displayName;
    document.title = `Set up Blink for ${displayName}`;
  }

  function setMaskedPhone(masked) {
    session.maskedPhone = typeof masked === 'string' && masked ? masked : 'your mobile number';
    for (const element of all('.masked-phone')) element.textContent = session.maskedPhone;
  }

  // ---- Errors -----------------------------------------------------------------------------------------------------

  /** Shows (or clears, with '') the error of one field; the error element is a live region, so it is announced. */
  function setFieldError(input, errorElement, message) {
    errorElement.textContent = message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  function formatWait(seconds) {
    if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
    const minutes = Math.ceil(seconds / 60);
    if (minutes < 60) return minutes === 1 ? '1 minute' : `${minutes} minutes`;
    const hours = Math.ceil(minutes / 60);
    return hours === 1 ? '1 hour' : `${hours} hours`;
  }

  /** The server's reason (or a general one) followed by the exact wait from Retry-After. */
  function rateLimitedMessage(reason, retryAfterSeconds) {
    const why = reason || 'Too many attempts.';
    return retryAfterSeconds > 0 ? `${why} You can try again in ${formatWait(retryAfterSeconds)}.` : why;
  }

  /** The message for a failed call that has no more specific handling. */
  function failureMessage(result) {
    if (result.status === 0) return messages.network;
    if (result.status === 429) return rateLimitedMessage(result.error.message, result.retryAfter);
    if (result.status >= 500) return messages.generic;
    return result.error.message || messages.generic;
  }

  // ---- API --------------------------------------------------------------------------------------------------------

  /** POSTs JSON and never throws: network failures come back as status 0. */
  async function post(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      return { ok: false, status: 0, error: { code: 'NETWORK', message: messages.network }, retryAfter: 0 };
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.ok) return { ok: true, status: response.status, data: data || {} };
    const error = data && data.error && typeof data.error === 'object' ? data.error : {};
    const retryAfter = Number.parseInt(response.headers.get('retry-after') || '', 10);
    return {
      ok: false,
      status: response.status,
      error: {
        code: String(error.code || 'UNKNOWN'),
        message: typeof error.message === 'string' ? error.message : '',
        attemptsLeft: Number.isInteger(error.attemptsLeft) ? error.attemptsLeft : -1,
      },
      retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 0,
    };
  }

  /** Whether an answer means the link is not (or no longer) valid: the page then shows the one neutral message. */
  const linkRefused = (result) => result.status === 404;

  /** Guards a button while its request runs, so a double tap sends one request. */
  async function whileBusy(button, work) {
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      await work();
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  // ---- Step 1: open the link --------------------------------------------------------------------------------------

  function takeTokenFromAddress() {
    const token = new URLSearchParams(location.hash.slice(1)).get('t') || '';
    // Take the secret out of the address bar (and so out of history, bookmarks and screenshots) straight away.
    if (location.hash) history.replaceState(null, '', location.pathname + location.search);
    return token.trim();
  }

  /**
   * Checks the link and shows the step it is at; `moveFocus` is false for the first check after the page loads. When
   * resuming (`resumeStep` from this tab's storage), the server's state decides and the saved step refines it: a code
   * was sent → back to the code or the QR step the person was on.
   */
  async function openLink(moveFocus, { step: resumeStep = '', resumed = false } = {}) {
    show('loading', moveFocus);
    const result = await post(api.open, { token: session.token });
    if (result.ok) {
      const { displayName, state, phone, methods } = result.data;
      setAccountName(typeof displayName === 'string' ? displayName : '');
      if (state === 'complete') return showComplete({ methods: methods || {}, again: true }, moveFocus);
      if (state === 'choose-method') {
        setMaskedPhone(phone);
        if (resumeStep === 'sms') showCode(moveFocus);
        else if (resumeStep === 'qr') void showQr(moveFocus);
        else if (resumeStep === 'phone') changeNumber(moveFocus);
        else show('choose', moveFocus);
      } else {
        byId('phone').value = session.phone;
        show('phone', moveFocus);
      }
      if (resumed) announceResumed();
      return;
    }
    // Every refusal of the link gets the same message: the page never hints at why (unknown, used or expired).
    if (result.status === 0 || result.status >= 500 || result.status === 429)
      showUnavailable(failureMessage(result), moveFocus);
    else showInvalid(moveFocus);
  }

  /** Takes over a saved setup of this tab (what was kept of it), or starts a new one for `token`. */
  function adopt(saved, token) {
    const same = saved && saved.token === token;
    Object.assign(session, {
      token,
      phone: same && typeof saved.phone === 'string' ? saved.phone : '',
      maskedPhone: same && typeof saved.maskedPhone === 'string' ? saved.maskedPhone : '',
      resendAt: same && Number.isFinite(saved.resendAt) ? saved.resendAt : 0,
      lockedUntil: same && Number.isFinite(saved.lockedUntil) ? saved.lockedUntil : 0,
    });
    if (session.maskedPhone) setMaskedPhone(session.maskedPhone);
    const step = same && typeof saved.step === 'string' && RESUMABLE_STEPS.includes(saved.step) ? saved.step : '';
    writeSaved({
      token,
      phone: session.phone,
      maskedPhone: session.maskedPhone,
      resendAt: session.resendAt,
      lockedUntil: session.lockedUntil,
      step,
    });
    return { step, resumed: Boolean(same) };
  }

  function start(moveFocus) {
    const fromAddress = takeTokenFromAddress();
    const saved = readSaved();
    if (fromAddress) {
      // The same link opened again in this tab resumes; another link starts over.
      void openLink(moveFocus, adopt(saved, fromAddress));
    } else if (session.token) {
      // A hash change without a token: carry on where the page is.
    } else if (saved && typeof saved.token === 'string' && saved.token) {
      void openLink(moveFocus, adopt(saved, saved.token));
    } else if (saved && saved.done) {
      showComplete({ methods: saved.done }, moveFocus);
    } else show('no-link', moveFocus);
  }

  // ---- Step 2: mobile number --------------------------------------------------------------------------------------

  async function sendCode(submitButton) {
    const input = byId('phone');
    const error = byId('phone-error');
    const phone = input.value.trim();
    if (!phone) {
      setFieldError(input, error, 'Enter your mobile number.');
      input.focus();
      return;
    }
    await whileBusy(submitButton, async () => {
      const result = await post(api.phone, { token: session.token, phone });
      if (result.ok) {
        setFieldError(input, error, '');
        session.phone = phone;
        setMaskedPhone(result.data.phone);
        codeWasSent(result.data.resendAfterSeconds);
        byId('code-sent').textContent = '';
        show('choose');
        return;
      }
      if (linkRefused(result)) return showInvalid();
      setFieldError(input, error, failureMessage(result));
      input.focus();
    });
  }

  function changeNumber(moveFocus = true) {
    const input = byId('phone');
    input.value = session.phone;
    setFieldError(input, byId('phone-error'), '');
    // A code was already sent: the person may go back and use it instead of asking for another.
    byId('phone-back').hidden = false;
    show('phone', moveFocus);
  }

  // ---- Step 3a: verify through SMS --------------------------------------------------------------------------------

  /** A new code went out: the old one is void, and the next may be asked for after the server's cooldown. */
  function codeWasSent(resendAfterSeconds) {
    const wait = Number.isFinite(resendAfterSeconds) && resendAfterSeconds > 0 ? resendAfterSeconds : 60;
    session.resendAt = Date.now() + wait * 1000;
    byId('code').value = '';
    setFieldError(byId('code'), byId('code-error'), '');
    byId('resend-error').textContent = '';
    remember();
  }

  function showCode(moveFocus = true) {
    show('sms', moveFocus);
    renderCodeStep();
    startCountdown();
  }

  function lockedMessage() {
    const seconds = Math.ceil((session.lockedUntil - Date.now()) / 1000);
    const at = new Date(session.lockedUntil).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    // Said once, and not changed while it shows (an alert is announced whenever its text changes).
    return `${messages.locked} You can try again in ${formatWait(seconds)}, at ${at}. You can still set up the Blink app instead.`;
  }

  /** Shows what can be used now: while locked, only the message and another way; otherwise the field and the resend. */
  function renderCodeStep() {
    const locked = session.lockedUntil > Date.now();
    const lockedElement = byId('code-locked');
    byId('code-form').hidden = locked;
    byId('resend').hidden = locked;
    byId('sms-change-number').hidden = locked;
    if (locked && !lockedElement.textContent) lockedElement.textContent = lockedMessage();
    if (!locked) {
      lockedElement.textContent = '';
      if (session.lockedUntil) {
        session.lockedUntil = 0;
        remember();
      }
    }
    const wait = Math.ceil((session.resendAt - Date.now()) / 1000);
    const waitElement = byId('resend-wait');
    const button = byId('resend-code');
    // The wait is plain text, not a live region: it changes every second.
    waitElement.textContent = wait > 0 ? `Didn't get it? You can ask for a new code in ${formatWait(wait)}.` : '';
    waitElement.hidden = wait <= 0;
    button.hidden = wait > 0;
    return locked || wait > 0;
  }

  function startCountdown() {
    stopCountdown();
    countdown.timer = window.setInterval(() => {
      if (currentStep !== 'sms' || !renderCodeStep()) stopCountdown();
    }, 1000);
  }

  function stopCountdown() {
    window.clearInterval(countdown.timer);
    countdown.timer = 0;
  }

  /** "Send a new code": to the same number, staying on this step. */
  async function resendCode(button) {
    if (!session.phone) {
      // Set up started in another tab or browser: the number typed there is not known here.
      changeNumber();
      return;
    }
    const error = byId('resend-error');
    error.textContent = '';
    byId('code-sent').textContent = '';
    await whileBusy(button, async () => {
      const result = await post(api.phone, { token: session.token, phone: session.phone });
      if (linkRefused(result)) return showInvalid();
      if (result.ok) {
        setMaskedPhone(result.data.phone);
        codeWasSent(result.data.resendAfterSeconds);
        byId('code-sent').textContent =
          `We sent a new code to ${session.maskedPhone}. The earlier code no longer works.`;
      } else if (result.status === 429 && result.retryAfter > 0) {
        session.resendAt = Date.now() + result.retryAfter * 1000;
        remember();
        error.textContent = result.error.message || 'You asked for too many codes.';
      } else {
        error.textContent = failureMessage(result);
      }
    });
    renderCodeStep();
    startCountdown();
    // The button may be hidden now (waiting): the code field is where the person goes next.
    byId('code').focus();
  }

  function attemptsLeftMessage(attemptsLeft) {
    if (attemptsLeft < 0) return '';
    if (attemptsLeft === 1) return ' 1 attempt left before verification is locked for an hour.';
    return ` ${attemptsLeft} attempts left.`;
  }

  async function verifyCode(submitButton) {
    const input = byId('code');
    const error = byId('code-error');
    // "790 473", "790-473" (or a typographic dash) are the code 790473.
    const code = input.value.replace(/[\s\-\u2010-\u2015\u2212]+/g, '');
    if (!/^\d{6}$/.test(code)) {
      setFieldError(input, error, 'Enter the 6-digit code from the text message.');
      input.focus();
      return;
    }
    await whileBusy(submitButton, async () => {
      const result = await post(api.verify, {
        token: session.token,
        code,
        expiryRemindersBySms: byId('expiry-sms').checked,
      });
      if (result.ok) return showComplete({ justDone: 'sms' });
      if (linkRefused(result)) return showInvalid();
      if (result.status === 429) {
        // Locked: said once, with the wait; the field and the resend are hidden until the lock ends.
        session.lockedUntil = Date.now() + Math.max(result.retryAfter, 1) * 1000;
        remember();
        setFieldError(input, error, '');
        byId('code-locked').textContent = '';
        renderCodeStep();
        startCountdown();
        byId('code-locked').focus();
        return;
      }
      const message =
        result.status === 400
          ? `${result.error.message || messages.generic}${attemptsLeftMessage(result.error.attemptsLeft)}`
          : failureMessage(result);
      setFieldError(input, error, message);
      input.select();
      input.focus();
    });
  }

  // ---- Step 3b: scan QR code --------------------------------------------------------------------------------------

  function resetQr() {
    const image = byId('qr-image');
    image.removeAttribute('src');
    byId('qr-uri').value = '';
    byId('qr-open-app').removeAttribute('href');
    byId('qr-open-app-row').hidden = true;
    byId('qr-loading').hidden = false;
    byId('qr-refresh').hidden = true;
    byId('qr-error').textContent = '';
    setQrStatus('', false);
  }

  function setQrStatus(message, waiting) {
    const status = byId('qr-status');
    status.textContent = message;
    status.classList.toggle('waiting', waiting);
  }

  async function showQr(moveFocus = true) {
    resetQr();
    show('qr', moveFocus);
    const result = await post(api.qr, { token: session.token });
    if (currentStep !== 'qr') return;
    if (!result.ok) {
      if (linkRefused(result)) return showInvalid();
      byId('qr-loading').hidden = true;
      byId('qr-error').textContent = failureMessage(result);
      byId('qr-refresh').hidden = false;
      return;
    }
    const { uri, qrSvg, expiresAt } = result.data;
    byId('qr-image').src = `data:image/svg+xml;base64,${btoa(String(qrSvg))}`;
    byId('qr-loading').hidden = true;
    byId('qr-uri').value = String(uri);
    // Only ever the app's enrollment link (http(s), /app/enroll, the code in the fragment), whatever the answer held.
    if (/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?\/app\/enroll#[A-Za-z0-9_-]{22,128}$/.test(String(uri))) {
      byId('qr-open-app').href = String(uri);
      byId('qr-open-app-row').hidden = false;
    }
    session.qrExpiresAt = Date.parse(expiresAt) || Date.now() + 10 * 60 * 1000;
    setQrStatus('Waiting for the Blink app to scan the code…', true);
    startPolling();
  }

  function showQrExpired() {
    stopPolling();
    byId('qr-image').removeAttribute('src');
    byId('qr-uri').value = '';
    byId('qr-open-app').removeAttribute('href');
    byId('qr-open-app-row').hidden = true;
    setQrStatus('', false);
    byId('qr-error').textContent = 'This QR code has expired. Show a new one to continue.';
    byId('qr-refresh').hidden = false;
  }

  /** Asks the server once whether a device has registered; true when polling should go on. */
  async function checkStatus(generation) {
    const result = await post(api.status, { token: session.token });
    if (generation !== polling.generation) return false;
    if (result.ok && result.data.state === 'complete') {
      showComplete({ justDone: result.data.method === 'sms' ? 'sms' : 'app' });
      return false;
    }
    if (linkRefused(result)) {
      showInvalid();
      return false;
    }
    if (Date.now() >= session.qrExpiresAt) {
      showQrExpired();
      return false;
    }
    // Other failures (network, 5xx, 429) are passing trouble: keep asking.
    return true;
  }

  function startPolling() {
    stopPolling();
    const generation = polling.generation;
    const tick = async () => {
      if (generation !== polling.generation) return;
      if (await checkStatus(generation)) polling.timer = window.setTimeout(tick, POLL_INTERVAL_MS);
    };
    polling.timer = window.setTimeout(tick, POLL_INTERVAL_MS);
  }

  function stopPolling() {
    polling.generation += 1;
    window.clearTimeout(polling.timer);
  }

  const qrIsWaiting = () => currentStep === 'qr' && byId('qr-image').hasAttribute('src');

  // ---- Wiring -----------------------------------------------------------------------------------------------------

  byId('phone-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void sendCode(event.submitter || byId('phone-form').querySelector('button[type="submit"]'));
  });
  byId('code-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void verifyCode(event.submitter || byId('code-form').querySelector('button[type="submit"]'));
  });
  byId('phone').addEventListener('input', () => setFieldError(byId('phone'), byId('phone-error'), ''));
  byId('code').addEventListener('input', () => setFieldError(byId('code'), byId('code-error'), ''));
  byId('choose-sms').addEventListener('click', () => {
    byId('choose-error').textContent = '';
    showCode();
  });
  byId('resend-code').addEventListener('click', (event) => void resendCode(event.currentTarget));
  byId('choose-qr').addEventListener('click', () => {
    byId('choose-error').textContent = '';
    void showQr();
  });
  byId('qr-refresh').addEventListener('click', () => void showQr());
  byId('retry-open').addEventListener('click', () => {
    if (!session.token) return show('no-link');
    // A resume that could not reach Blink goes on to the step it was resuming.
    const saved = readSaved();
    const step = saved && saved.token === session.token && RESUMABLE_STEPS.includes(saved.step) ? saved.step : '';
    void openLink(true, { step, resumed: Boolean(step) });
  });
  byId('qr-uri').addEventListener('focus', (event) => event.target.select());
  // The app sits next to this page (relative href, so under a stage path too); show its full address to type.
  byId('get-app-link').textContent = byId('get-app-link').href;
  for (const button of all('.change-number')) button.addEventListener('click', () => changeNumber());
  for (const button of all('.back-to-choose')) button.addEventListener('click', () => show('choose'));

  // Phones suspend background pages: stop asking while away, ask at once on return (the user was just in the app).
  window.addEventListener('pagehide', stopPolling);
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    // Back to a page the browser kept: it is where the person left it.
    if (session.token && RESUMABLE_STEPS.includes(currentStep)) announceResumed();
    if (qrIsWaiting()) startPolling();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || !qrIsWaiting()) return;
    stopPolling();
    const generation = polling.generation;
    void checkStatus(generation).then((goOn) => {
      if (goOn && generation === polling.generation) startPolling();
    });
  });
  // A second activation link opened in the same tab changes only the fragment.
  window.addEventListener('hashchange', () => start(true));

  start(false);
})();
