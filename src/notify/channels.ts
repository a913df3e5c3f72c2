import type { Config } from '../config/load-config.js';
import type { AlertPayload } from '../domain/alert-event.js';
import type { Logger } from '../shared/logger.js';
import type { Destination } from '../store/outbox-repository.js';
import { createConsoleNotifier } from './console-notifier.js';
import { createEmailNotifier } from './email-notifier.js';
import type { Notifier } from './notifier.js';
import { destinationAccepts, type RouteSpec } from './routing.js';
import { createSlackNotifier } from './slack-notifier.js';

/**
 * Builds the notifiers and the destination list from `alerting:`.
 *
 * Destinations are route labels per channel: `default` (alerting.slack /
 * alerting.email) and `routes[i]`. A product goes, per channel, to the first
 * route that matches it and sets that channel, else to the channel's default.
 * Operator alerts (monitoring blind/restored) go to the defaults only.
 * When neither Slack nor email has a default, the console notifier logs
 * everything no route took, so nothing is silently dropped.
 */
export interface AlertChannels {
  notifiers: Notifier[];
  destinations: Destination[];
  /** Non-fatal configuration notes to log once. */
  warnings: string[];
}

export interface ChannelOptions {
  logger: Logger;
  nowSeconds: () => number;
  /** Replaces the notifiers built from config (tests); their `destinations` name the labels. */
  notifiers?: readonly Notifier[];
}

type Alerting = Config['alerting'];

export function createAlertChannels(alerting: Alerting, options: ChannelOptions): AlertChannels {
  const warnings: string[] = [];
  const notifiers: Notifier[] = options.notifiers ? [...options.notifiers] : buildNotifiers(alerting, warnings);
  const routes = routeSpecs(alerting, notifiers);
  const destinations: Destination[] = [];
  const defaults = new Set<string>();
  for (const notifier of notifiers) {
    if (notifier.channel === 'console') continue;
    const labels = notifier.destinations ?? ['default'];
    const hasDefault = labels.includes('default');
    if (hasDefault) defaults.add(notifier.channel);
    for (const label of labels) {
      destinations.push({
        channel: notifier.channel,
        destination: label,
        accepts: (event) => destinationAccepts(routes, notifier.channel, label, hasDefault, event),
      });
    }
  }
  if (defaults.size === 0) {
    // Nothing catches the rest: log whatever no route took (and everything in demo / unconfigured mode).
    let consoleNotifier = notifiers.find((notifier) => notifier.channel === 'console');
    if (!consoleNotifier) {
      consoleNotifier = createConsoleNotifier(options.logger, options.nowSeconds);
      notifiers.push(consoleNotifier);
    }
    const routed = [...destinations];
    destinations.push({
      channel: 'console',
      destination: 'default',
      accepts: (event: AlertPayload) => !routed.some((d) => d.accepts?.(event) ?? true),
    });
  }
  return { notifiers, destinations, warnings };
}

function buildNotifiers(alerting: Alerting, warnings: string[]): Notifier[] {
  const notifiers: Notifier[] = [];
  const webhooks = new Map<string, string>();
  if (alerting.slack) webhooks.set('default', alerting.slack.webhookUrl);
  alerting.routes.forEach((route, index) => {
    if (route.slack) webhooks.set(`routes[${index}]`, route.slack.webhookUrl);
  });
  if (webhooks.size > 0) notifiers.push(createSlackNotifier({ webhooks, timeoutMs: alerting.sendTimeout }));

  const recipients = new Map<string, readonly string[]>();
  if (alerting.email) recipients.set('default', alerting.email.to);
  alerting.routes.forEach((route, index) => {
    if (!route.email) return;
    if (!alerting.email) {
      warnings.push(`alerting.routes[${index}].email: ignored because alerting.email (the SMTP server and sender) is not configured`);
      return;
    }
    recipients.set(`routes[${index}]`, route.email.to);
  });
  if (alerting.email && recipients.size > 0) {
    notifiers.push(
      createEmailNotifier({ smtpUrl: alerting.email.smtpUrl, from: alerting.email.from, recipients, timeoutMs: alerting.sendTimeout }),
    );
  }
  return notifiers;
}

/** The routes as the routing functions see them: only channels that actually have a notifier label. */
function routeSpecs(alerting: Alerting, notifiers: readonly Notifier[]): RouteSpec[] {
  const labelsByChannel = new Map(notifiers.map((notifier) => [notifier.channel, new Set(notifier.destinations ?? ['default'])]));
  return alerting.routes.map((route, index) => {
    const label = `routes[${index}]`;
    const channels = new Set<string>();
    for (const channel of ['slack', 'email']) {
      if (labelsByChannel.get(channel)?.has(label)) channels.add(channel);
    }
    return { products: route.products, channels };
  });
}
