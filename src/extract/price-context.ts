/**
 * Classifies a visible price by the words and markup around it: strike-through / was / RRP prices,
 * instalments, shipping costs, unit prices, savings and prices excluding VAT are never the
 * product's selling price.
 */
import type { CandidateRole } from './candidate.js';

/** Labels just before a price that make it a former / list price. */
const LIST_LABEL =
  /(^|[^\p{L}])(was|before|rrp|msrp|list(\s*price)?|regular(\s*price)?|reg\.?|original(ly)?|compare(\s*at)?|normal|normalpreis|uvp|statt|avant|ancien|prix\s*barr[ée]|antes|prezzo\s*consigliato|pvp(r)?|retail|typical|old\s*price|initial)\s*(price)?\s*:?\s*$/iu;
/** Class / id fragments of a former price. */
const LIST_CLASS =
  /(^|[\s_-])(old|was|strike|striked|strikethrough|crossed|crossout|before|regular|compare|compareat|original|list|listprice|rrp|msrp|uvp|previous|prev|reference|standard|retail|baseprice|base-price|price--compare|line-through|del)([\s_-]|\d|$)|old-?price|was-?price|price-?old|price-?was|price-?before|price-?regular|regular-?price|list-?price|compare-?price|price-?compare|strike-?price|price-?strike|original-?price|price-?original|textstrike|text-strike|a-text-strike|crossed-?price/i;
const SALE_CLASS =
  /(^|[\s_-])(sale|special|current|now|final|actual|our|offer|deal|promo|selling|buying|buybox|buy-?box|main|primary|big|large|new)([\s_-]|\d|$)|saleprice|sale-?price|price-?sale|current-?price|price-?current|special-?price|ourprice|dealprice|price-?now|now-?price|final-?price|price-?final|buyingprice|price-?actual|actual-?price|newprice|new-?price|price-?new|product-?price|main-?price|price-?main/i;
const INSTALMENT =
  /(\/\s*(mo|month|mes|mois|monat|mese)\b|per\s+month|a\s+month|monthly|\bmonth\b|\bmonths\b|\/mth|\d\s*[x×]\s*\p{Sc}?\s*\d|\d\s*[x×]\s*(de|of|à|a|sem|sin)\s|parcela|\bvezes\b|sem\s+juros|sin\s+inter[eé]s|\b\d+\s*(payments|instal+ments|interest-free|rates|raten|cuotas|rate)\b|klarna|afterpay|affirm|clearpay|sezzle|laybuy|zip\s*pay|paypal\s*credit|pay\s*in\s*\d|financ|en\s+\d+\s+fois|mensualit|\bfrom\s+\p{Sc}?\s*\d+(\.\d+)?\s*\/)/iu;
const SHIPPING =
  /(shipping|delivery|postage|p&p|livraison|versand|lieferung|envío|envio|spedizione|frete|dostawa|доставка|frais\s+de\s+port)/i;
const UNIT =
  /(\/\s*(kg|g|100\s?g|l|ltr|litre|liter|ml|100\s?ml|m|m2|m²|lb|oz|unit|stk|st|pc|piece|each|ea|sq\.?\s?ft)\b|\bper\s+(kg|g|100\s?g|litre|liter|l|ml|100\s?ml|lb|oz|unit|metre|meter|m)\b|\bunit\s+price\b|grundpreis|prix\s+au\s+(kg|litre))/i;
const SAVING =
  /(you\s+save|save\s|saving|sparen|sie\s+sparen|économisez|econom|ahorr|risparmi|\boff\b|rabatt|discount|-\s*\d+\s*%|\d+\s*%\s*(off|rabatt|de\s+r[ée]duction))/i;
const EXCL_VAT =
  /(excl\.?\s*(vat|tax|gst)|ex\.?\s*vat|exc\.?\s*vat|without\s+vat|before\s+tax|ohne\s+mwst|zzgl|netto|\bnet\b|\bht\b|hors\s+taxe|sin\s+iva|senza\s+iva|iva\s+esclusa|brez\s+ddv|bez\s+dph|bez\s+dph|bez\s+vat|netto|\bexkl)/i;
const USED =
  /(^|[^\p{L}])(used|refurb\w*|renewed|pre-?owned|open[\s-]?box|second[\s-]?hand|gebraucht|occasion|reacondicionado|ricondizionat\w*|usato|usado)([^\p{L}]|$)/iu;
const BONUS = /(bonus|points|punkte|cashback|бонус|reward)/i;
/** A summary of other sellers' offers ("3 new from $45", "Other sellers on …"): never the buy box. */
const OTHER_SELLERS =
  /(other\s+sellers|more\s+buying\s+choices|\d+\s+(new|used|offers?|sellers?)\b[^.]{0,20}\bfrom|\b(new|used)\s*(&|and)\s*used\b|\bfrom\s+\d+\s+(sellers?|stores?|shops?)|autres\s+vendeurs|weitere\s+angebote|andere\s+verk[äa]ufer|otros\s+vendedores|altri\s+venditori|outros\s+vendedores|\d+\s+(angebote?|offres?|ofertas?|offerte)\s+(ab|à partir de|desde|da|a partir de))/i;
/** A discount rate ("-50 %", "50% off"): it labels the price that follows, it is not a saving amount. */
const PERCENT_BADGE =
  /[-−]?\s*\d+(?:[.,]\d+)?\s*%\s*(off|rabatt|de\s+r[ée]duction|korting|sconto|descuento|de\s+desconto)?/gi;

export interface PriceContext {
  /** Text right before the price token: preceding siblings plus the element's own text before it. */
  before: string;
  /** The price token itself ("$12.99"). */
  raw: string;
  /** Text right after the price token. */
  after: string;
  /** The element's own text after the price token (a suffix label like "excl. VAT"). */
  ownAfter: string;
  /** class + id of the element. */
  classes: string;
  /** class + id of its parent (used when the element's own names say nothing). */
  parentClasses: string;
  /** Inside del / s / strike, or styled line-through. */
  struck: boolean;
}

export interface PriceJudgement {
  role: CandidateRole | 'skip';
  /** Marked as the current / sale price by class or label. */
  sale: boolean;
  /** Marked as old/was by class only (weaker than a strike-through element). */
  softList: boolean;
}

export function judgePrice(ctx: PriceContext): PriceJudgement {
  const b = ctx.before;
  const a = ctx.after;
  const ownList = LIST_CLASS.test(ctx.classes);
  const ownSale = SALE_CLASS.test(ctx.classes);
  const sale = ownSale || (!ownList && SALE_CLASS.test(ctx.parentClasses));
  const listClass = ownList || (!ownSale && LIST_CLASS.test(ctx.parentClasses));
  const no = (role: PriceJudgement['role']): PriceJudgement => ({ role, sale, softList: false });
  if (ctx.struck) return { role: 'list', sale: false, softList: false };
  if (USED.test(`${ctx.classes} ${ctx.parentClasses} ${b.slice(-25)}`)) return no('skip');
  // right after the price: its own suffix, or the first characters of what follows ("/mo", "/kg")
  const next = ctx.ownAfter.trim() ? ctx.ownAfter.slice(0, 30) : a.slice(0, 8);
  if (INSTALMENT.test(`${b.slice(-25)} ${ctx.raw} ${next}`)) return no('installment');
  if (UNIT.test(`${ctx.raw} ${next.slice(0, 20)}`)) return no('unit');
  if (OTHER_SELLERS.test(b.slice(-40))) return no('skip');
  // "Save $10" / "You save: $10" / "$10 off" label an amount saved; "-50 % $49.99" labels the price
  if (SAVING.test(b.replace(PERCENT_BADGE, ' ').trimEnd().slice(-20))) return no('saving');
  if (/^\s*off\b/i.test(ctx.ownAfter) || /^\s*off\b/i.test(a.slice(0, 6))) return no('saving');
  if (EXCL_VAT.test(`${b.slice(-25)} ${ctx.ownAfter.slice(0, 20)}`)) return no('skip');
  if (BONUS.test(a.slice(0, 15)) || BONUS.test(b.slice(-15))) return no('skip');
  if (SHIPPING.test(b.slice(-25)) || /\+\s*$/.test(b)) return no('shipping');
  if (LIST_LABEL.test(b.slice(-30))) return { role: 'list', sale: false, softList: false };
  if (listClass && !ownSale) return { role: 'list', sale: false, softList: true };
  return { role: 'price', sale, softList: false };
}
