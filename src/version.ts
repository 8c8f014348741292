/** Kept in step with package.json by hand; shown by `mapwatch --version` and in the User-Agent. */
export const VERSION = '0.1.0';
