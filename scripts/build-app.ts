/**
 * Builds the Blink app (app/): esbuild bundles its TypeScript (split, so the QR decoder and JOSE load only when used),
 * the style sheet is minified, the service worker gets the list of shell files, and the icons are drawn here as PNGs.
 * `npm run build:app` writes dist/app/ (what the BlinkApi stack uploads to S3; never part of the api function's
 * bundle); the local runtime builds the same files in memory on the first request for /app/ (buildAppFiles).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { build, transform, type Metafile } from 'esbuild';
import { baseCssPath, withSharedHead } from './build-web-assets.js';

const appDir = resolve(__dirname, '..', 'app');
export const appOutDir = resolve(__dirname, '..', 'dist', 'app');
/** Phones the app supports: iOS 16.4 (web push on the Home Screen) and current Android Chrome. */
const browsers = ['chrome110', 'edge110', 'firefox110', 'safari16.4', 'ios16.4'];

export interface AppFiles {
  /** File name (relative to /app/) → contents. */
  files: Map<string, Buffer>;
  /** Gzipped bytes of the JavaScript the first screen loads (main.js and the chunks it imports statically). */
  firstScreenJsGzipBytes: number;
}

export async function buildAppFiles(): Promise<AppFiles> {
  const files = new Map<string, Buffer>();
  const scripts = await build({
    entryPoints: { main: join(appDir, 'src', 'main.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: browsers,
    legalComments: 'none',
    outdir: '/app',
    chunkNames: 'chunk-[hash]',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  for (const output of scripts.outputFiles) files.set(relative('/app', output.path), Buffer.from(output.contents));
  const firstScreenJsGzipBytes = firstScreenFiles(scripts.metafile).reduce(
    (sum, file) => sum + gzipSync(files.get(file) ?? Buffer.alloc(0)).length,
    0,
  );

  const page = withSharedHead(readFileSync(join(appDir, 'index.html'), 'utf8'));
  files.set('index.html', Buffer.from(page.replace(/\n\s*/g, '\n')));
  // The sheet shared with the setup page comes first, then the app's own rules.
  const sheets = [baseCssPath, join(appDir, 'app.css')].map((file) => readFileSync(file, 'utf8'));
  const css = await transform(sheets.join('\n'), {
    loader: 'css',
    minify: true,
    target: browsers,
  });
  files.set('app.css', Buffer.from(css.code));
  files.set('manifest.webmanifest', readFileSync(join(appDir, 'manifest.webmanifest')));
  files.set('icon-192.png', icon(192, false));
  files.set('icon-512.png', icon(512, false));
  files.set('icon-maskable-512.png', icon(512, true));
  files.set('icon-180.png', icon(180, true));

  // The shell: everything the first screen needs. The lazily loaded chunks (camera scanner, JOSE) stay online-only.
  const shell = ['', 'app.css', 'manifest.webmanifest', 'icon-192.png', ...firstScreenFiles(scripts.metafile)];
  const version = createHash('sha256');
  for (const file of [...shell, 'index.html']) version.update(file).update(files.get(file) ?? '');
  const worker = await build({
    entryPoints: [join(appDir, 'sw', 'sw.ts')],
    bundle: true,
    format: 'iife',
    minify: true,
    target: browsers,
    write: false,
    logLevel: 'silent',
    define: { SHELL_FILES: JSON.stringify(shell), SHELL_VERSION: JSON.stringify(version.digest('hex').slice(0, 16)) },
  });
  files.set('sw.js', Buffer.from(worker.outputFiles[0]?.contents ?? new Uint8Array()));
  return { files, firstScreenJsGzipBytes };
}

/** main.js and every chunk it imports statically (dynamic imports are loaded later, on the screen that needs them). */
function firstScreenFiles(metafile: Metafile): string[] {
  const seen = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? [])
      if (imported.kind === 'import-statement') visit(imported.path);
  };
  const main = Object.keys(metafile.outputs).find((output) => output.endsWith('/main.js'));
  if (main) visit(main);
  return [...seen].map((output) => relative('/app', resolve('/', output)));
}

// ---- icons: a blue tile with a white keyhole, drawn pixel by pixel into a PNG ----

/**
 * `fullBleed` (maskable, Apple touch icon): colour to the edges, the mark inside the central 60 % safe zone. Otherwise
 * a rounded tile with transparent corners.
 */
function icon(size: number, fullBleed: boolean): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const radius = fullBleed ? 0 : size * 0.22;
  const scale = fullBleed ? 0.62 : 0.8;
  const centre = size / 2;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const offset = (y * size + x) * 4;
      if (!insideRoundedSquare(x + 0.5, y + 0.5, size, radius)) continue;
      const t = (x + y) / (2 * size);
      let [r, g, b] = [
        Math.round(0x3b + (0x1e - 0x3b) * t),
        Math.round(0x82 + (0x3a - 0x82) * t),
        Math.round(0xf6 + (0x8a - 0xf6) * t),
      ];
      // Keyhole: a circle above a tapering stem, in units of the mark's box.
      const u = (x + 0.5 - centre) / (size * scale);
      const v = (y + 0.5 - centre) / (size * scale);
      const inCircle = u * u + (v + 0.1) * (v + 0.1) < 0.16 * 0.16;
      const inStem = v > -0.1 && v < 0.28 && Math.abs(u) < 0.07 + (v + 0.1) * 0.12;
      if (inCircle || inStem) [r, g, b] = [255, 255, 255];
      pixels.set([r, g, b, 255], offset);
    }
  }
  return png(size, pixels);
}

function insideRoundedSquare(x: number, y: number, size: number, radius: number): boolean {
  const dx = Math.max(radius - x, 0, x - (size - radius));
  const dy = Math.max(radius - y, 0, y - (size - radius));
  return dx * dx + dy * dy <= radius * radius;
}

function png(size: number, rgba: Buffer): Buffer {
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y += 1) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

if (require.main === module) {
  void buildAppFiles().then(({ files, firstScreenJsGzipBytes }) => {
    rmSync(appOutDir, { recursive: true, force: true });
    for (const [name, contents] of files) {
      mkdirSync(resolve(appOutDir, name, '..'), { recursive: true });
      writeFileSync(join(appOutDir, name), contents);
    }
    console.log(
      `build-app: wrote ${files.size} files to ${appOutDir}; first-screen JS ${(firstScreenJsGzipBytes / 1024).toFixed(1)} KB gzipped`,
    );
  });
}
