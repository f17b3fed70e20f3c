/* global document, window, fetch, history, location, btoa, URLSearchParams */
// Script of the setup page (docs/design/enrollment.md). Served as a file from the same origin: the page's CSP allows
// no inline script. The activation token comes from the link's fragment, is removed from the address bar at once, is
// kept in memory only and is sent in request bodies, never in a URL.
'use strict';

(() => {
  const POLL_INTERVAL_MS = 2000;
  const NETWORK_MESSAGE = 'Blink could not be reached. Check your internet connection and try again.';
  const GENERIC_MESSAGE = 'Something went wrong. Please try again.';
  const INVALID_LINK_MESSAGE = 'This setup link is not valid. Ask your IT team for a new activation email.';
  // Relative paths, so the page also works under an API Gateway stage path (…/prod/setup).
  const api = {
    open: 'api/setup/open',
    phone: 'api/setup/phone',
    verify: 'api/setup/verify',
    qr: 'api/setup/qr',
    status: 'api/setup/status',
  };

  const session = { token: '', phone: '', maskedPhone: '', qrExpiresAt: 0 };
  const polling = { generation: 0, timer: 0 };

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
    currentStep = step;
    for (const section of all('main > section.step')) section.hidden = section.id !== `step-${step}`;
    const heading = document.querySelector(`#step-${step} h1`);
    if (heading && moveFocus) heading.focus();
  }

  /** Shows a step whose message is an alert: the text is set after the step is visible, so it is announced. */
  function showWithAlert(step, messageId, message, moveFocus) {
    const element = byId(messageId);
    element.textContent = '';
    show(step, moveFocus);
    element.textContent = message;
  }

  function showInvalid(moveFocus = true) {
    session.token = '';
    showWithAlert('invalid', 'invalid-message', INVALID_LINK_MESSAGE, moveFocus);
  }

  function showUnavailable(message, moveFocus) {
    showWithAlert('unavailable', 'unavailable-message', message, moveFocus);
  }

  function showComplete(method, moveFocus = true) {
    session.token = '';
    byId('complete-sms').hidden = method !== 'sms';
    byId('complete-app').hidden = method !== 'app';
    byId('complete-generic').hidden = method === 'sms' || method === 'app';
    document.title = 'Setup complete – Blink';
    show('complete', moveFocus);
  }

  function setAccountName(displayName) {
    for (const element of all('.account-name')) element.textContent = displayName;
    document.title = `Set up Blink for ${displayName}`;
  }

  function setMaskedPhone(masked) {
    session.maskedPhone = masked || 'your mobile number';
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
    if (result.status === 0) return NETWORK_MESSAGE;
    if (result.status === 429) return rateLimitedMessage(result.error.message, result.retryAfter);
    if (result.status >= 500) return GENERIC_MESSAGE;
    return result.error.message || GENERIC_MESSAGE;
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
      return { ok: false, status: 0, error: { code: 'NETWORK', message: NETWORK_MESSAGE }, retryAfter: 0 };
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
      error: { code: String(error.code || 'UNKNOWN'), message: typeof error.message === 'string' ? error.message : '' },
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

  /** Checks the link and shows the step it is at; `moveFocus` is false for the first check after the page loads. */
  async function openLink(moveFocus) {
    show('loading', moveFocus);
    const result = await post(api.open, { token: session.token });
    if (result.ok) {
      const { displayName, state, phone } = result.data;
      setAccountName(typeof displayName === 'string' ? displayName : '');
      if (state === 'complete') showComplete(undefined, moveFocus);
      else if (state === 'choose-method') {
        setMaskedPhone(phone);
        show('choose', moveFocus);
      } else show('phone', moveFocus);
      return;
    }
    // Every refusal of the link gets the same message: the page never hints at why (unknown, used or expired).
    if (result.status === 0 || result.status >= 500 || result.status === 429) showUnavailable(failureMessage(result), moveFocus);
    else showInvalid(moveFocus);
  }

  function start(moveFocus) {
    const token = takeTokenFromAddress();
    if (token) {
      session.token = token;
      void openLink(moveFocus);
    } else if (!session.token) show('no-link', moveFocus);
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
        byId('code').value = '';
        setFieldError(byId('code'), byId('code-error'), '');
        show('choose');
        return;
      }
      if (linkRefused(result)) return showInvalid();
      setFieldError(input, error, failureMessage(result));
      input.focus();
    });
  }

  function changeNumber() {
    const input = byId('phone');
    input.value = session.phone;
    setFieldError(input, byId('phone-error'), '');
    // A code was already sent: the person may go back and use it instead of asking for another.
    byId('phone-back').hidden = false;
    show('phone');
  }

  // ---- Step 3a: verify through SMS --------------------------------------------------------------------------------

  async function verifyCode(submitButton) {
    const input = byId('code');
    const error = byId('code-error');
    const code = input.value.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(code)) {
      setFieldError(input, error, 'Enter the 6-digit code from the text message.');
      input.focus();
      return;
    }
    await whileBusy(submitButton, async () => {
      const result = await post(api.verify, { token: session.token, code });
      if (result.ok) return showComplete(result.data.method || 'sms');
      if (linkRefused(result)) return showInvalid();
      setFieldError(input, error, failureMessage(result));
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

  async function showQr() {
    resetQr();
    show('qr');
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
    // Only ever a blink: link, whatever the answer held.
    if (/^blink:\/\/enroll\?/.test(String(uri))) {
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
      showComplete(result.data.method || 'app');
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
    show('sms');
  });
  byId('choose-qr').addEventListener('click', () => {
    byId('choose-error').textContent = '';
    void showQr();
  });
  byId('qr-refresh').addEventListener('click', () => void showQr());
  byId('retry-open').addEventListener('click', () => {
    if (session.token) void openLink(true);
    else show('no-link');
  });
  byId('qr-uri').addEventListener('focus', (event) => event.target.select());
  for (const button of all('.change-number')) button.addEventListener('click', changeNumber);
  for (const button of all('.back-to-choose')) button.addEventListener('click', () => show('choose'));

  // Phones suspend background pages: stop asking while away, ask at once on return (the user was just in the app).
  window.addEventListener('pagehide', stopPolling);
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && qrIsWaiting()) startPolling();
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
