/// <reference lib="webworker" />
/**
 * The app's service worker. It caches the app shell only (its HTML, script, style sheet, manifest and icons, listed at
 * build time), so the app opens offline and says so; it never touches an API answer (every /api/ request goes to the
 * network untouched). It also shows lockout notifications (Web Push) and opens the app on the action tapped.
 */
export {};
declare const self: ServiceWorkerGlobalScope;
/** Filled in by scripts/build-app.ts: the shell's files (relative to the scope) and a version that changes with them. */
declare const SHELL_FILES: string[];
declare const SHELL_VERSION: string;

const CACHE = `blink-app-shell-${SHELL_VERSION}`;
const ACTIONS = new Set(['reset', 'unlock']);

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL_FILES.map((file) => new URL(file, self.registration.scope).href)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith('blink-app-shell-') && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope);
  // Only GETs of this app's own files: API answers, other origins and anything else pass through untouched.
  if (request.method !== 'GET' || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (request.mode === 'navigate') {
    // The page from the network when there is one (a new version); the cached shell offline.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(scope.href, { cacheName: CACHE })) ?? Response.error()),
    );
    return;
  }
  const file = url.pathname.slice(scope.pathname.length);
  if (!SHELL_FILES.includes(file)) return;
  event.respondWith(
    caches.match(request, { cacheName: CACHE, ignoreSearch: true }).then((cached) => cached ?? fetch(request)),
  );
});

interface LockoutPush {
  title: string;
  body: string;
  data?: { kind?: string; url?: string };
  actions?: Array<{ action: string; title: string }>;
}

self.addEventListener('push', (event) => {
  let push: LockoutPush;
  try {
    push = event.data?.json() as LockoutPush;
  } catch {
    return;
  }
  if (typeof push?.title !== 'string') return;
  const actions = (push.actions ?? [])
    .filter((action) => ACTIONS.has(action.action))
    .map(({ action, title }) => ({ action, title }));
  const options: NotificationOptions & { actions?: typeof actions } = {
    body: String(push.body ?? ''),
    data: push.data ?? {},
    icon: new URL('icon-192.png', self.registration.scope).href,
    tag: push.data?.kind ?? 'blink',
    actions,
  };
  event.waitUntil(self.registration.showNotification(push.title, options));
});

/** The action to open: the button tapped, else the one in the notification's url, else none (home). */
function actionOf(clicked: string, data: { url?: string } | undefined): string | undefined {
  if (ACTIONS.has(clicked)) return clicked;
  try {
    const fromUrl = new URL(String(data?.url ?? ''), self.registration.scope).searchParams.get('action') ?? '';
    return ACTIONS.has(fromUrl) ? fromUrl : undefined;
  } catch {
    return undefined;
  }
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const action = actionOf(event.action, event.notification.data as { url?: string } | undefined);
  const target = new URL(action ? `?action=${action}` : '', self.registration.scope).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
      const open = windows.find((client) => client.url.startsWith(self.registration.scope));
      if (open) {
        const navigated = await open.navigate(target).catch(() => null);
        // focus() needs the tap's user activation; a window brought to the action is enough without it.
        await (navigated ?? open).focus().catch(() => undefined);
        return;
      }
      await self.clients.openWindow(target);
    }),
  );
});
