/**
 * Runs once per `vitest run`: says in one line which server legs were left out and how to
 * run them, or, under MAPWATCH_REQUIRE_SERVERS=1 (CI), that a missing server's legs will fail.
 */
import { notRunLine, probeServers, REQUIRE_SERVERS } from './servers.js';

export default async function setup(): Promise<() => void> {
  if (process.env.MAPWATCH_TEST_BACKENDS === 'pglite') return () => {};
  const up = await probeServers();
  const line = notRunLine(up);
  if (line && REQUIRE_SERVERS) {
    // The server legs stay in the run and fail, so the closing count says so too.
    const missing = line.replace(/^server legs NOT RUN: /, '').replace(/; embedded legs ran\..*$/, '');
    console.error(`\nMAPWATCH_REQUIRE_SERVERS=1: ${missing}; their legs run and will fail.\n`);
    return () => console.error(`\nMAPWATCH_REQUIRE_SERVERS=1: ${missing}; the failures above come from that.\n`);
  }
  if (line) console.log(`\n${line}\n`);
  // Said again at the end, where a reader of the summary looks.
  return () => {
    if (line) console.log(`\n${line}\n`);
  };
}
