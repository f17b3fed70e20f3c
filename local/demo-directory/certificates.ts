import { generate } from 'selfsigned';

export interface DemoCertificates {
  /** PEM of the CA the runtime generated at start; clients verify the directory's certificate against it. */
  caPem: string;
  certificatePem: string;
  keyPem: string;
}

/**
 * A fresh CA and a server certificate for 127.0.0.1/localhost signed by it, so that the LDAP adapter verifies the demo
 * directory exactly as it verifies a real DC (with the certificate checked against this CA, never unchecked). Keys live in memory only.
 */
export async function createDemoCertificates(): Promise<DemoCertificates> {
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'Blink local demo CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certificatePem: server.cert, keyPem: server.private };
}
