import type { PageIncident, PageProduct, StatusPageModel } from './status-page-model.js';

/**
 * The status page's pure renderer: model in, HTML string out.
 *
 * The `VIEW_FUNCTIONS` below are ALSO sent to the browser, as their own source
 * text (`Function.prototype.toString`), so the 30-second refresh renders with
 * exactly the code the server used and the two can never drift. That is why
 * each of them is self-contained: it may call only the other view functions
 * and JavaScript built-ins (no imports, no module-level constants, no DOM).
 * `test/unit/status-page.test.ts` runs the shipped source in an empty
 * JavaScript context and compares its output with the server's.
 *
 * Every value that comes from the API or the database passes through
 * `escapeHtml` (text and attribute values alike), and nothing is ever put in
 * a URL, a style or a script context.
 */

/** Escapes text for HTML text and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `99.95%`, truncated (never rounded up to 100%), `100%` only for a perfect ratio, `—` for null. */
export function formatPercent(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  if (ratio >= 1) return '100%';
  return `${(Math.floor(Math.max(0, ratio) * 10000) / 100).toFixed(2)}%`;
}

/** `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Parts of an instant in the display zone. */
export function zonedParts(epochSeconds: number, offsetSeconds: number) {
  const d = new Date((epochSeconds + offsetSeconds) * 1000);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`,
    weekday: weekdays[d.getUTCDay()] as string,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
    seconds: pad(d.getUTCSeconds()),
    iso: new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

/** `<time>` with a machine-readable UTC value; `style` picks the text. */
export function renderTime(epochSeconds: number, model: StatusPageModel, style: 'time' | 'datetime' | 'full'): string {
  const p = zonedParts(epochSeconds, model.tzOffsetSeconds);
  const today = zonedParts(model.generatedAt, model.tzOffsetSeconds).date;
  let text = p.time;
  if (style === 'full') text = `${p.time}:${p.seconds}`;
  if (style === 'datetime' && p.date !== today) text = `${p.date}, ${p.time}`;
  return `<time datetime="${escapeHtml(p.iso)}">${escapeHtml(text)} ${escapeHtml(model.tzLabel)}</time>`;
}

/** Colour class of one day segment. Thresholds are repeated in the legend. */
export function dayClass(up: number, down: number): string {
  if (up + down <= 0) return 'nodata';
  const ratio = up / (up + down);
  if (ratio >= 1) return 'up100';
  if (ratio >= 0.99) return 'up99';
  if (ratio >= 0.95) return 'up95';
  return 'down';
}

/** Decorative icon for a state; the text label next to it carries the meaning. */
export function stateIcon(kind: string): string {
  const paths: Record<string, string> = {
    healthy: '<path d="M6.5 10.2 4.3 8l-1 1 3.2 3.2 6.2-6.2-1-1z"/>',
    interruption: '<path d="M8 1.5 0.8 14h14.4zM7.3 6h1.4v4H7.3zm0 5h1.4v1.4H7.3z"/>',
    unknown:
      '<path d="M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm.7 11H7.3v-1.4h1.4zm1.2-4.6c-.5.5-1.2.8-1.2 1.8H7.3c0-1.5.8-2 1.3-2.5.3-.3.5-.5.5-1 0-.6-.5-1-1.1-1s-1.1.4-1.1 1H5.5c0-1.4 1.1-2.4 2.5-2.4s2.5 1 2.5 2.3c0 .8-.3 1.3-.6 1.8z"/>',
  };
  return `<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">${paths[kind] ?? ''}</svg>`;
}

/** Display name: the API's name, else the code. */
export function productLabel(product: { code: string; name: string | null }): string {
  return product.name && product.name.trim() !== '' ? product.name : product.code;
}

/** `healthy`, `interruption` or `unknown` (not yet confirmed). */
export function stateKind(product: PageProduct): string {
  if (product.state === 'Interruption') return 'interruption';
  if (product.state === 'Healthy') return 'healthy';
  return 'unknown';
}

/** One-line summary for the banner, the live region and the document title. */
export function summaryText(model: StatusPageModel): string {
  const down = model.products.filter((p) => p.state === 'Interruption');
  const unknown = model.products.filter((p) => p.state === null).length;
  if (model.products.length === 0) return 'Waiting for the first checks';
  if (down.length === 0 && unknown === model.products.length) return 'Waiting for the first confirmed states';
  if (down.length === 0) return unknown > 0 ? `No interruptions (${unknown} not yet confirmed)` : 'All products operational';
  const names = down.map((p) => productLabel(p));
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  return `${down.length === 1 ? '1 product has' : `${down.length} products have`} an interruption: ${shown}`;
}

/** `<title>` text. */
export function pageTitle(model: StatusPageModel): string {
  const down = model.products.filter((p) => p.state === 'Interruption').length;
  return down > 0 ? `(${down} interrupted) ${model.title}` : model.title;
}

export function renderSummary(model: StatusPageModel): string {
  const down = model.products.filter((p) => p.state === 'Interruption').length;
  const healthy = model.products.filter((p) => p.state === 'Healthy').length;
  const unknown = model.products.length - down - healthy;
  const kind = down > 0 ? 'interruption' : healthy > 0 ? 'healthy' : 'unknown';
  const counts = [
    `<span class="count"><span class="dot dot-healthy" aria-hidden="true"></span>${healthy} operational</span>`,
    `<span class="count"><span class="dot dot-interruption" aria-hidden="true"></span>${down} interrupted</span>`,
    unknown > 0 ? `<span class="count"><span class="dot dot-unknown" aria-hidden="true"></span>${unknown} not yet confirmed</span>` : '',
  ].join('');
  const advice =
    down > 0 ? '<p class="advice">Transactions for these products may be slow or fail. Warn customers, but let them pay.</p>' : '';
  return (
    `<section class="banner banner-${kind}" aria-labelledby="summary-text">` +
    `<div class="banner-main">${stateIcon(kind)}<h2 id="summary-text">${escapeHtml(summaryText(model))}</h2></div>` +
    `${advice}<p class="counts">${counts}</p></section>`
  );
}

/**
 * One day segment with its tooltip text. `cache` is shared across a render:
 * most products have identical days (fully up, or no data), so a page of
 * hundreds of products formats each distinct day only once.
 */
export function renderDaySegment(day: [number, number], index: number, model: StatusPageModel, cache: Record<string, string>): string {
  const key = `${index}:${day[0]}:${day[1]}`;
  const hit = cache[key];
  if (hit !== undefined) return hit;
  const dayStart = model.firstDay + index * 86400;
  const parts = zonedParts(dayStart, model.tzOffsetSeconds);
  const daySeconds = day[0] + day[1];
  const ratio = daySeconds > 0 ? day[0] / daySeconds : null;
  // Time in the day (so far) that no check vouched for: it counts neither way.
  const unmonitored = Math.max(0, Math.min(dayStart + 86400, model.generatedAt) - dayStart) - daySeconds;
  const tip = [
    `${parts.weekday} ${parts.date}`,
    ratio === null ? 'No data' : `${formatPercent(ratio)} uptime`,
    ratio === null ? '' : day[1] > 0 ? `${formatDuration(day[1])} down` : 'No downtime',
    ratio !== null && unmonitored >= 60 ? `${formatDuration(unmonitored)} not monitored` : '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  const html = `<span class="seg ${dayClass(day[0], day[1])}" data-tip="${escapeHtml(tip)}"></span>`;
  cache[key] = html;
  return html;
}

/** One product row: name, state label, since, uptime figures and the day bar. */
export function renderProduct(product: PageProduct, model: StatusPageModel, cache: Record<string, string> = {}): string {
  const kind = stateKind(product);
  const label = kind === 'interruption' ? 'Interruption' : kind === 'healthy' ? 'Healthy' : 'Not yet confirmed';
  const name = productLabel(product);
  const details: string[] = [];
  if (product.since !== null && product.state !== null) {
    details.push(
      `${product.state === 'Interruption' ? 'Down since' : 'Healthy since'} ${renderTime(product.since, model, 'datetime')} (${escapeHtml(formatDuration(model.generatedAt - product.since))})`,
    );
  }
  if (product.lastStatus === 'Unknown' && product.unknownSince !== null) {
    details.push(
      `<span class="warn-text">Checks failing since ${renderTime(product.unknownSince, model, 'datetime')}; showing the last confirmed state</span>`,
    );
  }
  if (product.lastCheckedAt === null) details.push('Not checked yet');

  let up = 0;
  let down = 0;
  const downDays: string[] = [];
  const segments = product.days
    .map((day, index) => {
      up += day[0];
      down += day[1];
      if (day[1] > 0)
        downDays.push(`${zonedParts(model.firstDay + index * 86400, model.tzOffsetSeconds).date} ${formatDuration(day[1])} down`);
      return renderDaySegment(day, index, model, cache);
    })
    .join('');
  const overall = up + down > 0 ? up / (up + down) : null;
  const barLabel =
    `${name}, last ${product.days.length} days: ${overall === null ? 'no data' : `${formatPercent(overall)} uptime`}` +
    (downDays.length === 0
      ? ''
      : `; downtime on ${downDays.length} day${downDays.length === 1 ? '' : 's'}: ${downDays.slice(-10).join(', ')}`);

  return (
    `<li class="product state-${kind}" data-product="${escapeHtml(product.code)}">` +
    '<div class="product-head">' +
    `<h3 class="product-name">${escapeHtml(name)}${name !== product.code ? ` <span class="code">${escapeHtml(product.code)}</span>` : ''}</h3>` +
    `<span class="badge badge-${kind}">${stateIcon(kind)}<span class="badge-text">${label}</span></span>` +
    '</div>' +
    `<p class="product-meta">${details.join(' · ')}</p>` +
    `<div class="bar" role="img" aria-label="${escapeHtml(barLabel)}">${segments}</div>` +
    '<div class="bar-foot">' +
    `<span class="bar-ago"><span class="wide-only">${product.days.length} days ago</span><span class="narrow-only">30 days ago</span></span>` +
    `<span class="uptimes"><span class="uptime"><span class="uptime-label">24 h</span> <strong>${escapeHtml(formatPercent(product.uptime24h))}</strong></span>` +
    `<span class="uptime"><span class="uptime-label">30 d</span> <strong>${escapeHtml(formatPercent(product.uptime30d))}</strong></span></span>` +
    '<span class="bar-today">Today</span>' +
    '</div>' +
    '</li>'
  );
}

export function renderIncident(incident: PageIncident, model: StatusPageModel): string {
  const name = productLabel(incident);
  const ongoing = incident.endedAt === null;
  const end = incident.endedAt ?? model.generatedAt;
  const when = ongoing
    ? `since ${renderTime(incident.startedAt, model, 'datetime')}`
    : `${renderTime(incident.startedAt, model, 'datetime')} – ${renderTime(end, model, zonedParts(end, model.tzOffsetSeconds).date === zonedParts(incident.startedAt, model.tzOffsetSeconds).date ? 'time' : 'datetime')}`;
  return (
    `<li class="incident${ongoing ? ' incident-ongoing' : ''}" data-product="${escapeHtml(incident.code)}">` +
    `<span class="badge badge-${ongoing ? 'interruption' : 'resolved'}"><span class="badge-text">${ongoing ? 'Ongoing' : 'Resolved'}</span></span>` +
    `<span class="incident-body"><strong>${escapeHtml(name)}</strong>${name !== incident.code ? ` <span class="code">${escapeHtml(incident.code)}</span>` : ''}` +
    ` <span class="incident-when">Interruption ${when}</span></span>` +
    `<span class="incident-duration">${escapeHtml(formatDuration(end - incident.startedAt))}${ongoing ? ' so far' : ''}</span>` +
    '</li>'
  );
}

/** Everything inside `#status-root`: what the refresh replaces. */
export function renderBody(model: StatusPageModel): string {
  const cache: Record<string, string> = {};
  const lastCheck =
    model.lastCheckAt === null
      ? 'No checks yet'
      : `Last check ${renderTime(model.lastCheckAt, model, 'full')} <span class="ago">(${escapeHtml(formatDuration(model.generatedAt - model.lastCheckAt))} ago)</span>`;
  const products =
    model.products.length === 0
      ? '<p class="empty">No products have been checked yet.</p>'
      : `<ul class="products">${model.products.map((product) => renderProduct(product, model, cache)).join('')}</ul>`;
  const incidents =
    model.incidents.length === 0
      ? `<p class="empty">No incidents in the last ${model.incidentDays} days.</p>`
      : `<ul class="incidents">${model.incidents.map((incident) => renderIncident(incident, model)).join('')}</ul>`;
  return (
    `<p class="last-check" id="last-check">${lastCheck}</p>` +
    renderSummary(model) +
    '<section class="card" aria-labelledby="products-heading">' +
    '<div class="card-head"><h2 id="products-heading">Products</h2>' +
    '<p class="legend" aria-label="Colour key for the daily bars">' +
    '<span><span class="key up100" aria-hidden="true"></span>100%</span>' +
    '<span><span class="key up99" aria-hidden="true"></span>≥ 99%</span>' +
    '<span><span class="key up95" aria-hidden="true"></span>≥ 95%</span>' +
    '<span><span class="key down" aria-hidden="true"></span>&lt; 95%</span>' +
    '<span><span class="key nodata" aria-hidden="true"></span>No data</span>' +
    '</p></div>' +
    products +
    '</section>' +
    '<section class="card" aria-labelledby="incidents-heading">' +
    `<div class="card-head"><h2 id="incidents-heading">Recent incidents</h2><p class="legend">Last ${model.incidentDays} days</p></div>` +
    incidents +
    '</section>'
  );
}

/**
 * The functions shipped to the browser, in dependency-free order. Each must
 * stay self-contained (see the file comment).
 */
export const VIEW_FUNCTIONS: readonly ((...args: never[]) => unknown)[] = [
  escapeHtml,
  formatPercent,
  formatDuration,
  zonedParts,
  renderTime,
  dayClass,
  renderDaySegment,
  stateIcon,
  productLabel,
  stateKind,
  summaryText,
  pageTitle,
  renderSummary,
  renderProduct,
  renderIncident,
  renderBody,
];

/**
 * The whole document. `style` and `script` are inlined and allowed by hash in
 * the page's CSP, so the page needs nothing but this one response (no CDN,
 * works offline), and JSON embedded in it is not needed: the script reads
 * `status.json` itself.
 */
export function renderStatusPage(model: StatusPageModel, assets: { style: string; script: string }): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(pageTitle(model))}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${assets.style}</style>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#products-heading">Skip to products</a>',
    '<div class="wrap">',
    `<header class="top"><h1>${escapeHtml(model.title)}</h1>`,
    '<p class="sub">The confirmed state of each IIMMPACT biller and product, as checked by netwatch.</p></header>',
    `<main id="status-root" data-refresh="${escapeHtml(model.refreshSeconds)}">${renderBody(model)}</main>`,
    '<p id="stale" class="stale" role="status" hidden></p>',
    `<p id="live" class="sr-only" aria-live="polite">${escapeHtml(summaryText(model))}</p>`,
    '<footer class="foot">',
    `<p>Times are ${escapeHtml(model.tzLabel)} (UTC${model.tzOffsetSeconds >= 0 ? '+' : '−'}${Math.abs(model.tzOffsetSeconds) / 3600}); day bars run midnight to midnight ${escapeHtml(model.tzLabel)}. ` +
      `Uptime counts confirmed interruptions as downtime and leaves out time when netwatch could not check. This page refreshes every ${escapeHtml(model.refreshSeconds)} s.</p>`,
    '<p>Machine-readable: <a href="api/v1/status">api/v1/status</a> · <a href="metrics">metrics</a></p>',
    '</footer>',
    '</div>',
    '<div id="tooltip" class="tooltip" role="tooltip" hidden></div>',
    `<script>${assets.script}</script>`,
    '</body>',
    '</html>',
  ].join('\n');
}
