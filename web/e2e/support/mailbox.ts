// Reads the mails the SMTP catcher (scripts/smtp_sink.py) wrote to FOLIO_MAILDIR, one
// file per message, and pulls the text out of their MIME parts.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const maildir = process.env.FOLIO_MAILDIR ?? '';

/** Waits for the first mail to `address` and returns its decoded text parts. */
export async function waitForMail(address: string, timeoutMs = 20_000): Promise<string> {
  if (!maildir) throw new Error('FOLIO_MAILDIR is not set: run the tests with scripts/e2e.sh');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const name of (await readdir(maildir)).filter(
      (n) => n.endsWith('.eml') && !n.startsWith('.'),
    )) {
      const raw = await readFile(join(maildir, name), 'latin1');
      const envelope = /^X-Envelope-To: (.*)$/m.exec(raw)?.[1] ?? '';
      if (envelope.split(',').includes(address)) return decodeParts(raw);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no mail to ${address} within ${timeoutMs} ms`);
}

/** The reset link of a password-reset mail. */
export function resetLink(mail: string): URL {
  const match = /https?:\/\/\S+?\/reset-password\?token=[A-Za-z0-9_-]+/.exec(mail);
  if (!match) throw new Error(`no reset link in the mail:\n${mail}`);
  return new URL(match[0]);
}

/** Every part's body, decoded from base64 or quoted-printable, joined. */
function decodeParts(raw: string): string {
  const message = raw.replace(/\r\n/g, '\n');
  const sections = message.split(/\n--[^\n]+\n/);
  return sections
    .map((section) => {
      const split = section.indexOf('\n\n');
      if (split < 0) return section;
      const headers = section.slice(0, split);
      const body = section.slice(split + 2);
      const encoding = /Content-Transfer-Encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
      if (encoding === 'base64')
        return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
      if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
      return body;
    })
    .join('\n');
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
