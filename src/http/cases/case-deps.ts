/**
 * What the cases pages and API need from the app: the database, evidence store and Chromium
 * (for the notice letter PDF; from the app context), the notify config (read once, when first needed, as the CLI does) and the
 * severity order for sorting.
 */
import type { AppContext } from '../../context.js';
import { loadNotifyConfig, type NotifyConfig } from '../../notify/notify-config.js';

export interface CaseRouteDeps {
  ctx: Pick<AppContext, 'db' | 'evidence' | 'policy' | 'browser' | 'config'>;
  /** Default: `notify:` from the config file, with the app's evidence store. */
  notifyConfig?: () => NotifyConfig;
}

export function notifyConfigOf(deps: CaseRouteDeps): () => NotifyConfig {
  if (deps.notifyConfig) return deps.notifyConfig;
  let cfg: NotifyConfig | undefined;
  return () => (cfg ??= { ...loadNotifyConfig(), evidenceStore: deps.ctx.evidence });
}
