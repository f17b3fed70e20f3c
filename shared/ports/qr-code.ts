/** Draws a QR code; setup shows the app's binding URI as one. */
export interface QrCodeRenderer {
  /** An SVG document of `text` as a QR code. */
  svg(text: string): string;
}
