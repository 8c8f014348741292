/** Child process for the memory test: verifies one bundle file, prints its problems and peak RSS. */
import { verifyBundleFile } from '../../src/evidence/verify-bundle.js';

const report = verifyBundleFile(process.argv[2]!);
console.log(
  JSON.stringify({ problems: report.problems, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }),
);
