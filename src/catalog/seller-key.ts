/**
 * One key per marketplace seller identity. A storefront URL or seller id names a seller
 * exactly; a display name is compared case-, width- and whitespace-insensitively and
 * nothing fuzzier: "Northwind Official" and "Northwind Official Store" stay two sellers,
 * so a look-alike storefront is shown to a person instead of being waved through.
 */
export interface SellerIdentity {
  name?: string | null;
  id?: string | null;
  url?: string | null;
}

export function sellerNameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Common storefront URL shapes: /seller/ID, /shops/ID, /stores/ID, /s/ID, ?seller=ID, ?merchant=ID. */
export function storefrontId(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const q = u.searchParams.get('seller') ?? u.searchParams.get('merchant') ?? u.searchParams.get('sellerId');
  if (q) return `${u.host.toLowerCase()}:${q.toLowerCase()}`;
  const m = /\/(?:seller|sellers|shop|shops|store|stores|storefront|s)\/([^/?#]+)/i.exec(u.pathname);
  return m ? `${u.host.toLowerCase()}:${decodeURIComponent(m[1]!).toLowerCase()}` : null;
}

/** The keys a seller is known by: its storefront, its id, its name (any may be absent). */
export function sellerKeys(s: SellerIdentity): string[] {
  const keys: string[] = [];
  const sf = s.url ? storefrontId(s.url) : null;
  if (sf) keys.push(`url:${sf}`);
  if (s.id?.trim()) keys.push(`id:${s.id.trim().toLowerCase()}`);
  if (s.name?.trim()) keys.push(`name:${sellerNameKey(s.name)}`);
  return keys;
}
