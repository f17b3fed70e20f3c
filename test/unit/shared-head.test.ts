import { buildAppFiles } from '../../scripts/build-app.js';
import { withSharedHead } from '../../scripts/build-web-assets.js';
import { portalHtml, setupHtml } from '../../web/assets.generated.js';

// Every page Blink serves starts the same way (web/head.html, put by the build in place of each page's first line):
// the referrer and indexing rules are written once, so no page can be served without them.
describe('the start every page shares', () => {
  it('begins the setup page, the portal and the app as served', async () => {
    const app = (await buildAppFiles()).files.get('index.html')?.toString('utf8') ?? '';
    for (const page of [setupHtml, portalHtml, app]) {
      expect(page).toMatch(/^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n/);
      expect(page).toContain('<meta name="referrer" content="no-referrer">');
      expect(page).toContain('<meta name="robots" content="noindex, nofollow">');
      expect(page).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1[^"]*">/);
      expect(page.match(/<!doctype/gi)).toHaveLength(1);
      expect(page).not.toContain('web/head.html');
    }
  });

  it('is required: a page whose first line does not name it fails the build', () => {
    expect(() => withSharedHead('<!doctype html>\n<title>Blink</title>\n')).toThrow(/web\/head\.html/);
  });
});
