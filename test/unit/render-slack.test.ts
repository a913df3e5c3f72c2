import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertPayload } from '../../src/domain/alert-event.js';
import { renderSlackMessage, SLACK_LIMITS, type SlackBlock } from '../../src/notify/render-slack.js';
import { validateSlackPayload } from '../fakes/fake-slack.js';
import { blind, interruption, message, recovery, reminder, T0 } from '../helpers/alert-fixtures.js';

function allText(blocks: readonly SlackBlock[]): string {
  return JSON.stringify(blocks);
}

describe('renderSlackMessage', () => {
  it('renders an interruption with header, name and code, image, both time zones, confirmation and the payment rule', () => {
    const { text, blocks } = renderSlackMessage(message([interruption()]));
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':red_circle: Interruption: TNB - Tenaga Nasional Berhad', emoji: true },
    });
    const section = blocks[1] as Extract<SlackBlock, { type: 'section' }>;
    expect(section.accessory).toEqual({
      type: 'image',
      image_url: 'https://dashboard.iimmpact.com/img/TNB.png',
      alt_text: 'Tenaga Nasional Berhad',
    });
    const body = allText(blocks);
    expect(body).toContain('Tenaga Nasional Berhad (TNB)');
    expect(body).toContain('2025-05-19 14:49:03 MYT');
    expect(body).toContain('2025-05-19T06:49:03Z');
    expect(body).toContain('after 2 consecutive checks over 1 min');
    expect(body).toContain('Payments must NOT be blocked');
    expect(body).toContain('let them pay');
    expect(text).toMatch(/^INTERRUPTION: Tenaga Nasional Berhad \(TNB\) is in Interruption/);
    expect(text).toContain('Payments must NOT be blocked');
    expect(validateSlackPayload({ text, blocks })).toBeNull();
  });

  it('renders a recovery with the outage duration and start and end times', () => {
    const { text, blocks } = renderSlackMessage(message([recovery()]));
    const body = allText(blocks);
    expect((blocks[0] as { text: { text: string } }).text.text).toBe(
      ':large_green_circle: Recovered: TNB - Tenaga Nasional Berhad (down 12 min)',
    );
    expect(body).toContain('*Down for*\\n12 min');
    expect(body).toContain('2025-05-19 14:49:03 MYT (2025-05-19T06:49:03Z)');
    expect(body).toContain('2025-05-19 15:01:03 MYT (2025-05-19T07:01:03Z)');
    expect(body).not.toContain('Payments must NOT');
    expect(text).toContain('down 12 min');
  });

  it('renders a reminder with the running duration', () => {
    const { blocks } = renderSlackMessage(message([reminder()]));
    expect((blocks[0] as { text: { text: string } }).text.text).toContain('Still interrupted: TNB - Tenaga Nasional Berhad (1 h 05 min)');
    expect(allText(blocks)).toContain('Payments must NOT be blocked');
  });

  it('words monitoring-blind alerts so nobody mistakes them for a biller outage', () => {
    const { blocks, text } = renderSlackMessage(message([blind()]));
    expect(allText(blocks)).toContain('MONITORING PROBLEM (netwatch itself, not a biller)');
    expect(allText(blocks)).toContain('NOT a biller outage');
    expect(text).toMatch(/^MONITORING PROBLEM/);
  });

  it('escapes API values everywhere: <!channel> and friends cannot ping or inject', () => {
    const evil = interruption('TNB', { productName: '<!channel> & <@U123> <https://evil|click>', productImg: 'https://x/"><b>' });
    const { text, blocks } = renderSlackMessage(message([evil]));
    const payload = JSON.stringify({ text, blocks });
    expect(payload).not.toContain('<!channel>');
    expect(payload).not.toContain('<@U123>');
    expect(payload).not.toContain('<https://evil');
    expect(payload).toContain('&lt;!channel&gt; &amp; &lt;@U123&gt;');
    // An unsafe image URL is dropped rather than sent.
    expect(payload).not.toContain('accessory');
    // The grouped (compact) layout escapes too.
    const group = renderSlackMessage(message(Array.from({ length: 6 }, (_, n) => interruption(`P${n}`, { productName: '<!here>' }))));
    expect(JSON.stringify(group)).not.toContain('<!here>');
  });

  it('groups transitions that happened together into one message, with a compact list', () => {
    const events = [...['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7'].map((code) => interruption(code)), recovery('B1'), recovery('B2')];
    const { blocks, text } = renderSlackMessage(message(events, 100));
    expect((blocks[0] as { text: { text: string } }).text.text).toBe(':red_circle: 7 products interrupted, 2 recovered');
    const body = allText(blocks);
    for (const code of ['A1', 'A7', 'B1', 'B2']) expect(body).toContain(code);
    expect(body).not.toContain('IIMMPACT-wide');
    expect(text).toMatch(/^7 products interrupted, 2 recovered: /);
  });

  it('says it looks IIMMPACT-wide when most products go down at once', () => {
    const events = Array.from({ length: 8 }, (_, n) => interruption(`P${n}`));
    expect(allText(renderSlackMessage(message(events, 10)).blocks)).toContain('This looks like an IIMMPACT-wide problem');
    expect(allText(renderSlackMessage(message(events, 20)).blocks)).not.toContain('IIMMPACT-wide');
  });

  it('fits a 200-product storm into Slack limits, ending with "...and N more"', () => {
    const events = Array.from({ length: 200 }, (_, n) =>
      interruption(`PRODUCT_${n}`, { productName: `Very long biller name number ${n} ${'x'.repeat(60)}` }),
    );
    const rendered = renderSlackMessage(message(events, 200));
    expect(validateSlackPayload(rendered)).toBeNull();
    expect(rendered.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.maxBlocks);
    const body = allText(rendered.blocks);
    const more = /…and (\d+) more/.exec(body);
    expect(more).not.toBeNull();
    const shown = events.filter((event) => body.includes(`*${event.productCode}*`)).length;
    expect(shown + Number(more?.[1])).toBe(200);
    expect(rendered.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it('always fits Slack limits, for any group of events (property)', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 300 });
    const product = fc.record({
      kind: fc.constantFrom('interruption', 'recovery', 'reminder') as fc.Arbitrary<'interruption' | 'recovery' | 'reminder'>,
      productCode: fc.stringMatching(/^[A-Z0-9_]{1,32}$/),
      productName: fc.option(text, { nil: null }),
      productImg: fc.option(fc.oneof(fc.webUrl(), text), { nil: null }),
      startedAt: fc.integer({ min: T0, max: T0 + 86_400 }),
      observations: fc.integer({ min: 1, max: 100 }),
    });
    const event: fc.Arbitrary<AlertPayload> = fc.oneof(
      product.map((p) => ({ ...p, confirmedAt: p.startedAt + 60, endedAt: p.startedAt + 120, remindedAt: p.startedAt + 3600 })),
      fc.record({ condition: text, summary: text }).map((o) => ({ kind: 'monitoring_blind' as const, ...o, since: T0, at: T0 + 10 })),
    );
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 250 }), fc.integer({ min: 0, max: 500 }), (events, productCount) => {
        const rendered = renderSlackMessage(message(events, productCount, 'events-1-999:slack:routes[3]'));
        expect(validateSlackPayload(rendered)).toBeNull();
        expect(rendered.text.length).toBeGreaterThan(0);
        expect(rendered.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
      }),
      { numRuns: 150 },
    );
  });
});
