import type { Availability, Offer } from '../types.js';

const MAP: Record<string, Availability> = {
  instock: 'in_stock',
  instoreonly: 'in_stock',
  onlineonly: 'in_stock',
  available: 'in_stock',
  in_stock: 'in_stock',
  outofstock: 'out_of_stock',
  out_of_stock: 'out_of_stock',
  soldout: 'out_of_stock',
  sold_out: 'out_of_stock',
  unavailable: 'out_of_stock',
  oos: 'out_of_stock',
  preorder: 'preorder',
  presale: 'preorder',
  pre_order: 'preorder',
  backorder: 'backorder',
  back_order: 'backorder',
  discontinued: 'discontinued',
  limitedavailability: 'limited',
  limited: 'limited',
  limited_availability: 'limited',
};

/** schema.org URL ("http://schema.org/InStock"), bare word ("in stock", "InStock", "out_of_stock") → Availability. */
export function normalizeAvailability(value: unknown): Availability | undefined {
  if (typeof value !== 'string') return undefined;
  const tail = value.trim().split(/[/#:]/).pop() ?? '';
  const key = tail.toLowerCase().replace(/[\s-]+/g, '');
  if (!key) return undefined;
  const direct = MAP[key] ?? MAP[tail.toLowerCase().replace(/[\s-]+/g, '_')];
  if (direct) return direct;
  if (/outofstock|soldout|nostock|notavailable|unavailable/.test(key)) return 'out_of_stock';
  if (/instock|available/.test(key)) return 'in_stock';
  return 'unknown';
}

/** schema.org itemCondition or words → Offer condition. */
export function normalizeCondition(value: unknown): Offer['condition'] | undefined {
  if (typeof value !== 'string') return undefined;
  const k = value.toLowerCase();
  if (/refurb/.test(k)) return 'refurbished';
  if (/used|pre-?owned|second-?hand/.test(k)) return 'used';
  if (/damaged/.test(k)) return 'damaged';
  if (/new/.test(k)) return 'new';
  return undefined;
}
