/**
 * `mapwatch users add|list|disable` and `mapwatch tokens create|list|revoke`: the review
 * app's accounts and API tokens. A password is only ever read from stdin (an argument would
 * show in `ps` and the shell history); a token is printed once and never stored.
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { json, safeText, table } from '../output.js';
import { type EnvLoader, withDb } from '../with-db.js';

const stamp = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');

/** The whole of stdin, minus one trailing newline (what `echo` and `printf '%s\n'` add). */
async function readPasswordStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UserError(
      '--password-stdin: nothing is piped in; e.g. `printf %s "$PASSWORD" | mapwatch users add EMAIL --role viewer --password-stdin`',
    );
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!text) throw new UserError('--password-stdin: stdin was empty; pipe the password in');
  return text;
}

function tokenId(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UserError(`ID: "${v}" is not a token id (see \`mapwatch tokens list\`)`);
  return n;
}

export function registerUserCommands(program: Command, env: EnvLoader): void {
  const users = program
    .command('users')
    .description('review-app users and their roles (admin, ops, compliance, viewer)');
  users
    .command('add <email>')
    .description('add a user; the password is read from stdin')
    .requiredOption('--role <role>', 'admin, ops, compliance or viewer')
    .option('--password-stdin', 'read the password from stdin (required)')
    .action(async (email: string, opts: { role: string; passwordStdin?: boolean }) => {
      if (!opts.passwordStdin)
        throw new UserError(
          '--password-stdin is required: a password is never taken as an argument (it would show in `ps` and the shell history)',
        );
      const { createUser, roleSchema } = await import('../../http/auth/create-user.js');
      // Before reading stdin: a wrong role should not cost the user their typed password.
      const role = roleSchema.safeParse(opts.role);
      if (!role.success)
        throw new UserError(`--role: "${opts.role}" is not a role; use admin, ops, compliance or viewer`);
      const password = await readPasswordStdin();
      const u = await withDb(env(), ({ db }) =>
        createUser(db, { email, role: role.data, password }).catch((err: unknown) => {
          // The domain says `password: …`; the user typed it into stdin.
          if (err instanceof UserError && err.code === 'invalid_input')
            throw new UserError(err.message.replace(/\bpassword:/, 'password (stdin):'), { cause: err });
          throw err;
        }),
      );
      console.log(`added ${u.email} (${u.role}), id ${u.id}`);
    });
  users
    .command('list')
    .description('every user with role, state, open sessions and active tokens')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { listUsers } = await import('../../queries/list-users.js');
      const rows = await withDb(env(), ({ db }) => listUsers(db));
      if (opts.json) return console.log(json(rows));
      if (!rows.length)
        return console.log('No users yet (add one with `mapwatch users add EMAIL --role admin --password-stdin`).');
      console.log(
        table(
          ['ID', 'EMAIL', 'ROLE', 'STATE', 'SESSIONS', 'TOKENS', 'CREATED'],
          rows.map((r) => [
            String(r.id),
            safeText(r.email, 60),
            r.role,
            r.disabled ? `disabled ${stamp(r.disabledAt)}` : 'active',
            String(r.sessions),
            String(r.tokens),
            stamp(r.createdAt),
          ]),
        ),
      );
    });
  users
    .command('disable <email>')
    .description('stop a user signing in; ends their sessions and stops their API tokens')
    .action(async (email: string) => {
      const { disableUser } = await import('../../http/auth/disable-user.js');
      const r = await withDb(env(), ({ db }) => disableUser(db, email));
      console.log(r.alreadyDisabled ? `${r.email} was already disabled` : `disabled ${r.email}; their sessions ended`);
    });

  const tokens = program.command('tokens').description("API bearer tokens (they carry their user's role)");
  tokens
    .command('create')
    .description('create an API token for a user and print it once')
    .requiredOption('--user <email>', 'whose role the token carries')
    .option('--name <name>', 'what the token is for (e.g. "ERP sync")')
    .action(async (opts: { user: string; name?: string }) => {
      const { createApiToken } = await import('../../http/auth/create-api-token.js');
      const t = await withDb(env(), ({ db }) => createApiToken(db, { email: opts.user, name: opts.name }));
      process.stderr.write(
        `mapwatch: token ${t.id} "${safeText(t.name)}" for ${t.email}; it is shown only now, store it safely:\n`,
      );
      console.log(t.token);
    });
  tokens
    .command('list')
    .description('every API token: id, user, name, created, last used, revoked')
    .option('--user <email>', "only this user's tokens")
    .option('--json', 'print as JSON')
    .action(async (opts: { user?: string; json?: boolean }) => {
      const { listApiTokens } = await import('../../queries/list-api-tokens.js');
      const rows = await withDb(env(), ({ db }) => listApiTokens(db, { email: opts.user }));
      if (opts.json) return console.log(json(rows));
      if (!rows.length) return console.log('No API tokens (create one with `mapwatch tokens create --user EMAIL`).');
      console.log(
        table(
          ['ID', 'USER', 'ROLE', 'NAME', 'CREATED', 'LAST USED', 'STATE'],
          rows.map((r) => [
            String(r.id),
            safeText(r.email, 60),
            r.role,
            safeText(r.name, 40),
            stamp(r.createdAt),
            stamp(r.lastUsedAt),
            r.revokedAt ? `revoked ${stamp(r.revokedAt)}` : r.active ? 'active' : 'user disabled',
          ]),
        ),
      );
    });
  tokens
    .command('revoke <id>')
    .description('revoke an API token (it stops working at once)')
    .action(async (id: string) => {
      const { revokeApiToken } = await import('../../http/auth/revoke-api-token.js');
      const n = tokenId(id);
      const r = await withDb(env(), ({ db }) => revokeApiToken(db, n));
      console.log(
        r.alreadyRevoked ? `token ${r.id} was already revoked` : `revoked token ${r.id} "${safeText(r.name)}"`,
      );
    });
}
