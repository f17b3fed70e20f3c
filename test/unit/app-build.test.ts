import { buildAppFiles } from '../../scripts/build-app.js';

// The app's build (scripts/build-app.ts): the first screen's JavaScript budget, what the service worker caches, and
// that the QR decoder and JOSE are not on the first screen.

describe('the Blink app build', () => {
  let built: Awaited<ReturnType<typeof buildAppFiles>>;
  beforeAll(async () => {
    built = await buildAppFiles();
  });

  it('keeps the first screen within 60 KB of gzipped JavaScript, the decoders loaded later', () => {
    expect(built.firstScreenJsGzipBytes).toBeGreaterThan(1000);
    expect(built.firstScreenJsGzipBytes).toBeLessThanOrEqual(60 * 1024);
    const main = built.files.get('main.js')?.toString('utf8') ?? '';
    // jsQR's and JOSE's code is in chunks the main script imports dynamically only.
    expect(main).not.toMatch(/jsQR|ECDH-ES\+A256KW/);
    const chunks = [...built.files.entries()]
      .filter(([name]) => name.startsWith('chunk-'))
      .map(([, body]) => body.toString('utf8'));
    expect(chunks.some((chunk) => /ECDH-ES\+A256KW/.test(chunk))).toBe(true);
  });

  it('has the manifest Chromium installs from: names, standalone, start URL, 192 and 512 icons incl. maskable', () => {
    const manifest = JSON.parse(built.files.get('manifest.webmanifest')?.toString('utf8') ?? '{}') as {
      name: string;
      short_name: string;
      display: string;
      start_url: string;
      theme_color: string;
      icons: Array<{ src: string; sizes: string; purpose: string }>;
    };
    expect(manifest).toMatchObject({
      short_name: 'Blink',
      display: 'standalone',
      start_url: './',
      theme_color: '#1d4ed8',
    });
    expect(manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose}`)).toEqual([
      '192x192 any',
      '512x512 any',
      '512x512 maskable',
    ]);
    for (const icon of manifest.icons) {
      const png = built.files.get(icon.src);
      expect(png?.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect(png?.readUInt32BE(16)).toBe(Number(icon.sizes.split('x')[0]));
    }
  });

  it('gives the service worker the shell only: never an API path, never the lazily loaded chunks', () => {
    const worker = built.files.get('sw.js')?.toString('utf8') ?? '';
    const shell = JSON.parse(/\["",[^\]]*\]/.exec(worker)?.[0] ?? '[]') as string[];
    expect(shell).toEqual(expect.arrayContaining(['', 'app.css', 'main.js', 'manifest.webmanifest']));
    expect(shell.some((file) => file.includes('api'))).toBe(false);
    const lazy = [...built.files.entries()].filter(
      ([name, body]) => name.startsWith('chunk-') && /ECDH-ES\+A256KW|jsQR/.test(body.toString('utf8')),
    );
    for (const [name] of lazy) expect(shell).not.toContain(name);
  });
});
