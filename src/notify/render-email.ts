import { formatDurationSeconds } from '../shared/duration.js';
import { type EventFacts, eventFacts, type GroupFacts, groupFacts, OPERATOR_NOTE, PAYMENT_RULE, wideSentence } from './alert-facts.js';
import { escapeHtml, sanitizeHeader } from './escape.js';
import type { OutboundMessage } from './notifier.js';
import { productLabel } from './render-text.js';

/**
 * Pure email rendering: a subject, a text part and an HTML part carrying the
 * same facts as the Slack message. API values are HTML-escaped in the HTML
 * part, and the subject is stripped of anything that could break a header.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const SUBJECT_PREFIX = '[netwatch]';
const SUBJECT_MAX = 200;
/** Codes named in a group subject before "+N". */
const SUBJECT_CODES = 5;

/** Renders one outbox message as an email. Pure; never throws. */
export function renderEmail(message: OutboundMessage): RenderedEmail {
  const footer = `netwatch · ref ${message.idempotencyKey}`;
  if (message.events.length === 1 && message.events[0]) {
    const fact = eventFacts(message.events[0]);
    return {
      subject: sanitizeHeader(`${SUBJECT_PREFIX} ${singleSubject(fact)}`, SUBJECT_MAX),
      text: singleText(fact, footer),
      html: page(fact.headline, singleHtml(fact), footer),
    };
  }
  const group = groupFacts(message.events, message.productCount);
  return {
    subject: sanitizeHeader(`${SUBJECT_PREFIX} ${groupSubject(group)}`, SUBJECT_MAX),
    text: groupText(group, footer),
    html: page(group.title, groupHtml(group), footer),
  };
}

function singleSubject(fact: EventFacts): string {
  const event = fact.event;
  switch (event.kind) {
    case 'interruption':
      return `INTERRUPTION ${productLabel(event)}`;
    case 'recovery':
      return `RECOVERED ${productLabel(event)} (down ${formatDurationSeconds((event.endedAt ?? event.confirmedAt) - event.startedAt)})`;
    case 'reminder':
      return `STILL INTERRUPTED ${productLabel(event)} (down ${formatDurationSeconds((event.remindedAt ?? event.confirmedAt) - event.startedAt)})`;
    case 'monitoring_blind':
    case 'monitoring_restored':
      return `${fact.tag}: ${event.summary}`;
    case 'test':
      return 'TEST notification (no action needed)';
  }
}

function groupSubject(group: GroupFacts): string {
  const codes = group.sections.flatMap((section) =>
    section.items.flatMap((item) => ('productCode' in item.event && item.event.productCode ? [item.event.productCode] : [])),
  );
  const unique = [...new Set(codes)];
  const named = unique.slice(0, SUBJECT_CODES).join(', ');
  const more = unique.length > SUBJECT_CODES ? ` +${unique.length - SUBJECT_CODES}` : '';
  const wide = group.wide ? 'IIMMPACT-WIDE? ' : '';
  return `${wide}${group.title}${named ? ` (${named}${more})` : ''}`;
}

function factLines(fact: EventFacts): string[] {
  return fact.fields.map((field) => `${field.label}: ${field.value}`);
}

function singleText(fact: EventFacts, footer: string): string {
  const lines = [`${fact.tag}: ${fact.summary}`, '', ...factLines(fact)];
  if (fact.imageUrl) lines.push(`Image: ${fact.imageUrl}`);
  if (fact.paymentRule) lines.push('', PAYMENT_RULE);
  if (fact.note) lines.push('', fact.note);
  lines.push('', '-- ', footer, '');
  return lines.join('\n');
}

function groupText(group: GroupFacts, footer: string): string {
  const lines = [group.title];
  if (group.wide) lines.push('', wideSentence(group.wide));
  if (group.paymentRule) lines.push('', PAYMENT_RULE);
  if (group.sections.some((section) => section.kind === 'monitoring_blind')) lines.push('', OPERATOR_NOTE);
  for (const section of group.sections) {
    lines.push('', `${section.title}:`);
    for (const item of section.items) {
      lines.push(`  - ${item.line}`);
      if (item.note) lines.push(`    ${item.note}`);
    }
  }
  lines.push('', '-- ', footer, '');
  return lines.join('\n');
}

const COLORS: Record<string, string> = {
  INTERRUPTION: '#c62828',
  'STILL INTERRUPTED': '#ef6c00',
  RECOVERED: '#2e7d32',
  'MONITORING PROBLEM': '#6a1b9a',
  'MONITORING RESTORED': '#2e7d32',
  TEST: '#455a64',
};

function ruleHtml(): string {
  return `<p style="margin:16px 0;padding:12px;background:#fff3e0;border-left:4px solid #ef6c00"><strong>Payments must NOT be blocked.</strong> ${escapeHtml(
    PAYMENT_RULE.replace(/^Payments must NOT be blocked\. /, ''),
  )}</p>`;
}

function singleHtml(fact: EventFacts): string {
  const color = COLORS[fact.tag] ?? '#455a64';
  const image = fact.imageUrl
    ? `<img src="${escapeHtml(fact.imageUrl)}" alt="${escapeHtml(fact.imageAlt)}" width="64" height="64" style="float:right;margin:0 0 8px 16px">`
    : '';
  const rows = fact.fields
    .map(
      (field) =>
        `<tr><th align="left" style="padding:4px 12px 4px 0;color:#555;font-weight:600;vertical-align:top">${escapeHtml(field.label)}</th><td style="padding:4px 0">${escapeHtml(field.value)}</td></tr>`,
    )
    .join('');
  return [
    `<h2 style="margin:0 0 8px;color:${color}">${escapeHtml(fact.headline)}</h2>`,
    image,
    `<p style="margin:0 0 12px">${escapeHtml(fact.summary)}</p>`,
    `<table style="border-collapse:collapse">${rows}</table>`,
    fact.paymentRule ? ruleHtml() : '',
    fact.note ? `<p style="color:#555">${escapeHtml(fact.note)}</p>` : '',
  ].join('\n');
}

function groupHtml(group: GroupFacts): string {
  const color = COLORS[group.tag] ?? '#455a64';
  const parts = [`<h2 style="margin:0 0 8px;color:${color}">${escapeHtml(group.title)}</h2>`];
  if (group.wide)
    parts.push(
      `<p style="padding:12px;background:#ffebee;border-left:4px solid #c62828"><strong>${escapeHtml(wideSentence(group.wide))}</strong></p>`,
    );
  if (group.paymentRule) parts.push(ruleHtml());
  if (group.sections.some((section) => section.kind === 'monitoring_blind'))
    parts.push(`<p><strong>${escapeHtml(OPERATOR_NOTE)}</strong></p>`);
  for (const section of group.sections) {
    parts.push(`<h3 style="margin:16px 0 4px">${escapeHtml(section.title)}</h3>`);
    parts.push(
      `<ul style="margin:0;padding-left:20px">${section.items.map((item) => `<li>${escapeHtml(item.line)}${item.note ? `<br><small>${escapeHtml(item.note)}</small>` : ''}</li>`).join('')}</ul>`,
    );
  }
  return parts.join('\n');
}

function page(title: string, body: string, footer: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:14px;color:#222;max-width:640px">',
    body,
    `<p style="margin-top:24px;color:#888;font-size:12px">${escapeHtml(footer)}</p>`,
    '</body></html>',
    '',
  ].join('\n');
}
