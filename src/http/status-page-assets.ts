import { VIEW_FUNCTIONS } from './status-page.js';

/**
 * The status page's inline style and script. Both are constant for the life
 * of the process, so the page's CSP can allow exactly them by hash.
 *
 * The script is the renderer's own view functions (see status-page.ts) plus
 * a little glue: poll `status.json` every `data-refresh` seconds (skipping
 * while the tab is hidden), re-render `#status-root`, update the title and a
 * polite live region, and show day tooltips on hover, focus-free tap or click.
 * Rendering goes through the same escaping as the server; the glue itself
 * only ever writes `textContent`.
 */
export interface StatusPageAssets {
  style: string;
  script: string;
}

let cached: StatusPageAssets | null = null;

/** Builds (once) and returns the page's style and script. */
export function statusPageAssets(): StatusPageAssets {
  cached ??= { style: STYLE, script: buildScript() };
  return cached;
}

/** The shipped view-function source, as the browser receives it (for tests). */
export function viewFunctionsSource(): string {
  return VIEW_FUNCTIONS.map((fn) => fn.toString()).join('\n');
}

function buildScript(): string {
  return `(() => {
'use strict';
${viewFunctionsSource()}
${GLUE}
})();`;
}

const GLUE = `
const root = document.getElementById('status-root');
const live = document.getElementById('live');
const stale = document.getElementById('stale');
const tooltip = document.getElementById('tooltip');
const refreshMs = Math.max(1, Number(root.getAttribute('data-refresh')) || 30) * 1000;
let rendered = null;
let active = null;

function hideTip() {
  tooltip.hidden = true;
  if (active) active.classList.remove('active');
  active = null;
}

function showTip(seg) {
  if (active && active !== seg) active.classList.remove('active');
  active = seg;
  seg.classList.add('active');
  tooltip.textContent = seg.getAttribute('data-tip') || '';
  tooltip.hidden = false;
  const r = seg.getBoundingClientRect();
  const t = tooltip.getBoundingClientRect();
  const maxLeft = document.documentElement.clientWidth - t.width - 8;
  const left = Math.max(8, Math.min(r.left + r.width / 2 - t.width / 2, maxLeft));
  let top = r.top - t.height - 8;
  if (top < 8) top = r.bottom + 8;
  tooltip.style.left = (left + window.scrollX) + 'px';
  tooltip.style.top = (top + window.scrollY) + 'px';
}

function segOf(node) {
  return node instanceof Element ? node.closest('.seg') : null;
}

/** Where the open tooltip points, so it survives a re-render. */
function activePosition() {
  if (!active) return null;
  const row = active.closest('[data-product]');
  return row ? { code: row.getAttribute('data-product'), index: Array.prototype.indexOf.call(active.parentNode.children, active) } : null;
}

root.addEventListener('mouseover', (event) => {
  const seg = segOf(event.target);
  if (seg && seg !== active) showTip(seg);
});
root.addEventListener('mouseout', (event) => {
  if (segOf(event.target) && !segOf(event.relatedTarget)) hideTip();
});
// A tap fires mouseover then click: show on both, hide on a tap or click elsewhere.
root.addEventListener('click', (event) => {
  const seg = segOf(event.target);
  if (seg) showTip(seg);
  else hideTip();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') hideTip();
});

async function refresh() {
  if (document.hidden) return;
  try {
    const response = await fetch('status.json', { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const model = await response.json();
    const html = renderBody(model);
    if (html !== rendered) {
      const position = activePosition();
      hideTip();
      root.innerHTML = html;
      rendered = html;
      if (position) {
        for (const row of root.querySelectorAll('.product[data-product]')) {
          if (row.getAttribute('data-product') !== position.code) continue;
          const seg = row.querySelectorAll('.seg')[position.index];
          if (seg) showTip(seg);
        }
      }
    }
    document.title = pageTitle(model);
    const summary = summaryText(model);
    if (live.textContent !== summary) live.textContent = summary;
    stale.hidden = true;
    root.removeAttribute('aria-busy');
  } catch (error) {
    stale.textContent = 'Could not refresh (' + ((error && error.message) || error) + '). The figures below may be out of date; retrying every ' + refreshMs / 1000 + ' s.';
    stale.hidden = false;
  }
}

setInterval(refresh, refreshMs);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) refresh();
});
`;

const STYLE = `
:root{--bg:#f6f8fa;--card:#fff;--text:#1f2328;--muted:#59636e;--border:#d1d9e0;--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#7d4e00;--warn-bg:#fff8c5;--unk:#59636e;--unk-bg:#eff2f5;--s100:#2da44e;--s99:#bf8700;--s95:#e16f24;--sdown:#cf222e;--snone:#d1d9e0;--tip-bg:#1f2328;--tip-fg:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--text:#f0f6fc;--muted:#9198a1;--border:#3d444d;--ok:#3fb950;--ok-bg:#12261e;--bad:#ff7b72;--bad-bg:#2d1517;--warn:#d29922;--warn-bg:#272115;--unk:#9198a1;--unk-bg:#262c36;--s100:#2ea043;--s99:#bb8009;--s95:#db6d28;--sdown:#da3633;--snone:#3d444d;--tip-bg:#f0f6fc;--tip-fg:#1f2328}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif}
a{color:inherit}
.wrap{max-width:980px;margin:0 auto;padding:28px 20px 40px}
.top h1{font-size:1.6rem;line-height:1.25;margin:0;letter-spacing:-.01em}
.sub{color:var(--muted);margin:4px 0 0}
.last-check{color:var(--muted);margin:18px 0 10px;font-size:.9rem}
.last-check time{color:var(--text);font-weight:600;font-variant-numeric:tabular-nums}
.banner{border-radius:12px;padding:16px 20px;margin:0 0 24px;border:1px solid var(--border);background:var(--card)}
.banner-healthy{background:var(--ok-bg);border-color:var(--ok)}
.banner-interruption{background:var(--bad-bg);border-color:var(--bad)}
.banner-unknown{background:var(--unk-bg)}
.banner-main{display:flex;align-items:center;gap:10px}
.banner h2{font-size:1.2rem;line-height:1.3;margin:0}
.banner .icon{width:24px;height:24px;flex:none}
.banner-healthy .icon{fill:var(--ok)}
.banner-interruption .icon{fill:var(--bad)}
.banner-unknown .icon{fill:var(--unk)}
.advice{margin:6px 0 0 34px}
.counts{display:flex;flex-wrap:wrap;gap:6px 18px;margin:8px 0 0 34px;color:var(--muted);font-size:.9rem}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
.dot-healthy{background:var(--s100)}
.dot-interruption{background:var(--sdown)}
.dot-unknown{background:var(--snone)}
.card{background:var(--card);border:1px solid var(--border);border-radius:12px;margin:0 0 24px;overflow:hidden}
.card-head{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:6px 16px;padding:14px 20px;border-bottom:1px solid var(--border)}
.card-head h2{font-size:1.05rem;margin:0}
.legend{display:flex;gap:4px 12px;flex-wrap:wrap;margin:0;font-size:.8rem;color:var(--muted)}
.key{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.products,.incidents{list-style:none;margin:0;padding:0}
.product{padding:16px 20px;border-bottom:1px solid var(--border)}
.product:last-child,.incident:last-child{border-bottom:0}
.product-head{display:flex;justify-content:space-between;align-items:center;gap:12px}
.product-name{font-size:1rem;margin:0;font-weight:600;overflow-wrap:anywhere}
.code{font:500 .75rem/1.6 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:var(--muted);background:var(--unk-bg);border-radius:4px;padding:1px 6px;margin-left:4px;vertical-align:1px;white-space:nowrap}
.badge{display:inline-flex;align-items:center;gap:6px;font-size:.85rem;font-weight:600;padding:3px 10px;border-radius:999px;white-space:nowrap;flex:none}
.badge .icon{fill:currentColor}
.badge-healthy,.badge-resolved{color:var(--ok);background:var(--ok-bg)}
.badge-interruption{color:var(--bad);background:var(--bad-bg)}
.badge-unknown{color:var(--unk);background:var(--unk-bg)}
.product-meta{margin:4px 0 10px;color:var(--muted);font-size:.85rem;min-height:1.3em}
.state-interruption .product-meta{color:var(--bad);font-weight:500}
.warn-text{color:var(--warn)}
.bar{display:flex;gap:2px;height:34px}
.seg{flex:1 1 0;min-width:2px;border-radius:2px;background:var(--snone);cursor:default}
.seg.up100,.key.up100{background:var(--s100)}
.seg.up99,.key.up99{background:var(--s99)}
.seg.up95,.key.up95{background:var(--s95)}
.seg.down,.key.down{background:var(--sdown)}
.seg.nodata,.key.nodata{background:var(--snone)}
.seg:hover,.seg.active{opacity:.65}
.bar-foot{display:flex;justify-content:space-between;align-items:center;gap:8px;margin-top:6px;font-size:.8rem;color:var(--muted)}
.uptimes{display:flex;gap:14px}
.uptime strong{color:var(--text);font-variant-numeric:tabular-nums}
.narrow-only{display:none}
.incident{display:flex;gap:8px 14px;align-items:baseline;padding:12px 20px;border-bottom:1px solid var(--border);flex-wrap:wrap}
.incident>.badge{min-width:5.5rem;justify-content:center}
.incident-body{flex:1 1 260px;min-width:0}
.incident-when{color:var(--muted);font-size:.85rem;display:block}
.incident-duration{font-variant-numeric:tabular-nums;font-weight:600;white-space:nowrap}
.empty{padding:16px 20px;margin:0;color:var(--muted)}
.stale{background:var(--warn-bg);color:var(--warn);border:1px solid var(--warn);border-radius:8px;padding:10px 14px;margin:0 0 16px}
.foot{color:var(--muted);font-size:.8rem}
.foot p{margin:4px 0}
.tooltip{position:absolute;top:0;left:0;z-index:10;background:var(--tip-bg);color:var(--tip-fg);font-size:.8rem;line-height:1.45;padding:8px 10px;border-radius:6px;white-space:pre-line;pointer-events:none;box-shadow:0 6px 16px rgba(0,0,0,.25);max-width:240px}
.tooltip[hidden]{display:none}
.sr-only{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.skip{position:absolute;left:-9999px;top:8px}
.skip:focus{left:16px;z-index:20;background:var(--card);padding:8px 12px;border-radius:6px}
@media (max-width:640px){
.wrap{padding:18px 12px 32px}
.top h1{font-size:1.3rem}
.banner{padding:14px 16px}
.advice,.counts{margin-left:0}
.card-head,.product,.incident,.empty{padding-left:14px;padding-right:14px}
.seg:nth-child(-n+60){display:none}
.bar{gap:3px;height:30px}
.wide-only{display:none}
.narrow-only{display:inline}
.uptimes{gap:10px}
.incident{display:grid;grid-template-columns:1fr auto;gap:4px 12px}
.incident>.badge{grid-column:1/-1;justify-self:start;min-width:0}
.incident-body{grid-column:1}
.incident-duration{grid-column:2;grid-row:2}
}
`;
