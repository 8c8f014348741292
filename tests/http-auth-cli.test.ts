/**
 * `mapwatch users …` and `mapwatch tokens …` as the built CLI, in a subprocess, with the
 * password piped to stdin as a user would. Every mistake is a clear message and exit code
 * (unknown role, duplicate email, short or missing password, unknown user or token id),
 * never a stack trace; a token is printed once and never appears in a listing.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net, { type AddressInfo } from 'node:net';
import { type CliResult, ensureBuilt, mapwatch as run, ROOT, spawnMapwatch, STACK_TRACE } from './support/cli.js';
import { BACKENDS, POSTGRES_URL } from './support/db.js';
import { tmpDir } from './support/tmp.js';

const backend = BACKENDS[0]!;

/** `mapwatch ARGS` with `input` on stdin. */
function runWithStdin(args: string[], env: Record<string, string>, input: string): Promise<CliResult> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/mapwatch.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, MAPWATCH_DEBUG: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe(`mapwatch users and tokens (${backend})`, { timeout: 300_000 }, () => {
  const schema = `t_${randomBytes(5).toString('hex')}`;
  let env: Record<string, string>;

  const check = (r: CliResult): CliResult => {
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.stderr).not.toContain('internal error');
    return r;
  };
  const mapwatch = async (args: string[]) => check(await run(args, env));
  const add = async (email: string, role: string, password: string) =>
    check(await runWithStdin(['users', 'add', email, '--role', role, '--password-stdin'], env, password));

  beforeAll(() => {
    ensureBuilt();
    env =
      backend === 'postgres'
        ? { DATABASE_URL: POSTGRES_URL, MAPWATCH_DB_SCHEMA: schema, MAPWATCH_DATA_DIR: tmpDir() }
        : { DATABASE_URL: '', MAPWATCH_DATA_DIR: tmpDir() };
  });

  afterAll(async () => {
    if (backend !== 'postgres') return;
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  });

  it('serve logs the app URL, and how to add a first user while there is none', async () => {
    const port = await freePort();
    const svc = spawnMapwatch(
      ['serve', '--no-worker', '--no-scheduler', '--port', String(port)],
      { ...env, REDIS_URL: '' },
      /no users yet.*\n/,
    );
    try {
      await svc.ready;
      expect(svc.stderr()).toContain(`the review app at http://127.0.0.1:${port}/`);
      expect(svc.stderr()).toContain(
        'no users yet: add one with `mapwatch users add EMAIL --role admin --password-stdin`',
      );
      const login = await fetch(`http://127.0.0.1:${port}/login`);
      expect(login.status).toBe(200);
      expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect(await svc.exited).toBe(0);
    expect(svc.stderr()).not.toMatch(STACK_TRACE);
  });

  it('adds users with a password from stdin, and refuses bad input with a clear message', async () => {
    const ok = await add('Ana@Brand.Example', 'admin', 'a long enough password\n');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^added ana@brand\.example \(admin\), id \d+/);
    expect((await add('bo@brand.example', 'viewer', 'another-password')).code).toBe(0);

    const dup = await add('ANA@brand.example', 'ops', 'yet another password');
    expect(dup.code).toBe(4); // conflict
    expect(dup.stderr).toContain('mapwatch: a user with email ana@brand.example already exists');

    const role = await add('cy@brand.example', 'boss', 'a long enough password');
    expect(role.code).toBe(1);
    expect(role.stderr).toContain('--role: "boss" is not a role; use admin, ops, compliance or viewer');

    const short = await add('cy@brand.example', 'ops', 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('password (stdin): must be at least 10 characters');

    const email = await add('not-an-email', 'ops', 'a long enough password');
    expect(email.code).toBe(1);
    expect(email.stderr).toContain('email: is not an email address');

    const empty = await add('cy@brand.example', 'ops', '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('--password-stdin: stdin was empty');

    const noFlag = await mapwatch(['users', 'add', 'cy@brand.example', '--role', 'ops']);
    expect(noFlag.code).toBe(1);
    expect(noFlag.stderr).toContain('--password-stdin is required');

    const noRole = await mapwatch(['users', 'add', 'cy@brand.example', '--password-stdin']);
    expect(noRole.code).toBe(2); // usage error from commander
    expect(noRole.stderr).toMatch(/--role <role>/);
  });

  it('lists users (text and JSON) without their hashes, and disables one', async () => {
    const text = await mapwatch(['users', 'list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ana@brand\.example\s+admin\s+active/);
    expect(text.stdout).toMatch(/bo@brand\.example\s+viewer\s+active/);
    const list = await mapwatch(['users', 'list', '--json']);
    const users = JSON.parse(list.stdout) as { email: string; role: string; disabled: boolean }[];
    expect(users.map((u) => [u.email, u.role, u.disabled])).toEqual([
      ['ana@brand.example', 'admin', false],
      ['bo@brand.example', 'viewer', false],
    ]);
    expect(list.stdout).not.toMatch(/scrypt|password/i);

    const off = await mapwatch(['users', 'disable', 'BO@brand.example']);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('disabled bo@brand.example');
    expect((await mapwatch(['users', 'disable', 'bo@brand.example'])).stdout).toContain('already disabled');
    expect((await mapwatch(['users', 'list'])).stdout).toMatch(/bo@brand\.example\s+viewer\s+disabled/);
    const missing = await mapwatch(['users', 'disable', 'zed@brand.example']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no user with email zed@brand.example');
  });

  it('creates a token printed once, lists tokens without it, and revokes by id', async () => {
    const made = await mapwatch(['tokens', 'create', '--user', 'ana@brand.example', '--name', 'ERP sync']);
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^mwt_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toMatch(/token (\d+) "ERP sync" for ana@brand\.example; it is shown only now/);
    const id = /token (\d+)/.exec(made.stderr)![1]!;

    const list = await mapwatch(['tokens', 'list']);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+ana@brand\\.example\\s+admin\\s+ERP sync\\s+.*active$`, 'm'));
    const json = await mapwatch(['tokens', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id: Number(id), name: 'ERP sync', active: true }),
    ]);
    for (const out of [list.stdout, json.stdout]) expect(out).not.toContain(token.slice(4, 20));

    const disabledUser = await mapwatch(['tokens', 'create', '--user', 'bo@brand.example']);
    expect(disabledUser.code).toBe(4);
    expect(disabledUser.stderr).toContain('user bo@brand.example is disabled');
    const nobody = await mapwatch(['tokens', 'create', '--user', 'zed@brand.example']);
    expect(nobody.code).toBe(3);
    expect(nobody.stderr).toContain('no user with email zed@brand.example');

    const revoked = await mapwatch(['tokens', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked token ${id} "ERP sync"`);
    expect((await mapwatch(['tokens', 'list'])).stdout).toMatch(/revoked \d{4}-\d\d-\d\d/);
    const unknown = await mapwatch(['tokens', 'revoke', '9999']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no API token with id 9999');
    const bad = await mapwatch(['tokens', 'revoke', 'abc']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ID: "abc" is not a token id');
  });
});
