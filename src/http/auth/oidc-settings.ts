/**
 * Single sign-on through an OpenID Connect provider (Keycloak, Entra ID, Okta, Google,
 * Authentik, …), off unless MAPWATCH_OIDC_ISSUER is set. Who may sign in, and with which
 * role, comes from one claim of the provider's ID token or userinfo (MAPWATCH_OIDC_ROLE_CLAIM,
 * `groups` by default) through MAPWATCH_OIDC_ROLES: `value=role` pairs, the first that
 * matches wins, `*=role` matches anyone. A person whose claim matches no pair is refused:
 * a misconfigured provider must not hand out accounts.
 */
import { InvalidInputError } from '../../errors.js';
import type { ProcessConfig } from '../../config/process-config.js';
import { USER_ROLES, type UserRole } from './permissions.js';

export interface OidcRoleRule {
  /** A value of the role claim, or `*` for anyone the provider signs in. */
  value: string;
  role: UserRole;
}

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  /** Unset for a public client (PKCE only). */
  clientSecret?: string;
  /** Where the provider sends the browser back: this server's public /auth/oidc/callback. */
  redirectUrl: URL;
  scopes: string;
  roleClaim: string;
  roles: OidcRoleRule[];
  /** The sign-in button's text. */
  label: string;
}

export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';

/** Parses `admins=admin, pricing=compliance, *=viewer`; names the variable and the bad pair. */
export function parseRoleRules(text: string, variable = 'MAPWATCH_OIDC_ROLES'): OidcRoleRule[] {
  const rules: OidcRoleRule[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!part) continue;
    const i = part.lastIndexOf('=');
    const value = i > 0 ? part.slice(0, i).trim() : '';
    const role = i > 0 ? part.slice(i + 1).trim() : '';
    if (!value || !(USER_ROLES as readonly string[]).includes(role))
      throw new InvalidInputError(
        `environment variable ${variable}: "${part}" must look like CLAIM_VALUE=ROLE with ROLE one of ${USER_ROLES.join(', ')}`,
      );
    rules.push({ value, role: role as UserRole });
  }
  return rules;
}

/** The SSO settings of this process, or undefined when SSO is off. Incomplete settings are an error. */
export function oidcSettingsFrom(config: ProcessConfig | undefined): OidcSettings | undefined {
  if (!config?.MAPWATCH_OIDC_ISSUER) return undefined;
  const need = (name: keyof ProcessConfig, why: string): string => {
    const v = config[name];
    if (typeof v !== 'string' || !v)
      throw new InvalidInputError(`environment variable ${name} is required with MAPWATCH_OIDC_ISSUER (${why})`);
    return v;
  };
  const clientId = need('MAPWATCH_OIDC_CLIENT_ID', 'the client registered at the provider');
  const redirect = new URL(need('MAPWATCH_OIDC_REDIRECT_URL', `this server's public URL of ${OIDC_CALLBACK_PATH}`));
  if (redirect.pathname !== OIDC_CALLBACK_PATH)
    throw new InvalidInputError(
      `environment variable MAPWATCH_OIDC_REDIRECT_URL: its path must be ${OIDC_CALLBACK_PATH}, not ${redirect.pathname}`,
    );
  const roles = parseRoleRules(need('MAPWATCH_OIDC_ROLES', 'which claim values get which role'));
  if (roles.length === 0)
    throw new InvalidInputError('environment variable MAPWATCH_OIDC_ROLES: name at least one CLAIM_VALUE=ROLE pair');
  return {
    issuer: new URL(config.MAPWATCH_OIDC_ISSUER),
    clientId,
    clientSecret: config.MAPWATCH_OIDC_CLIENT_SECRET || undefined,
    redirectUrl: redirect,
    scopes: config.MAPWATCH_OIDC_SCOPES,
    roleClaim: config.MAPWATCH_OIDC_ROLE_CLAIM,
    roles,
    label: config.MAPWATCH_OIDC_LABEL,
  };
}

/** The role the first matching rule gives, or undefined (refused). Claims may be a string or a list. */
export function roleForClaim(rules: readonly OidcRoleRule[], claim: unknown): UserRole | undefined {
  const values = new Set(
    (Array.isArray(claim) ? claim : claim === undefined || claim === null ? [] : [claim])
      .filter((v) => typeof v === 'string' || typeof v === 'number')
      .map(String),
  );
  return rules.find((r) => r.value === '*' || values.has(r.value))?.role;
}
