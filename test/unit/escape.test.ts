import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clampText, escapeHtml, escapeSlack, safeHttpUrl, sanitizeHeader } from '../../src/notify/escape.js';

describe('escaping', () => {
  it('escapes exactly Slack control characters, so <!channel> cannot ping anyone', () => {
    expect(escapeSlack('<!channel> & <@U123|bob> > x')).toBe('&lt;!channel&gt; &amp; &lt;@U123|bob&gt; &gt; x');
    expect(escapeSlack('already &amp;')).toBe('already &amp;amp;');
  });

  it('escapes HTML text and attributes', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
  });

  it('flattens header-breaking characters', () => {
    expect(sanitizeHeader('TNB\r\nBcc: victim@example.com\u2028x\u0000y')).toBe('TNB Bcc: victim@example.com x y');
    expect(sanitizeHeader('a'.repeat(500), 50)).toHaveLength(50);
  });

  it('clamps without splitting an entity or a surrogate pair', () => {
    expect(clampText('abc', 3)).toBe('abc');
    expect(clampText('abcd', 3)).toBe('ab…');
    expect(clampText('ab&amp;cd', 6)).toBe('ab…');
    expect(clampText('ab😀cd', 4)).toBe('ab…');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 120 }), (raw, max) => {
        const clamped = clampText(escapeSlack(raw), max);
        expect(clamped.length).toBeLessThanOrEqual(max);
        expect(clamped).not.toMatch(/&[a-z]{0,3}…$/);
        // No raw control characters appear through escaping and clamping.
        expect(clamped).not.toMatch(/[<>]/);
        const last = clamped.charCodeAt(clamped.length - 2);
        if (clamped.endsWith('…')) expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
      }),
    );
  });

  it('accepts only http(s) image URLs', () => {
    expect(safeHttpUrl('https://dashboard.iimmpact.com/img/TNB.png')).toBe('https://dashboard.iimmpact.com/img/TNB.png');
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('https://x/"><script>')).toBeNull();
    expect(safeHttpUrl(null)).toBeNull();
  });
});
