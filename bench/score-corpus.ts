/**
 * `npm run score`: P/R/F1, wrong prices and abstentions of extractOffers on both corpus manifests,
 * with no site config and with the site's currency given. `--failures` lists every miss.
 */
import { formatScore, MANIFESTS, scoreCorpus, type Mode } from '../tests/support/corpus.js';

const showFailures = process.argv.includes('--failures');
for (const manifest of MANIFESTS) {
  for (const mode of ['none', 'currency'] as Mode[]) {
    const s = scoreCorpus(manifest, mode);
    console.log(formatScore(manifest, mode, s));
    if (showFailures) for (const f of s.failures) console.log('    ' + f.join(' | ').slice(0, 400));
  }
}
