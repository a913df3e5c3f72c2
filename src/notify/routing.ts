import type { AlertPayload } from '../domain/alert-event.js';

/**
 * Which destinations an alert goes to. Destinations are route labels
 * (`default`, `routes[0]`, ...); the URL or address list behind a label is
 * looked up in config only at send time, so no secret is ever stored.
 */

/** A product code glob: `*` any run, `?` one character; case-insensitive. Pure. */
export function matchesProductPattern(pattern: string, code: string): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'i').test(code);
}

/** The routing-relevant part of `alerting.routes[i]`: which channels it defines. */
export interface RouteSpec {
  products: readonly string[];
  channels: ReadonlySet<string>;
}

/**
 * Picks the destination label for one product on one channel: the first
 * route whose patterns match the code AND that defines this channel; else
 * `default`. A route that sets only `slack` therefore leaves that product's
 * email on the default recipients. Returns null when the channel has no
 * default and no route applies. Pure.
 */
export function routeLabelFor(routes: readonly RouteSpec[], channel: string, productCode: string, hasDefault: boolean): string | null {
  for (const [index, route] of routes.entries()) {
    if (!route.channels.has(channel)) continue;
    if (route.products.some((pattern) => matchesProductPattern(pattern, productCode))) return `routes[${index}]`;
  }
  return hasDefault ? 'default' : null;
}

/**
 * The product an alert is about, for routing and silences. Operator alerts
 * (monitoring blind/restored) and tests return null: they concern netwatch
 * itself and always go to the default destinations, unsilenced. Pure.
 */
export function productCodeOf(event: AlertPayload): string | null {
  return event.kind === 'interruption' || event.kind === 'recovery' || event.kind === 'reminder' ? event.productCode : null;
}

/** Whether the destination `label` on `channel` takes `event`. Pure. */
export function destinationAccepts(
  routes: readonly RouteSpec[],
  channel: string,
  label: string,
  hasDefault: boolean,
  event: AlertPayload,
): boolean {
  const code = productCodeOf(event);
  if (code === null) return label === 'default';
  return routeLabelFor(routes, channel, code, hasDefault) === label;
}
