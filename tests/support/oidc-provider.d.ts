// oidc-provider ships no type declarations; the tests use this much of it.
declare module 'oidc-provider' {
  import type { RequestListener } from 'node:http';
  interface Account {
    accountId: string;
    claims(): Promise<Record<string, unknown>>;
  }
  export default class Provider {
    constructor(
      issuer: string,
      configuration: {
        findAccount(ctx: unknown, id: string): Promise<Account>;
        [key: string]: unknown;
      },
    );
    callback(): RequestListener;
  }
}
