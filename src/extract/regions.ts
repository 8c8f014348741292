/**
 * Page regions that never hold the page's own price: navigation, footer, related / recommended
 * carousels, "customers also bought", mini-cart, etc. Decided by tag names and by class/id tokens
 * of an element and its ancestors, cached per element for the call. Ancestors of the main title
 * are always "main" (a wrapper class like "fixed-header" around the whole page must not hide it).
 */
import type { AnyNode, Element } from 'domhandler';

export type Region = 'main' | 'related' | 'chrome';

const CHROME_TAGS = new Set(['nav', 'footer', 'header', 'script', 'style', 'noscript', 'template', 'select', 'option']);
/** A whole class/id token naming page chrome. */
const CHROME_TOKEN =
  /^((site|page|global|main|top|bottom|mobile|primary|secondary)[-_]?)?(header|footer|nav|navbar|navigation|menu|megamenu|mega-menu|breadcrumbs?|minicart|mini-cart|cart-flyout|newsletter|cookie-banner|cookies|promo-bar)$/;
/** A token fragment naming a related / recommended / sponsored block. */
const RELATED_TOKEN =
  /(related|recommend|similar|also-?bought|also-?purchased|also-?viewed|also-?like|alsobought|upsell|up-sell|cross-?sell|crosssell|carousel|accessor(y|ies)|suggest|sponsored|recently-?viewed|complete-?the-?look|shop-?the-?look|you-?may|may-?also|frequently|p13n|^sims|^rvi|other-?products|more-?from|bundle|product-?(thumb|tile|card|layout|miniature)s?$)/;

function tokens(el: Element): string[] {
  const a = el.attribs;
  const s = `${a['id'] ?? ''} ${a['class'] ?? ''}`.toLowerCase().trim();
  return s ? s.split(/\s+/) : [];
}

export class RegionClassifier {
  private cache = new Map<AnyNode, Region>();

  constructor(mainNodes?: Iterable<AnyNode>) {
    if (mainNodes) for (const n of mainNodes) this.cache.set(n, 'main');
  }

  /** The region an element decides by itself, or null when it defers to its parent. */
  private own(node: AnyNode): Region | 'stop' | null {
    if (node.type !== 'tag' && node.type !== 'script' && node.type !== 'style') return null;
    const el = node as Element;
    const tag = el.name.toLowerCase();
    if (tag === 'body' || tag === 'html') return 'stop';
    if (CHROME_TAGS.has(tag)) return 'chrome';
    const ts = tokens(el);
    if (ts.some((t) => RELATED_TOKEN.test(t))) return 'related';
    if (ts.some((t) => CHROME_TOKEN.test(t))) return 'chrome';
    return null;
  }

  /**
   * Region of the element's ancestors (the element itself included). Walks up iteratively: a page
   * of 10,000 nested divs must not overflow the stack. Every node passed on the way is cached.
   */
  of(node: AnyNode | null): Region {
    if (!node) return 'main';
    const path: AnyNode[] = [];
    let r: Region = 'main';
    for (let n: AnyNode | null = node; n; n = n.parent) {
      const hit = this.cache.get(n);
      if (hit) {
        r = hit;
        break;
      }
      path.push(n);
      const own = this.own(n);
      if (own === 'stop') break;
      if (own) {
        r = own;
        break;
      }
    }
    for (const n of path) this.cache.set(n, r);
    return r;
  }
}
