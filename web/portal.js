/* global document, window, fetch, location */
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
  window.blinkPortal = { el, api, say, views, get session() { return session; } };

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

  views.users = (target) => {
    target.replaceChildren(el('h1', { text: 'Users' }), el('p', { class: 'muted', text: 'Search for a user by name, account name, UPN or the last digits of their phone.' }));
  };

  document.getElementById('sign-out').addEventListener('click', async () => {
    try {
      await api('sign-out', { method: 'POST', body: {} });
      session = undefined;
      view.replaceChildren(el('h1', { text: 'Signed out' }), el('p', { text: 'You are signed out of the Blink portal.' }),
        el('a', { class: 'button', href: '/admin/portal/sign-in', text: 'Sign in again' }));
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
