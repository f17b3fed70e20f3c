/** What the phone is, as far as the browser tells: for the install help and the name of its biometric unlock. */
export type PhonePlatform = 'ios' | 'android' | 'other';

export function phonePlatform(): PhonePlatform {
  const agent = navigator.userAgent;
  if (/iPhone|iPad|iPod/.test(agent) || (/Macintosh/.test(agent) && navigator.maxTouchPoints > 1)) return 'ios';
  if (/Android/.test(agent)) return 'android';
  return 'other';
}

/** The biometric unlock as the platform calls it (the guide says Touch ID/Face ID; Android and Windows differ). */
export function biometricName(): string {
  const agent = navigator.userAgent;
  if (/iPhone|iPad|iPod/.test(agent)) return 'Face ID or Touch ID';
  if (/Android/.test(agent)) return 'Fingerprint or face unlock';
  if (/Windows/.test(agent)) return 'Windows Hello';
  if (/Macintosh/.test(agent)) return 'Touch ID';
  return 'Touch ID/Face ID';
}

/** Opened from the Home Screen icon (installed), not in a browser tab. */
export function isInstalled(): boolean {
  return (
    matchMedia('(display-mode: standalone)').matches ||
    (navigator as Navigator & { standalone?: boolean }).standalone === true
  );
}
