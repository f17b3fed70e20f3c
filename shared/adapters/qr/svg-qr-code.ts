// The qrcode package's encoder and SVG renderer, without its PNG, terminal and UTF-8 renderers (and pngjs), which a
// server that only draws SVG never uses: ~40 KB less in the api bundle. The same two modules its browser build uses.
import { create } from 'qrcode/lib/core/qrcode.js';
import { render } from 'qrcode/lib/renderer/svg-tag.js';
import type { QrCodeRenderer } from '../../ports/qr-code.js';

/** An SVG document of `text` as a QR code (error correction M, quiet zone of 2 modules). */
export function qrCodeSvg(text: string): string {
  const symbol = create(text, { errorCorrectionLevel: 'M' });
  return render(symbol, { margin: 2 });
}

/** The QR renderer port over qrCodeSvg. */
export const svgQrCodeRenderer: QrCodeRenderer = { svg: qrCodeSvg };
