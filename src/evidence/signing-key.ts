/**
 * The organisation's Ed25519 signing key (`mapwatch keys create`): a PKCS#8 PEM file only
 * its owner may read (mode 0600) at MAPWATCH_SIGNING_KEY, with the public key beside it
 * (`<file>.pub`, SPKI PEM) to hand to whoever must check a bundle. A key file others can
 * read is refused: a signature is worth only as much as the key's secrecy.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

export interface Signer {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function createSigningKey(): Signer {
  return generateKeyPairSync('ed25519');
}

export const publicKeyPathOf = (keyFile: string) => `${keyFile}.pub`;

/** Writes a new key pair; refuses to overwrite an existing key unless `force`. */
export function writeSigningKey(keyFile: string, opts: { force?: boolean } = {}): Signer & { publicFile: string } {
  if (fs.existsSync(keyFile) && !opts.force)
    throw new UserError(
      `${keyFile}: a signing key already exists (bundles signed with it verify only against its public key); --force replaces it`,
    );
  fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  const signer = createSigningKey();
  const pem = signer.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  fs.rmSync(keyFile, { force: true });
  fs.writeFileSync(keyFile, pem, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(keyFile, 0o600); // the umask can only remove bits, but say it outright
  const publicFile = publicKeyPathOf(keyFile);
  fs.writeFileSync(publicFile, publicKeyPem(signer.publicKey), { mode: 0o644 });
  return { ...signer, publicFile };
}

export function loadSigningKey(keyFile: string): Signer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(keyFile);
  } catch {
    throw new UserError(`MAPWATCH_SIGNING_KEY ${keyFile}: no such file (create one with \`mapwatch keys create\`)`);
  }
  if (process.platform !== 'win32' && stat.mode & 0o077)
    throw new UserError(
      `MAPWATCH_SIGNING_KEY ${keyFile}: readable by others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(fs.readFileSync(keyFile));
  } catch (err) {
    throw new UserError(`MAPWATCH_SIGNING_KEY ${keyFile}: not a private key in PEM (${(err as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new UserError(`MAPWATCH_SIGNING_KEY ${keyFile}: a ${privateKey.asymmetricKeyType} key, expected Ed25519`);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

/** Base64 of the SPKI DER: the `publicKey` field of the WACZ signing spec. */
export function publicKeyBase64(key: KeyObject): string {
  return (key.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
}

/** `sha256:<hex>` of the SPKI DER: short enough to read out over the phone. */
export function keyFingerprint(key: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }) as Buffer)
    .digest('hex')}`;
}

/** Reads a public key (SPKI PEM, or the private key file, whose public half is taken). */
export function readPublicKey(file: string): KeyObject {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`--public-key ${file}: no such file`);
  }
  try {
    return createPublicKey(text);
  } catch (err) {
    throw new UserError(`--public-key ${file}: not a public key in PEM (${(err as Error).message})`);
  }
}
