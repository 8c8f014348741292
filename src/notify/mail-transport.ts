/**
 * Where mail goes. With MAPWATCH_SMTP_URL (smtp:// or smtps://, credentials in the URL,
 * so they only ever live in the environment) it is sent by SMTP through nodemailer.
 * Without it, the embedded default writes each message as an .eml file into
 * `<data dir>/outbox`, named after its Message-ID, so a message is written at most once
 * and a re-run can see that it already was.
 */
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { redactUrl } from '../redact-url.js';
import { UserError } from '../errors.js';

export type OutgoingMail = Mail.Options & { messageId: string };

export interface MailTransport {
  kind: 'smtp' | 'file';
  /** Human description: the SMTP host, or the folder. */
  where: string;
  /** Resolves with the server's response; rejects with a SendError. */
  send(mail: OutgoingMail): Promise<string>;
  /** Whether a message with this Message-ID was already delivered (null: this transport cannot tell). */
  confirm(messageId: string): Promise<boolean | null>;
  close(): void;
}

/** A failed send. `retryable` says whether trying again later can help (4xx, network) or not (5xx, bad address). */
export class SendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SendError';
  }
}

export function classifySendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const e = err as { message?: string; responseCode?: number; code?: string; response?: string };
  const msg = (e.response ?? e.message ?? String(err)).trim();
  if (typeof e.responseCode === 'number') {
    return new SendError(`SMTP server refused (${e.responseCode}): ${msg}`, e.responseCode < 500, { cause: err });
  }
  if (e.code === 'EENVELOPE') return new SendError(`invalid envelope: ${msg}`, false, { cause: err });
  return new SendError(`could not reach the SMTP server (${e.code ?? 'error'}): ${msg}`, true, { cause: err });
}

export function emlFileName(messageId: string): string {
  return messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._-]/g, '_') + '.eml';
}

export function createMailTransport(opts: { smtpUrl?: string; dataDir: string }): MailTransport {
  if (opts.smtpUrl) return smtpTransport(opts.smtpUrl);
  return fileTransport(path.join(opts.dataDir, 'outbox'));
}

function smtpTransport(url: string): MailTransport {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`MAPWATCH_SMTP_URL: not a URL (expected smtp://user:password@host:587)`);
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')
    throw new UserError(`MAPWATCH_SMTP_URL: must start with smtp:// or smtps://, got ${parsed.protocol}//`);
  // Short timeouts: a hung server must fail this attempt well within the sender's lease.
  const t = nodemailer.createTransport(url, {
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } as object);
  return {
    kind: 'smtp',
    where: redactUrl(url),
    async send(mail) {
      try {
        const info = await t.sendMail(mail);
        if (info.rejected?.length)
          throw new SendError(`SMTP server rejected ${info.rejected.join(', ')}: ${info.response}`, false);
        return String(info.response ?? 'accepted');
      } catch (err) {
        throw classifySendError(err);
      }
    },
    // SMTP has no way to ask whether a message was accepted earlier.
    confirm: async () => null,
    close: () => t.close(),
  };
}

function fileTransport(dir: string): MailTransport {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    where: dir,
    async send(mail) {
      const info = await t.sendMail(mail);
      try {
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, emlFileName(mail.messageId));
        // Write then rename: a crash leaves no half-written .eml that would look delivered.
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, info.message as Buffer);
        fs.renameSync(tmp, file);
        return `written to ${file}`;
      } catch (err) {
        throw new SendError(`cannot write to ${dir}: ${(err as Error).message}`, true, { cause: err });
      }
    },
    confirm: async (messageId) => fs.existsSync(path.join(dir, emlFileName(messageId))),
    close: () => t.close(),
  };
}
