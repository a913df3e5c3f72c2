import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../src/notify/render-email.js';
import { blind, interruption, message, recovery, reminder, T0 } from '../helpers/alert-fixtures.js';

describe('renderEmail', () => {
  it('renders an interruption subject, text and HTML with the same facts as Slack', () => {
    const email = renderEmail(message([interruption()], 50, 'events-1-1:email:default'));
    expect(email.subject).toBe('[netwatch] INTERRUPTION TNB - Tenaga Nasional Berhad');
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Tenaga Nasional Berhad (TNB)');
      expect(part).toContain('2025-05-19 14:49:03 MYT');
      expect(part).toContain('2025-05-19T06:49:03Z');
      expect(part).toContain('after 2 consecutive checks over 1 min');
      expect(part).toContain('Payments must NOT be blocked.');
      expect(part).toContain('let them pay');
    }
    expect(email.html).toContain('<img src="https://dashboard.iimmpact.com/img/TNB.png"');
  });

  it('has recovery and reminder counterparts with durations', () => {
    expect(renderEmail(message([recovery()])).subject).toBe('[netwatch] RECOVERED TNB - Tenaga Nasional Berhad (down 12 min)');
    const rec = renderEmail(message([recovery()]));
    expect(rec.text).toContain('Down for: 12 min');
    expect(rec.text).toContain('Ended: 2025-05-19 15:01:03 MYT (2025-05-19T07:01:03Z)');
    expect(renderEmail(message([reminder()])).subject).toBe('[netwatch] STILL INTERRUPTED TNB - Tenaga Nasional Berhad (down 1 h 05 min)');
    expect(renderEmail(message([blind()])).subject).toMatch(/^\[netwatch\] MONITORING PROBLEM: /);
  });

  it('escapes HTML in API values and strips header-breaking characters from the subject', () => {
    const evil = interruption('TNB', { productName: '<script>alert(1)</script>\r\nBcc: x@evil.example' });
    const email = renderEmail(message([evil]));
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toBe('[netwatch] INTERRUPTION TNB - <script>alert(1)</script> Bcc: x@evil.example');
  });

  it('groups many events into one email listing every product, with the IIMMPACT-wide note', () => {
    const events = Array.from({ length: 9 }, (_, n) => interruption(`P${n}`));
    const email = renderEmail(message(events, 10));
    expect(email.subject).toBe('[netwatch] IIMMPACT-WIDE? 9 products interrupted (P0, P1, P2, P3, P4 +4)');
    for (const event of events) expect(email.text).toContain(`${event.productCode} ${event.productName}`);
    expect(email.html).toContain('This looks like an IIMMPACT-wide problem');
  });
});

describe('describeEvent (console)', () => {
  it('keeps the one-line format and mentions a silence that held the alert back', async () => {
    const { describeEvent } = await import('../../src/notify/render-text.js');
    expect(describeEvent(interruption(), 0)).toMatch(
      /^INTERRUPTION TNB - Tenaga Nasional Berhad: since 2025-05-19 14:49:03 MYT \(2025-05-19T06:49:03Z\), confirmed by 2/,
    );
    const held = reminder('TNB', { afterSilence: { silenceId: 3, reason: 'maintenance', endedAt: T0 + 7200 } });
    expect(describeEvent(held, 0)).toContain('(held back by silence #3, which ended at 2025-05-19 16:49:03 MYT (2025-05-19T08:49:03Z))');
  });
});
