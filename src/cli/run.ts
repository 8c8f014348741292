/**
 * Process entry of the CLI: runs the command and exits with its code. The instant commands
 * (`price`, `--version`) run without loading commander or the command table (run-instant-command.ts);
 * every other call goes through main().
 */
import { runInstantCommand } from './run-instant-command.js';

/** The full CLI (commander, the command table, error reporting), loaded only when needed. */
const full = () => import('./main.js');

process.on('unhandledRejection', async (err) => process.exit((await full()).reportError(err)));
try {
  const instant = await runInstantCommand(process.argv.slice(2));
  if (instant !== undefined) process.exitCode = instant;
  else {
    const { main, reportError } = await full();
    // Not awaited: a command whose promise is left pending when the event loop empties (as before
    // this entry had an instant path) must end the process quietly, not as an unsettled top-level await.
    void main(process.argv).then(
      (code) => {
        process.exitCode = code;
      },
      (err) => process.exit(reportError(err)),
    );
  }
} catch (err) {
  // An instant command failing unexpectedly is reported as any command's internal error would be.
  process.exit((await full()).reportError(err));
}
