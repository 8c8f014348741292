/**
 * The comparison with its slow-changing parts validated once per rules object.
 *
 * compareToMap validates its whole input with zod on every call; in a sweep that is the same product's MAP
 * windows and promos, the same site's VAT and the same compare policy, parsed again for every listing (the zod
 * parse was most of compare's CPU). Here each part is parsed once per source object (a WeakMap keyed by it, so
 * it goes with the object) and only the observed read is parsed per call. The verdict, including the
 * `invalid_input` detail and the order of its issues, is the one compareToMap gives on the flat input.
 *
 * Rules objects are treated as read-only once compared (loadMapRules builds them, policy is frozen); a cached
 * entry also remembers the arrays and scalars it was built from and is parsed again when any was replaced.
 */
import type { z } from 'zod';
import { compareParsed, describeIssues, type Verdict } from './compare-to-map.js';
import {
  comparisonInputSchema,
  observedInputSchema,
  policyRulesSchema,
  productRulesSchema,
  siteRulesSchema,
  type ObservedInput,
  type PolicyRulesInput,
  type ProductRulesInput,
  type SiteRulesInput,
} from './schemas.js';

type PartResult<T> = { ok: true; data: T } | { ok: false; issues: readonly z.core.$ZodIssue[] };

interface CacheEntry<T> {
  /** What the entry was parsed from, compared by identity (arrays, objects) or value (scalars). */
  from: readonly unknown[];
  result: PartResult<T>;
}

type ProductRulesOutput = z.output<typeof productRulesSchema>;
type SiteRulesOutput = z.output<typeof siteRulesSchema>;
type PolicyRulesOutput = z.output<typeof policyRulesSchema>;

/** One rules part, parsed once per key object. */
function parsedPart<S extends z.ZodType>(
  cache: WeakMap<object, CacheEntry<z.output<S>>>,
  schema: S,
  key: object,
  input: z.input<S> & object,
): PartResult<z.output<S>> {
  const from = Object.values(input);
  const hit = cache.get(key);
  if (hit && hit.from.length === from.length && hit.from.every((v, i) => v === from[i])) return hit.result;
  const parsed = schema.safeParse(input);
  const result: PartResult<z.output<S>> = parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, issues: parsed.error.issues };
  cache.set(key, { from, result });
  return result;
}

const productCache = new WeakMap<object, CacheEntry<ProductRulesOutput>>();
const siteCache = new WeakMap<object, CacheEntry<SiteRulesOutput>>();
const policyCache = new WeakMap<object, CacheEntry<PolicyRulesOutput>>();
const noSiteVat: PartResult<SiteRulesOutput> = { ok: true, data: {} };

/** The rules a comparison runs under, each part with the object its parse is cached on. */
export interface CompareRules {
  product: { key: object; rules: ProductRulesInput };
  /** key: the site's VAT object (none: the site advertises on the MAP's basis). */
  site: { key: object; rules: SiteRulesInput } | null;
  policy: { key: object; rules: PolicyRulesInput };
}

/** Parsed parts, also exported for the test that cached and uncached parses agree. */
export function parseCompareRules(rules: CompareRules) {
  return [
    parsedPart(productCache, productRulesSchema, rules.product.key, rules.product.rules),
    rules.site ? parsedPart(siteCache, siteRulesSchema, rules.site.key, rules.site.rules) : noSiteVat,
    parsedPart(policyCache, policyRulesSchema, rules.policy.key, rules.policy.rules),
  ] as const;
}

const keyOrder = Object.keys(comparisonInputSchema.shape);
const rank = (issue: z.core.$ZodIssue) => keyOrder.indexOf(String(issue.path[0]));

/** compareToMap's verdict for `observed` under `rules`, the rules parsed once per rules object. */
export function compareWithRules(observed: ObservedInput, rules: CompareRules): Verdict {
  const read = observedInputSchema.safeParse(observed);
  const [product, site, policy] = parseCompareRules(rules);
  if (!read.success || !product.ok || !site.ok || !policy.ok) {
    const issues = [
      ...(read.success ? [] : read.error.issues),
      ...(product.ok ? [] : product.issues),
      ...(site.ok ? [] : site.issues),
      ...(policy.ok ? [] : policy.issues),
    ].sort((a, b) => rank(a) - rank(b));
    return { kind: 'not_comparable', reason: 'invalid_input', detail: describeIssues(issues) };
  }
  return compareParsed({ ...read.data, ...product.data, ...site.data, ...policy.data });
}
