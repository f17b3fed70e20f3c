import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiHandler } from '../../functions/api/handler.js';
import { pageContentSecurityPolicy, pageRoutes } from '../../functions/api/routes/pages.js';
import { testObservability } from '../support/observability.js';
import { generatedModulePath, renderWebAssetsModule } from '../../scripts/build-web-assets.js';
import { setupCss, setupHtml, setupJs } from '../../web/assets.generated.js';
import { apiEvent } from '../support/api-event.js';
import { captureLogsOfEachTest } from '../support/capture-logs.js';
import { lambdaContext } from '../support/lambda-context.js';

const webDir = join(__dirname, '..', '..', 'web');
// The checks on content read the sources in web/; the served strings are their minified forms.
const source = {
  html: readFileSync(join(webDir, 'setup.html'), 'utf8'),
  // The sheet shared with the app, then the page's own: what the build minifies into setupCss.
  css: ['base.css', 'setup.css'].map((file) => readFileSync(join(webDir, file), 'utf8')).join('\n'),
  js: readFileSync(join(webDir, 'setup.js'), 'utf8'),
};

describe('setup page assets', () => {
  it('are served from a generated module that matches the files in web/ (run `npm run build:web` when this fails)', () => {
    expect(readFileSync(generatedModulePath, 'utf8')).toBe(renderWebAssetsModule());
    // Minified, yet the same page: the markup keeps every id and the script every API path.
    for (const id of source.html.matchAll(/\sid="([^"]+)"/g)) expect(setupHtml).toContain(`id="${id[1]}"`);
    expect(setupJs).toContain('"api/setup/status"');
    expect(setupJs.length).toBeLessThan(source.js.length * 0.75);
    expect(setupCss.length).toBeLessThan(source.css.length * 0.9);
  });

  it('page has no inline script, inline style, event-handler attribute or third-party URL', () => {
    const scriptTags = source.html.match(/<script\b[^>]*>/g) ?? [];
    expect(scriptTags).toEqual(['<script src="assets/setup.js" defer>']);
    expect(source.html).not.toMatch(/<style\b/i);
    expect(source.html).not.toMatch(/\sstyle\s*=/i);
    expect(source.html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(source.html).not.toMatch(/javascript:/i);
    for (const text of [source.html, source.css, source.js]) {
      expect(text).not.toMatch(/https?:\/\//);
      expect(text).not.toMatch(/@import|url\(/);
    }
  });

  it('page refers to its assets and the API with relative URLs, so it also works under a stage path (/prod/setup)', () => {
    expect(source.html).toContain('href="assets/setup.css"');
    expect(source.html).toContain('src="assets/setup.js"');
    const apiPaths = [...source.js.matchAll(/'(\/?api\/[a-z/]+)'/g)].map((match) => match[1]);
    expect(apiPaths).toEqual([
      'api/setup/open',
      'api/setup/phone',
      'api/setup/verify',
      'api/setup/qr',
      'api/setup/status',
    ]);
    expect(new URL('assets/setup.js', 'https://x.example/prod/setup').pathname).toBe('/prod/assets/setup.js');
  });

  it('script writes untrusted text with textContent only and never evaluates strings', () => {
    expect(source.js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    // Every element the script looks up exists on the page (a renamed id would otherwise fail only in a browser).
    const ids = [...source.js.matchAll(/byId\('([^']+)'\)/g)].map((match) => match[1]);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of new Set(ids)) expect(source.html).toContain(`id="${id}"`);
  });

  it('script keeps the token out of URLs: it reads the fragment, clears it and sends the token in bodies', () => {
    expect(source.js).toContain('history.replaceState');
    expect(source.js).not.toMatch(/[?&]t(oken)?=/);
    // Kept for this tab only so a reload resumes (sessionStorage; cleared when setup completes or the link is unusable,
    // README "Setting up a phone"), never where it outlives the tab or travels with requests.
    expect(source.js).not.toMatch(/localStorage|document\.cookie/);
    expect([...new Set([...source.js.matchAll(/sessionStorage\.(\w+)/g)].map((match) => match[1]))].sort()).toEqual([
      'getItem',
      'removeItem',
      'setItem',
    ]);
  });
});

describe('page routes', () => {
  captureLogsOfEachTest();

  const handler = () => createApiHandler({ observability: testObservability(), version: '1', routes: pageRoutes() });

  it.each([
    ['/setup', 'text/html; charset=utf-8', setupHtml],
    ['/assets/setup.js', 'text/javascript; charset=utf-8', setupJs],
    ['/assets/setup.css', 'text/css; charset=utf-8', setupCss],
  ])('GET %s answers with its content type and the strict page headers', async (path, contentType, body) => {
    const response = await handler()(apiEvent('GET', path), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(body);
    expect(response.headers).toEqual({
      'content-type': contentType,
      'content-security-policy': pageContentSecurityPolicy,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': 'max-age=63072000; includeSubDomains',
    });
  });

  it('uses the CSP of the design: nothing inline, nothing third-party, no framing', () => {
    const directives = Object.fromEntries(
      pageContentSecurityPolicy.split(';').map((directive) => {
        const [name = '', ...values] = directive.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'connect-src': "'self'",
      'form-action': "'self'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
  });

  it('answers other methods and unknown assets with the JSON 404', async () => {
    for (const event of [
      apiEvent('POST', '/setup'),
      apiEvent('GET', '/assets/other.js'),
      apiEvent('GET', '/setup/x'),
    ]) {
      const response = await handler()(event, lambdaContext());
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route.' } });
    }
  });

  it('a response cannot be changed through another one (each answer has its own headers object)', async () => {
    const [route] = pageRoutes();
    const first = (await route!.handler(apiEvent('GET', '/setup'), lambdaContext(), () => undefined)) as {
      headers: Record<string, string>;
    };
    first.headers['x-extra'] = 'changed';
    const second = (await route!.handler(apiEvent('GET', '/setup'), lambdaContext(), () => undefined)) as {
      headers: Record<string, string>;
    };
    expect(second.headers['x-extra']).toBeUndefined();
  });
});
