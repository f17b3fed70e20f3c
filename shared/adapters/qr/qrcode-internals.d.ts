// Types of the two qrcode modules svg-qr-code.ts imports directly (the package's types cover only its entry point).
declare module 'qrcode/lib/core/qrcode.js' {
  export interface QrSymbol {
    modules: { size: number; data: Uint8Array };
  }
  export function create(text: string, options: { errorCorrectionLevel: 'L' | 'M' | 'Q' | 'H' }): QrSymbol;
}

declare module 'qrcode/lib/renderer/svg-tag.js' {
  import type { QrSymbol } from 'qrcode/lib/core/qrcode.js';
  export function render(symbol: QrSymbol, options: { margin: number }): string;
}
