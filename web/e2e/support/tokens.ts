// Access tokens as the auth service signs them, with an expiry of our choosing: signed with
// the development key the system under test generated (scripts/e2e.sh passes its path).

import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const keyFile = process.env.FOLIO_JWT_KEY_FILE ?? '';

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * The key of a PKCS#8 PEM. The dev key is written in PKCS#8 v2 (with its public key),
 * which Node's OpenSSL refuses for Ed25519; its 32-byte seed goes into a v1 structure.
 */
function ed25519Key(pem: string) {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const seed = der.subarray(der.indexOf(Buffer.from([0x04, 0x22, 0x04, 0x20])) + 4).subarray(0, 32);
  const v1Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([v1Prefix, seed]), format: 'der', type: 'pkcs8' });
}

/** `token` (a real one) re-signed with every claim kept but `exp` moved to now + `seconds`. */
export function resignedCopy(token: string, seconds: number): string {
  if (!keyFile) throw new Error('FOLIO_JWT_KEY_FILE is not set: run the tests with scripts/e2e.sh');
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((piece) => JSON.parse(Buffer.from(piece, 'base64url').toString()));
  const now = Math.floor(Date.now() / 1000);
  const claims = { ...payload, iat: Math.min(now, now + seconds - 60), exp: now + seconds };
  const signingInput = `${part(header)}.${part(claims)}`;
  const signature = sign(
    null,
    Buffer.from(signingInput),
    ed25519Key(readFileSync(keyFile, 'utf8')),
  );
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** `token` re-signed to have expired an hour ago. */
export function expiredCopy(token: string): string {
  return resignedCopy(token, -3600);
}
