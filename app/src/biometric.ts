/**
 * Touch ID / Face ID / fingerprint / Windows Hello through WebAuthn: a platform credential registered at binding, and
 * an assertion over a server-issued challenge with every reset and unlock. The server checks the user-verified flag,
 * so a phone that skipped the check is refused there, not only here. @simplewebauthn/browser is loaded on use.
 */
export async function biometricAvailable(): Promise<boolean> {
  try {
    return (
      typeof PublicKeyCredential !== 'undefined' &&
      (await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable())
    );
  } catch {
    return false;
  }
}

export async function registerBiometric(optionsJSON: unknown): Promise<{ id: string } & Record<string, unknown>> {
  const { startRegistration } = await import('@simplewebauthn/browser');
  return (await startRegistration({
    optionsJSON: optionsJSON as Parameters<typeof startRegistration>[0]['optionsJSON'],
  })) as unknown as { id: string } & Record<string, unknown>;
}

export async function assertWithBiometric(optionsJSON: unknown): Promise<Record<string, unknown>> {
  const { startAuthentication } = await import('@simplewebauthn/browser');
  return (await startAuthentication({
    optionsJSON: optionsJSON as Parameters<typeof startAuthentication>[0]['optionsJSON'],
  })) as unknown as Record<string, unknown>;
}
