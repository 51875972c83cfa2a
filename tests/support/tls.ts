// A throwaway self-signed certificate for loopback (127.0.0.1, ::1, localhost), made with the
// machine's openssl. Clients trust it by passing `ca`, not by turning verification off.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TestCert {
  certFile: string
  keyFile: string
  /** PEM text of the certificate, to pass as `tls: { ca }`. */
  ca: string
}

export async function makeTestCert(dir: string): Promise<TestCert> {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  const p = Bun.spawn(
    [
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=leetchat-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdout: 'ignore', stderr: 'pipe' },
  )
  if ((await p.exited) !== 0) throw new Error(`openssl failed: ${await new Response(p.stderr).text()}`)
  return { certFile, keyFile, ca: readFileSync(certFile, 'utf8') }
}
