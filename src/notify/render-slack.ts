import { type EventFacts, eventFacts, groupFacts, OPERATOR_NOTE, PAYMENT_RULE, wideSentence } from './alert-facts.js';
import { clampText, escapeSlack } from './escape.js';
import type { OutboundMessage } from './notifier.js';
import { productCodeOf } from './routing.js';

/**
 * Pure Block Kit rendering. Every value from the API is escaped with
 * `escapeSlack` before it is placed in mrkdwn or plain text, and the result
 * always fits Slack's limits, however many products are in the group.
 */

/** Slack's documented Block Kit limits for messages (and the ~12k practical total we keep under). */
export const SLACK_LIMITS = Object.freeze({
  maxBlocks: 50,
  sectionText: 3000,
  headerText: 150,
  maxFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 2000,
  altText: 2000,
  imageUrl: 3000,
  /** Sum of every text in every block. */
  totalBlockText: 12_000,
  /** The top-level `text` notification fallback we send (Slack allows far more; keep it readable). */
  fallbackText: 3000,
});

export interface SlackText {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[]; accessory?: { type: 'image'; image_url: string; alt_text: string } }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** Plain text fallback for notifications and clients without Block Kit. */
  text: string;
  blocks: SlackBlock[];
}

/** Events rendered one by one (with images) up to this many; above it, a compact list. */
const DETAILED_MAX_EVENTS = 3;
/** Blocks kept free for the "...and N more" line and the footer. */
const RESERVED_BLOCKS = 2;
/** Characters kept free for the same. */
const RESERVED_TEXT = 400;

/** Renders one outbox message as Block Kit with a plain-text fallback. Pure; never throws. */
export function renderSlackMessage(message: OutboundMessage): SlackMessage {
  const events = message.events;
  const builder = new BlockBuilder();
  let fallback: string;

  if (events.length <= DETAILED_MAX_EVENTS) {
    const facts = events.map(eventFacts);
    const group = events.length > 1 ? groupFacts(events, message.productCount) : null;
    if (group) builder.header(`${group.sections[0]?.items[0]?.emoji ?? ''} ${group.title}`);
    for (const [index, fact] of facts.entries()) {
      if (index > 0) builder.divider();
      renderDetailed(builder, fact, group === null);
    }
    if (group?.paymentRule) builder.section(ruleText());
    fallback = group ? `${group.title}: ${facts.map((f) => plainLine(f)).join('; ')}` : plainSummary(facts[0]);
  } else {
    const group = groupFacts(events, message.productCount);
    builder.header(`${group.sections[0]?.items[0]?.emoji ?? ''} ${group.title}`);
    if (group.wide) builder.section(`:rotating_light: *${escapeSlack(wideSentence(group.wide))}*`);
    if (group.paymentRule) builder.section(ruleText());
    if (group.sections.some((section) => section.kind === 'monitoring_blind'))
      builder.section(`:satellite_antenna: ${escapeSlack(OPERATOR_NOTE)}`);
    let omitted = 0;
    for (const section of group.sections) {
      omitted += builder.list(`*${escapeSlack(section.title)}*`, section.items.map(listLine));
    }
    if (omitted > 0)
      builder.force({
        type: 'section',
        text: { type: 'mrkdwn', text: `…and ${omitted} more (run \`netwatch status\` for the full list)` },
      });
    fallback = `${group.title}${group.wide ? `. ${wideSentence(group.wide)}` : ''}: ${group.sections
      .flatMap((section) => section.items.map(plainLine))
      .join('; ')}`;
  }
  builder.force({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `netwatch · ref ${escapeSlack(message.idempotencyKey.slice(0, 80))}` }],
  });
  return { text: clampText(escapeSlack(fallback), SLACK_LIMITS.fallbackText), blocks: builder.blocks };
}

/** `• *TNB* Tenaga Nasional Berhad, since ...`: the code in bold, everything escaped. */
function listLine(item: EventFacts): string {
  const code = productCodeOf(item.event);
  if (code !== null && item.line.startsWith(code)) return `• *${escapeSlack(code)}*${escapeSlack(item.line.slice(code.length))}`;
  return `• ${escapeSlack(item.line)}`;
}

function ruleText(): string {
  return `:warning: *Payments must NOT be blocked.* ${escapeSlack(PAYMENT_RULE.replace(/^Payments must NOT be blocked\. /, ''))}`;
}

function plainSummary(fact: EventFacts | undefined): string {
  if (!fact) return 'netwatch alert';
  return `${fact.tag}: ${fact.summary}${fact.paymentRule ? ` ${PAYMENT_RULE}` : ''}`;
}

function plainLine(fact: EventFacts): string {
  return `${fact.tag} ${fact.line}`;
}

function renderDetailed(builder: BlockBuilder, fact: EventFacts, withHeader: boolean): void {
  if (withHeader) builder.header(`${fact.emoji} ${fact.headline}`);
  const summary = withHeader ? escapeSlack(fact.summary) : `${fact.emoji} *${escapeSlack(fact.headline)}*\n${escapeSlack(fact.summary)}`;
  builder.section(summary, {
    fields: fact.fields.map((field) => `*${escapeSlack(field.label)}*\n${escapeSlack(field.value)}`),
    ...(fact.imageUrl ? { image: { url: fact.imageUrl, alt: fact.imageAlt } } : {}),
  });
  if (withHeader && fact.paymentRule) builder.section(ruleText());
  if (fact.note) builder.context(`:zipper_mouth_face: ${escapeSlack(fact.note)}`);
}

/**
 * Accumulates blocks within Slack's limits. Every text is clamped to its
 * element limit; a block that would break the block count or the total text
 * budget is refused (the caller counts what was left out).
 */
class BlockBuilder {
  readonly blocks: SlackBlock[] = [];
  private textUsed = 0;

  private fits(size: number, reserve: boolean): boolean {
    const blockRoom = SLACK_LIMITS.maxBlocks - (reserve ? RESERVED_BLOCKS : 0);
    const textRoom = SLACK_LIMITS.totalBlockText - (reserve ? RESERVED_TEXT : 0);
    return this.blocks.length < blockRoom && this.textUsed + size <= textRoom;
  }

  private push(block: SlackBlock, size: number, reserve: boolean): boolean {
    if (!this.fits(size, reserve)) return false;
    this.blocks.push(block);
    this.textUsed += size;
    return true;
  }

  /** `text` is raw: it is escaped here (headers carry API values). */
  header(text: string): boolean {
    const clamped = clampText(escapeSlack(text.trim()), SLACK_LIMITS.headerText);
    return this.push({ type: 'header', text: { type: 'plain_text', text: clamped, emoji: true } }, clamped.length, true);
  }

  divider(): boolean {
    return this.push({ type: 'divider' }, 0, true);
  }

  context(text: string): boolean {
    const clamped = clampText(text, SLACK_LIMITS.contextText);
    return this.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clamped }] }, clamped.length, true);
  }

  section(text: string, extra: { fields?: string[]; image?: { url: string; alt: string } } = {}): boolean {
    const clamped = clampText(text, SLACK_LIMITS.sectionText);
    const fields = (extra.fields ?? []).slice(0, SLACK_LIMITS.maxFields).map((field) => clampText(field, SLACK_LIMITS.fieldText));
    const size = clamped.length + fields.reduce((sum, field) => sum + field.length, 0);
    const block: SlackBlock = { type: 'section', text: { type: 'mrkdwn', text: clamped } };
    if (fields.length > 0) block.fields = fields.map((field) => ({ type: 'mrkdwn', text: field }));
    if (extra.image && extra.image.url.length <= SLACK_LIMITS.imageUrl) {
      block.accessory = {
        type: 'image',
        image_url: extra.image.url,
        alt_text: clampText(escapeSlack(extra.image.alt) || 'product', SLACK_LIMITS.altText),
      };
    }
    return this.push(block, size, true);
  }

  /**
   * A titled list, split over as many sections as it needs (each under the
   * section limit). Lines that do not fit the remaining budget are left out.
   * @returns how many lines were left out
   */
  list(title: string, lines: readonly string[]): number {
    const items = lines.map((line) => clampText(line, 500));
    let next = 0;
    while (next < items.length) {
      const blocksLeft = SLACK_LIMITS.maxBlocks - RESERVED_BLOCKS - this.blocks.length;
      const room = Math.min(SLACK_LIMITS.sectionText, SLACK_LIMITS.totalBlockText - RESERVED_TEXT - this.textUsed);
      if (blocksLeft <= 0) break;
      let text = next === 0 ? title : '';
      let taken = 0;
      while (next + taken < items.length) {
        const candidate = text === '' ? (items[next + taken] as string) : `${text}\n${items[next + taken]}`;
        if (candidate.length > room) break;
        text = candidate;
        taken += 1;
      }
      if (taken === 0 || !this.section(text)) break;
      next += taken;
    }
    return items.length - next;
  }

  /** Adds a block even into the reserved room (never past the hard limits). */
  force(block: SlackBlock): void {
    const size = blockTextLength(block);
    this.push(block, size, false);
  }
}

/** Total characters of text in one block, as counted against the ~12k budget. */
export function blockTextLength(block: SlackBlock): number {
  switch (block.type) {
    case 'header':
      return block.text.text.length;
    case 'section':
      return (block.text?.text.length ?? 0) + (block.fields ?? []).reduce((sum, field) => sum + field.text.length, 0);
    case 'context':
      return block.elements.reduce((sum, element) => sum + element.text.length, 0);
    case 'divider':
      return 0;
  }
}
