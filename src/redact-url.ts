/**
 * Hides the secrets of every URL in a text before it is printed or logged: the password of
 * the user-info part (`redis://:pw@host`, `postgres://u:pw@host`, `smtp://u:pw@host`, a
 * user-info without a colon, which may be a token, too) and query parameters that carry
 * one (`?password=…`). It works on free text, so driver error messages that quote a
 * connection string are covered as well. A leaf module: anything may import it.
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi;
const SECRET_PARAM = /([?&;](?:password|passwd|pass|pwd|secret|token|access_token|api_key|apikey|auth|key)=)[^&#\s]*/gi;

export function redactUrl(text: string): string {
  return text
    .replace(USERINFO, (_m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
    })
    .replace(SECRET_PARAM, '$1***');
}
