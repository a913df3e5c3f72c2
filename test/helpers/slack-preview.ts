import type { SlackBlock, SlackMessage } from '../../src/notify/render-slack.js';

/**
 * An HTML approximation of how Slack shows a Block Kit message, for the
 * README screenshots and for checking that escaped text stays inert. It is
 * not Slack: it renders the subset of Block Kit netwatch sends (header,
 * section with fields and image accessory, context, divider) and a few
 * emoji shortcodes as coloured marks (the test machine has no emoji font).
 */
const EMOJI: Record<string, string> = {
  red_circle: '<span class="dot" style="background:#e01e5a"></span>',
  large_green_circle: '<span class="dot" style="background:#2eb67d"></span>',
  hourglass_flowing_sand: '<span class="dot" style="background:#ecb22e"></span>',
  warning: '<span class="mark" style="color:#e8912d">&#9888;</span>',
  rotating_light: '<span class="mark" style="color:#e01e5a">&#9888;</span>',
  satellite_antenna: '<span class="dot" style="background:#7c3aed"></span>',
  white_check_mark: '<span class="mark" style="color:#2eb67d">&#10003;</span>',
  test_tube: '<span class="dot" style="background:#607d8b"></span>',
  zipper_mouth_face: '<span class="dot" style="background:#9e9e9e"></span>',
};

/** Slack text is already escaped for &, < and >; only mrkdwn markup is turned into HTML here. */
function mrkdwn(text: string): string {
  return text
    .replace(/"/g, '&quot;')
    .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/:([a-z_]+):/g, (whole, name: string) => EMOJI[name] ?? whole)
    .replace(/\n/g, '<br>');
}

function block(b: SlackBlock): string {
  switch (b.type) {
    case 'header':
      return `<div class="header">${mrkdwn(b.text.text)}</div>`;
    case 'divider':
      return '<hr>';
    case 'context':
      return `<div class="context">${b.elements.map((e) => mrkdwn(e.text)).join(' ')}</div>`;
    case 'section': {
      const image = b.accessory
        ? `<img class="accessory" src="${b.accessory.image_url.replace(/"/g, '&quot;')}" alt="${b.accessory.alt_text.replace(/"/g, '&quot;')}">`
        : '';
      const fields = b.fields ? `<div class="fields">${b.fields.map((f) => `<div>${mrkdwn(f.text)}</div>`).join('')}</div>` : '';
      return `<div class="section">${image}${b.text ? `<div>${mrkdwn(b.text.text)}</div>` : ''}${fields}</div>`;
    }
  }
}

export function slackPreviewHtml(messages: ReadonlyArray<{ time: string; message: SlackMessage }>): string {
  const posts = messages
    .map(
      ({ time, message }) => `
<div class="post">
  <div class="avatar">nw</div>
  <div class="body">
    <div class="meta"><b>netwatch</b> <span class="app">APP</span> <span class="time">${time}</span></div>
    ${message.blocks.map(block).join('\n')}
  </div>
</div>`,
    )
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Slack preview</title><style>
body { font-family: 'Liberation Sans', 'DejaVu Sans', sans-serif; font-size: 15px; color: #1d1c1d; background: #fff; margin: 0; padding: 8px 0; width: 760px; }
.channel { font-weight: bold; padding: 8px 20px 12px; border-bottom: 1px solid #ddd; margin-bottom: 8px; }
.post { display: flex; padding: 8px 20px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #1264a3; color: #fff; font-weight: bold; display: flex; align-items: center; justify-content: center; margin-right: 10px; flex: none; font-size: 13px; }
.body { flex: 1; line-height: 1.45; }
.meta .app { font-size: 10px; background: #eee; color: #555; padding: 1px 3px; border-radius: 2px; }
.meta .time { color: #616061; font-size: 12px; }
.header { font-weight: 900; font-size: 18px; margin: 6px 0 4px; }
.section { margin: 6px 0; overflow: hidden; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 16px; margin-top: 8px; }
.accessory { float: right; width: 72px; height: 72px; border-radius: 6px; margin-left: 12px; }
.context { color: #616061; font-size: 12px; margin: 6px 0; }
hr { border: none; border-top: 1px solid #ddd; margin: 10px 0; }
code { background: #f4f4f4; border: 1px solid #ddd; border-radius: 3px; padding: 0 3px; font-size: 12px; color: #e01e5a; }
.dot { display: inline-block; width: 14px; height: 14px; border-radius: 50%; vertical-align: -2px; }
.mark { font-weight: bold; }
</style></head><body><div class="channel"># payments-support</div>${posts}</body></html>`;
}
