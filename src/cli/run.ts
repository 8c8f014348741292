/** Process entry of the CLI: runs main() and exits with its code. */
import { main, reportError } from './main.js';

process.on('unhandledRejection', (err) => process.exit(reportError(err)));
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => process.exit(reportError(err)),
);
