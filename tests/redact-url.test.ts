/**
 * Passwords in URLs never reach output: a URL with a password and no user name
 * (`redis://:pw@…`) used to be printed in clear. Unit cases, then the real CLI with
 * unreachable DATABASE_URL and REDIS_URL carrying a password.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMailTransport } from '../src/notify/mail-transport.js';
import { redactUrl } from '../src/redact-url.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECRET = 'Sekr3tPw';

describe('redactUrl', () => {
  it.each([
    [`redis://:${SECRET}@127.0.0.1:6379/0`, 'redis://:***@127.0.0.1:6379/0'],
    [`postgres://:${SECRET}@db.example:5432/app`, 'postgres://:***@db.example:5432/app'],
    [`smtp://:${SECRET}@mail.example:587`, 'smtp://:***@mail.example:587'],
    [`postgres://app:${SECRET}@db.example/app`, 'postgres://app:***@db.example/app'],
    [`smtps://u%40x:${SECRET}@mail.example`, 'smtps://u%40x:***@mail.example'],
    [`https://${SECRET}@git.example/repo`, 'https://***@git.example/repo'],
    [
      `postgres://db.example/app?sslmode=require&password=${SECRET}`,
      'postgres://db.example/app?sslmode=require&password=***',
    ],
    [`rediss://:p@ss:${SECRET}@cache.example:6380`, 'rediss://:***@cache.example:6380'],
    ['postgres://app@db.example/app', 'postgres://***@db.example/app'],
    ['http://127.0.0.1:8080/p?q=1', 'http://127.0.0.1:8080/p?q=1'],
  ])('%s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
    expect(redactUrl(input)).not.toContain(SECRET);
  });

  it('redacts URLs inside free text, such as a driver error message', () => {
    const msg = `connect ECONNREFUSED for redis://:${SECRET}@127.0.0.1:1 and postgres://:${SECRET}@127.0.0.1:2/x`;
    expect(redactUrl(msg)).toBe('connect ECONNREFUSED for redis://:***@127.0.0.1:1 and postgres://:***@127.0.0.1:2/x');
  });

  it('the SMTP transport describes itself without the password', () => {
    const t = createMailTransport({ smtpUrl: `smtp://:${SECRET}@127.0.0.1:2525`, dataDir: tmpDir() });
    expect(t.where).not.toContain(SECRET);
    expect(t.where).toContain('127.0.0.1:2525');
  });
});

describe('the CLI prints no password of a connection URL', { timeout: 120_000 }, () => {
  const run = (args: string[], env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', MAPWATCH_DEBUG: '1', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return `${r.stdout}\n${r.stderr}`;
  };

  it('DATABASE_URL with a password and no user name', () => {
    const out = run(['cases'], { DATABASE_URL: `postgres://:${SECRET}@127.0.0.1:1/nope` });
    expect(out).toContain('127.0.0.1:1');
    expect(out).not.toContain(SECRET);
  });

  it('REDIS_URL with a password and no user name', () => {
    const out = run(['queues'], {
      REDIS_URL: `redis://:${SECRET}@127.0.0.1:1/0`,
      MAPWATCH_DATA_DIR: tmpDir(),
    });
    expect(out).toContain('127.0.0.1:1');
    expect(out).not.toContain(SECRET);
  });
});
