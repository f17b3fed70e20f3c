import QRCode from 'qrcode';
import { qrCodeSvg } from '../../shared/adapters/qr/svg-qr-code.js';

describe('qrCodeSvg', () => {
  it('draws exactly what the qrcode package draws through its public API', async () => {
    for (const text of ['blink://enroll?v=1&api=https%3A%2F%2Fblink.example.com&code=Zm9vYmFyYmF6cXV4MTIzNA', 'x']) {
      const expected = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      expect(qrCodeSvg(text)).toBe(expected);
    }
    expect(qrCodeSvg('a')).not.toBe(qrCodeSvg('b'));
  });
});
