/**
 * An RFC 3161 timestamp authority of the test's own: a CA and a TSA certificate made with
 * openssl in a temp folder, and `openssl ts -reply` behind a small HTTP handler on
 * 127.0.0.1 (port 0). Never an outside service. Two of them with the same names make a
 * forger: its tokens are well formed and self-consistent but chain to another CA.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { tmpDir } from './tmp.js';

export interface LocalTsa {
  url: string;
  /** The CA certificate (PEM file) that a verifier trusts. */
  caFile: string;
  caPem: string;
  requests: number;
  close(): Promise<void>;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function startLocalTsa(name = 'mapwatch test TSA'): Promise<LocalTsa> {
  const dir = tmpDir({
    'tsa-ext.cnf':
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n',
    tsaserial: '01\n',
  });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '30',
    '-subj',
    `/CN=${name} CA`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(dir, ['req', ...ec, '-keyout', 'tsa.key', '-out', 'tsa.csr', '-subj', `/CN=${name}`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'tsa.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'tsa.crt',
    '-days',
    '30',
    '-extfile',
    'tsa-ext.cnf',
  ]);
  fs.writeFileSync(
    path.join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `dir = ${dir}`,
      'serial = $dir/tsaserial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.crt',
      'certs = $dir/ca.crt',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.99999.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  const tsa: LocalTsa = {
    url: '',
    caFile: path.join(dir, 'ca.crt'),
    caPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    requests: 0,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(400).end();
        return;
      }
      tsa.requests++;
      const n = tsa.requests;
      const q = path.join(dir, `q${n}.tsq`);
      const r = path.join(dir, `r${n}.tsr`);
      fs.writeFileSync(q, Buffer.concat(chunks));
      try {
        openssl(dir, ['ts', '-reply', '-config', path.join(dir, 'tsa.cnf'), '-queryfile', q, '-out', r]);
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(fs.readFileSync(r));
      } catch (err) {
        res.writeHead(500).end(String((err as { stderr?: Buffer }).stderr ?? err));
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  tsa.close = () =>
    new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return tsa;
}
