/* global document, window, fetch, location, URLSearchParams */
// Blink admin portal: one page, views by URL fragment (#/users, #/user/<guid>). Talks only to /admin/portal/api/
// with the session cookie (which this script cannot read) and the session's CSRF token on every change.
'use strict';

(() => {
  const view = document.getElementById('view');
  const notice = document.getElementById('notice');
  let session;

  const el = (tag, attributes = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === false) continue;
      if (name === 'text') node.textContent = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child);
    return node;
  };

  const say = (message, isError = false) => {
    notice.hidden = !message;
    notice.textContent = message || '';
    notice.classList.toggle('error', isError);
  };

  /** Calls the portal API; a 401 means the session ended: back to sign-in. */
  const api = async (path, options = {}) => {
    const headers = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if ((options.method || 'GET') !== 'GET') headers['x-csrf-token'] = session ? session.csrfToken : '';
    const response = await fetch(`/admin/portal/${path}`, {
      method: options.method || 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) {
      view.replaceChildren(
        el('h1', { text: 'Signed out' }),
        el('p', { text: (body.error && body.error.message) || 'Your session ended.' }),
        el('a', { class: 'button', href: '/admin/portal/sign-in', text: 'Sign in again' }),
      );
      throw new Error('signed out');
    }
    if (!response.ok) throw new Error((body.error && body.error.message) || `The portal answered ${response.status}.`);
    return body;
  };

  const views = {};
  window.blinkPortal = {
    el,
    api,
    say,
    views,
    get session() {
      return session;
    },
  };

  const route = async () => {
    say('');
    const hash = location.hash || '#/users';
    const [, name = 'users', argument] = hash.split('/');
    const render = views[name];
    if (!render) {
      view.replaceChildren(el('h1', { text: 'Not found' }), el('p', { text: 'No such page.' }));
      return;
    }
    try {
      await render(view, argument ? decodeURIComponent(argument) : undefined);
      view.focus();
    } catch (error) {
      if (error.message !== 'signed out') say(error.message, true);
    }
  };

  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
  /** Audit actions in words; anything new shows as recorded. */
  const actionWords = {
    'enrollment.activated': 'Activation link sent',
    'enrollment.reactivated': 'Activation link sent again',
    'enrollment.revoked': 'Enrollment revoked',
    'setup.code-sent': 'Setup code sent',
    'setup.verify': 'Setup code checked',
    'setup.phone-verified': 'Phone verified',
    'setup.phone-changed': 'Phone changed',
    'setup.qr-issued': 'App QR code shown',
    'device.registered': 'App bound',
    'device.revoked': 'App revoked',
    reset: 'Password reset',
    unlock: 'Account unlock',
    'lockout-alert': 'Lockout alert',
    'portal.caller-code-sent': 'Caller code sent',
    'portal.caller-verified': 'Caller verification',
    'portal.caller-approval-requested': 'Caller approval asked in the app',
    'caller-approval-answered': 'Caller approval answered in the app',
    'portal.unlock-requested': 'Help desk asked for an unlock',
    'portal.reset-requested': 'Help desk asked for a reset',
    'portal.unlock': 'Help desk unlock',
    'portal.reset': 'Help desk reset',
  };
  const channelWords = { admin: 'help desk', sms: 'SMS', app: 'app', web: 'setup page', system: 'Blink' };
  /** The audit actor as a person: the IdP name of a portal technician, else as recorded. */
  const actorWords = (actor) => (/^portal:[^ ]+ \((.*)\)$/.exec(actor) || [])[1] || actor;
  const tag = (text, kind) => el('span', { class: `tag ${kind}`, text });
  const enrolledTag = (user) =>
    user.enrolled.length
      ? tag(user.enrolled.map((method) => (method === 'sms' ? 'SMS' : 'App')).join(' + '), 'ok')
      : tag('None', 'none');
  const activationTag = (user) => {
    const kinds = {
      pending: ['Link sent', 'warn'],
      expired: ['Link expired', 'bad'],
      completed: ['Set up', 'ok'],
      revoked: ['Revoked', 'bad'],
    };
    const [text, kind] = kinds[user.activation] || [user.activation, 'none'];
    return tag(text, kind);
  };
  const lastAction = (user) => {
    const last = user.lastResetOrUnlock;
    if (!last) return '—';
    return `${last.action === 'reset' ? 'Reset' : 'Unlock'} by ${last.channel === 'admin' ? 'help desk' : last.channel.toUpperCase()}, ${when(last.at)}${last.result === 'success' ? '' : ` (${last.result})`}`;
  };

  /** Search state survives going to a user and back (kept in the fragment). */
  views.users = async (target, argument) => {
    const params = new URLSearchParams(argument || '');
    const query = params.get('q') || '';
    const filter = params.get('filter') || '';
    const cursors = (params.get('pages') || '').split(',').filter(Boolean);
    const search = el('input', {
      id: 'search',
      type: 'search',
      name: 'q',
      value: query,
      placeholder: 'Name, account, UPN or phone digits',
      autocomplete: 'off',
    });
    const filterSelect = el(
      'select',
      { id: 'filter', name: 'filter' },
      el('option', { value: '', text: 'All enrolled users' }),
      el('option', { value: 'never-enrolled', text: 'Activated, never enrolled' }),
    );
    filterSelect.value = filter;
    const go = (nextCursors) => {
      const next = new URLSearchParams();
      if (search.value.trim()) next.set('q', search.value.trim());
      if (filterSelect.value) next.set('filter', filterSelect.value);
      if (nextCursors.length) next.set('pages', nextCursors.join(','));
      location.hash = `#/users/${encodeURIComponent(next.toString())}`;
    };
    const form = el(
      'form',
      {
        class: 'search',
        role: 'search',
        onsubmit: (event) => {
          event.preventDefault();
          go([]);
        },
      },
      el('label', { for: 'search' }, 'Search', search),
      el('label', { for: 'filter' }, 'Show', filterSelect),
      el('button', { type: 'submit', text: 'Search' }),
    );
    target.replaceChildren(el('h1', { text: 'Users' }), form, el('p', { class: 'muted', text: 'Searching…' }));

    const apiParams = new URLSearchParams();
    if (query) apiParams.set('q', query);
    else if (filter) apiParams.set('filter', filter);
    if (cursors.length) apiParams.set('cursor', cursors[cursors.length - 1]);
    const page = await api(`api/users?${apiParams.toString()}`);
    const rows = page.users.map((user) =>
      el(
        'tr',
        {},
        el(
          'td',
          { 'data-label': 'User' },
          el('a', { href: `#/user/${user.userGuid}`, text: user.displayName }),
          el('br'),
          el('span', { class: 'muted', text: user.samAccountName }),
        ),
        el('td', { 'data-label': 'Enrolled' }, enrolledTag(user)),
        el('td', { 'data-label': 'Activation' }, activationTag(user)),
        el('td', { 'data-label': 'Devices', text: String(user.activeDevices) }),
        el('td', { 'data-label': 'Last reset or unlock', text: lastAction(user) }),
        el('td', { 'data-label': 'Locked' }, user.lockedAtLastScan ? tag('Locked', 'bad') : tag('No', 'none')),
        el('td', { 'data-label': 'Opted out' }, user.optedOut ? tag('Opted out', 'warn') : tag('No', 'none')),
      ),
    );
    const table = rows.length
      ? el(
          'table',
          {},
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ...[
                'User',
                'Enrolled',
                'Activation',
                'Devices',
                'Last reset or unlock',
                'Locked (last scan)',
                'Opted out',
              ].map((text) => el('th', { scope: 'col', text })),
            ),
          ),
          el('tbody', {}, rows),
        )
      : el('p', { class: 'muted', text: query ? 'Nobody matches.' : 'No users on this list.' });
    const pager = el(
      'div',
      { class: 'pager' },
      cursors.length
        ? el('button', {
            type: 'button',
            class: 'secondary',
            text: 'Previous page',
            onclick: () => go(cursors.slice(0, -1)),
          })
        : undefined,
      page.cursor
        ? el('button', {
            type: 'button',
            class: 'secondary',
            text: 'Next page',
            onclick: () => go([...cursors, page.cursor]),
          })
        : undefined,
    );
    target.replaceChildren(el('h1', { text: 'Users' }), form, table, pager);
  };

  views.user = async (target, userGuid) => {
    const user = await api(`api/users/${encodeURIComponent(userGuid)}`);
    const facts = el(
      'dl',
      { class: 'facts' },
      el('dt', { text: 'Account' }),
      el('dd', { text: user.samAccountName }),
      el('dt', { text: 'Email' }),
      el('dd', { text: user.mail }),
      el('dt', { text: 'Verified phone' }),
      el('dd', { id: 'masked-phone', text: user.maskedPhone || 'None' }),
      el('dt', { text: 'Enrolled' }),
      el('dd', {}, enrolledTag(user)),
      el('dt', { text: 'Activation' }),
      el('dd', {}, activationTag(user), ` ${when(user.activatedAt)}`),
      el('dt', { text: 'Locked (last scan)' }),
      el('dd', {}, user.lockedAtLastScan ? tag('Locked', 'bad') : tag('No', 'none')),
      el('dt', { text: 'Opted out of SMS' }),
      el('dd', {}, user.optedOut ? tag('Opted out', 'warn') : tag('No', 'none')),
      el('dt', { text: 'Last reset or unlock' }),
      el('dd', { text: lastAction(user) }),
    );
    const isAdmin = session.roles.includes('admin');
    const deviceResult = el('p', { role: 'status' });
    const devices = user.devices.length
      ? el(
          'ul',
          {},
          user.devices.map((device) =>
            el(
              'li',
              {},
              `${device.platform} app, bound ${when(device.boundAt)}`,
              device.revokedAt ? ` (revoked ${when(device.revokedAt)})` : ' ',
              // Revoking a device is an admin's decision (issue 12); technicians see the list only.
              isAdmin && !device.revokedAt
                ? el('button', {
                    type: 'button',
                    class: 'secondary',
                    text: 'Revoke',
                    onclick: async (event) => {
                      event.target.disabled = true;
                      try {
                        await api(`api/devices/${device.deviceId}/revoke`, { method: 'POST', body: {} });
                        await route();
                      } catch (error) {
                        if (error.message !== 'signed out') deviceResult.textContent = error.message;
                        event.target.disabled = false;
                      }
                    },
                  })
                : undefined,
            ),
          ),
        )
      : el('p', { class: 'muted', text: 'No app bound.' });
    const timeline = user.timeline.length
      ? el(
          'ol',
          { class: 'timeline' },
          user.timeline.map((event) =>
            el(
              'li',
              {},
              el('strong', { text: actionWords[event.action] || event.action }),
              ` · ${channelWords[event.channel] || event.channel} · `,
              tag(event.result, event.result === 'success' ? 'ok' : event.result === 'refused' ? 'warn' : 'bad'),
              event.reason ? ` · ${event.reason}` : '',
              event.actor ? ` · by ${actorWords(event.actor)}` : '',
              el('br'),
              el('span', { class: 'muted', text: when(event.at) }),
            ),
          ),
        )
      : el('p', { class: 'muted', text: 'Nothing recorded yet.' });
    const actions = el(
      'section',
      { class: 'card', id: 'help-desk', 'aria-labelledby': 'help-desk-title' },
      el('h2', { id: 'help-desk-title', text: 'Help desk' }),
    );
    target.replaceChildren(
      el('p', {}, el('a', { href: '#/users', text: '← Users' })),
      el('h1', { text: user.displayName }),
      el('section', { class: 'card' }, facts),
      actions,
      el('section', { class: 'card' }, el('h2', { text: 'Devices' }), devices, deviceResult),
      el('section', { class: 'card' }, el('h2', { text: 'History' }), timeline),
    );
    if (views.helpDesk) views.helpDesk(actions, user);
  };

  /**
   * Verify caller, then unlock or reset: the buttons for the account stay disabled until the code the caller reads
   * back checks out. The new password never comes here: it goes to the user's phone.
   */
  views.helpDesk = (section, user) => {
    const verified = user.callerVerifiedUntil && new Date(user.callerVerifiedUntil) > new Date();
    const status = el('p', {
      id: 'verify-status',
      role: 'status',
      class: 'muted',
      text: verified
        ? `Caller verified until ${new Date(user.callerVerifiedUntil).toLocaleTimeString()}, for you only.`
        : user.maskedPhone
          ? `Caller not verified. A code goes to ${user.maskedPhone}.`
          : 'No verified phone: the caller cannot be verified by SMS.',
    });
    const codeInput = el('input', {
      id: 'caller-code',
      inputmode: 'numeric',
      autocomplete: 'off',
      maxlength: '6',
      pattern: '[0-9]{6}',
      'aria-describedby': 'verify-status',
    });
    const unlock = el('button', { type: 'button', id: 'unlock', disabled: !verified, text: 'Unlock account' });
    const reset = el('button', {
      type: 'button',
      id: 'reset',
      class: 'danger',
      disabled: !verified,
      text: 'Reset password',
    });
    const result = el('p', { id: 'action-result', role: 'status' });
    const guard = async (button, work) => {
      button.disabled = true;
      try {
        await work();
      } catch (error) {
        if (error.message !== 'signed out') result.textContent = error.message;
      } finally {
        if (button.dataset.keepDisabled !== 'true') button.disabled = false;
      }
    };
    const send = el('button', {
      type: 'button',
      id: 'send-code',
      class: 'secondary',
      disabled: !user.maskedPhone,
      text: 'Verify caller: send code',
    });
    send.addEventListener('click', () =>
      guard(send, async () => {
        await api(`api/users/${user.userGuid}/verify-caller`, { method: 'POST', body: {} });
        status.textContent = `Code sent to ${user.maskedPhone}. Ask the caller to read it to you; it expires in 10 minutes.`;
        codeInput.focus();
      }),
    );
    // The other way: an approval request to the user's Blink app, which shows this technician's name.
    const hasApp = (user.devices || []).some((device) => !device.revokedAt);
    const askApp = el('button', {
      type: 'button',
      id: 'ask-app',
      class: 'secondary',
      disabled: !hasApp,
      text: 'Verify caller: ask the app',
    });
    const showVerified = (until) => {
      status.textContent = `Caller verified until ${new Date(until).toLocaleTimeString()}, for you only.`;
      unlock.disabled = false;
      reset.disabled = false;
    };
    askApp.addEventListener('click', () =>
      guard(askApp, async () => {
        const path = `api/users/${user.userGuid}/verify-caller/app`;
        const asked = await api(path, { method: 'POST', body: {} });
        status.textContent =
          'Approval request sent to the user’s Blink app. Ask the caller to open Blink and approve it. Waiting for the answer…';
        const deadline = new Date(asked.expiresAt).getTime();
        while (Date.now() < deadline + 2000) {
          await new Promise((resolve) => window.setTimeout(resolve, 2000));
          const answer = await api(path);
          if (answer.state === 'approved') return showVerified(answer.verifiedUntil);
          if (answer.state === 'denied') {
            status.textContent = 'The user denied the request in the Blink app. The caller is not verified.';
            return;
          }
          if (answer.state !== 'pending') break;
        }
        status.textContent = 'The approval request ended without an answer. The caller is not verified.';
      }),
    );
    const confirmForm = el(
      'form',
      {
        class: 'actions',
        onsubmit: (event) => {
          event.preventDefault();
          guard(check, async () => {
            const answer = await api(`api/users/${user.userGuid}/verify-caller/confirm`, {
              method: 'POST',
              body: { code: codeInput.value.trim() },
            });
            status.textContent = `Caller verified until ${new Date(answer.verifiedUntil).toLocaleTimeString()}, for you only.`;
            codeInput.value = '';
            unlock.disabled = false;
            reset.disabled = false;
          });
        },
      },
      el('label', { for: 'caller-code', text: 'Code the caller reads' }),
      codeInput,
    );
    const check = el('button', { type: 'submit', id: 'check-code', text: 'Check code' });
    confirmForm.append(check);
    const act = (button, kind, done) =>
      button.addEventListener('click', () =>
        guard(button, async () => {
          await api(`api/users/${user.userGuid}/${kind}`, { method: 'POST', body: {} });
          result.textContent = done;
        }),
      );
    act(
      unlock,
      'unlock',
      'Unlock sent to the directory. The user gets a text when it is done; the result appears in History.',
    );
    act(
      reset,
      'reset',
      'Reset sent to the directory. The new password goes to the user’s phone only; the result appears in History.',
    );
    const resend = el('button', {
      type: 'button',
      id: 'resend-activation',
      class: 'secondary',
      text: 'Resend activation link',
    });
    resend.addEventListener('click', () =>
      guard(resend, async () => {
        const answer = await api(`api/users/${user.userGuid}/resend-activation`, { method: 'POST', body: {} });
        const skipped = answer.skipped && answer.skipped[0];
        result.textContent =
          answer.activated && answer.activated.length
            ? `A new activation link was emailed to ${answer.activated[0].mail}.`
            : `No link sent${skipped ? ` (${skipped.reason})` : ''}.`;
      }),
    );
    const notSetUp = user.activation === 'pending' || user.activation === 'expired';
    section.append(
      status,
      el('div', { class: 'actions' }, send, askApp),
      confirmForm,
      el('div', { class: 'actions' }, unlock, reset, notSetUp ? resend : undefined),
      result,
      el(
        'p',
        {},
        el('a', {
          href: `#/user/${user.userGuid}`,
          id: 'refresh',
          onclick: (event) => {
            event.preventDefault();
            route();
          },
          text: 'Refresh',
        }),
      ),
    );
  };

  document.getElementById('sign-out').addEventListener('click', async () => {
    try {
      await api('sign-out', { method: 'POST', body: {} });
      session = undefined;
      view.replaceChildren(
        el('h1', { text: 'Signed out' }),
        el('p', { text: 'You are signed out of the Blink portal.' }),
        el('a', { class: 'button', href: '/admin/portal/sign-in', text: 'Sign in again' }),
      );
    } catch (error) {
      if (error.message !== 'signed out') say(error.message, true);
    }
  });

  const start = async () => {
    try {
      session = await api('api/session');
    } catch {
      return;
    }
    document.getElementById('who-name').textContent = session.name;
    document.getElementById('who-role').textContent = session.roles.includes('admin') ? 'Admin' : 'Technician';
    window.addEventListener('hashchange', route);
    await route();
  };
  start();
})();
