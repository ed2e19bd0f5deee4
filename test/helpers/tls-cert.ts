import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  keyFile: string;
  certFile: string;
}

/**
 * A throw-away self-signed certificate for `localhost`/127.0.0.1, made by openssl in the
 * test's own temporary folder (no private key is ever committed). The certificate is
 * its own CA: clients verify against `certFile`.
 */
export async function makeTestCertificate(dir: string): Promise<TestCertificate> {
  const keyFile = path.join(dir, 'smtp.key.pem');
  const certFile = path.join(dir, 'smtp.cert.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  return { keyFile, certFile };
}
