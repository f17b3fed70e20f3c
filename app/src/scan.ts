import jsQR from 'jsqr';

/**
 * The camera QR scanner, loaded only on the scan screen (jsQR; BarcodeDetector is used instead where the browser has
 * it). Calls `found` with the first QR text that passes `accept`, then stops the camera.
 */
export interface Scanner {
  stop(): void;
}

interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}

export async function startScanner(
  video: HTMLVideoElement,
  accept: (text: string) => boolean,
  found: (text: string) => void,
): Promise<Scanner> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const Detector = (globalThis as { BarcodeDetector?: new (options: { formats: string[] }) => BarcodeDetectorLike })
    .BarcodeDetector;
  const detector = Detector ? new Detector({ formats: ['qr_code'] }) : undefined;
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });

  const decode = async (): Promise<string | undefined> => {
    if (detector) return (await detector.detect(video))[0]?.rawValue;
    if (!context || !video.videoWidth) return undefined;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data;
  };
  const tick = async () => {
    if (stopped) return;
    const text = await decode().catch(() => undefined);
    if (text !== undefined && accept(text)) {
      stop();
      found(text);
      return;
    }
    setTimeout(() => void tick(), 150);
  };
  void tick();
  return { stop };
}
