/**
 * extractOffers on the real-page corpus (tests/support/corpus.ts): both manifests, with no site
 * config and with the site's currency (one per site, from the manifest). No per-site table here:
 * the only configuration a page gets is the currency its site config would state.
 *
 * Floors are issue 11's targets (precision >= 0.99 everywhere; F1 0.97 / 0.88 with the currency
 * given, 0.95 / 0.85 with none). Where a target is not reached yet, FLOOR states what is reached
 * and the target it falls short of; raise it as extraction improves, never above what passes.
 */
import { describe, expect, it } from 'vitest';
import { formatScore, scoreCorpus, type Manifest, type Mode } from './support/corpus.js';

interface Floor {
  precision: number;
  f1: number;
  /** Issue 11's F1 target, when the floor is below it. */
  targetF1: number;
}

const FLOORS: Record<Manifest, Record<Mode, Floor>> = {
  'pages.jsonl': {
    currency: { precision: 0.99, f1: 0.97, targetF1: 0.97 },
    none: { precision: 0.99, f1: 0.95, targetF1: 0.95 },
  },
  'pages-2.jsonl': {
    currency: { precision: 0.99, f1: 0.88, targetF1: 0.88 },
    none: { precision: 0.99, f1: 0.85, targetF1: 0.85 },
  },
};

describe('extractOffers on the real-page corpus', () => {
  for (const manifest of Object.keys(FLOORS) as Manifest[]) {
    for (const mode of ['none', 'currency'] as Mode[]) {
      it(`${manifest}, ${mode === 'none' ? 'no site config' : 'site currency given'}: precision and F1 floors, no wrong price on ambiguous pages`, () => {
        const s = scoreCorpus(manifest, mode);
        console.log(formatScore(manifest, mode, s));
        for (const f of s.failures) console.log('    ' + f.join(' | ').slice(0, 300));
        const floor = FLOORS[manifest][mode];
        expect(s.tp + s.fn).toBeGreaterThan(20);
        expect(s.precision).toBeGreaterThanOrEqual(floor.precision);
        expect(s.f1).toBeGreaterThanOrEqual(floor.f1);
        // an ambiguous page may say "ambiguous", give nothing, or give an acceptable price: never another one
        expect(s.ambiguousWrong).toBe(0);
        // 129 real pages, CPU-bound: on a shared 2-core machine this takes minutes, not seconds
      }, 300_000);
    }
  }
});
