/**
 * What the status page shows, as plain JSON-able data. The server renders it
 * into `/` and serves it as `/status.json`; the page's script fetches it every
 * `refreshSeconds` and re-renders with the very same view functions. Times are
 * epoch seconds.
 */
export interface StatusPageModel {
  title: string;
  /** "Now" for every relative text ("4 min ago"), so rendering stays pure. */
  generatedAt: number;
  /** The most recent check of any product; null before the first. */
  lastCheckAt: number | null;
  refreshSeconds: number;
  /** Display zone: seconds east of UTC and its label (Malaysia: 28800, "MYT"). Day segments use the same zone. */
  tzOffsetSeconds: number;
  tzLabel: string;
  /** Start of the oldest day segment (a local midnight); there are `dayCount` segments, the last being today. */
  firstDay: number;
  dayCount: number;
  /** Most severe first: Interruption, then not yet confirmed, then Healthy; then by name. */
  products: PageProduct[];
  /** Newest first; ongoing ones included. */
  incidents: PageIncident[];
  /** How far back `incidents` goes, in days. */
  incidentDays: number;
}

export interface PageProduct {
  code: string;
  name: string | null;
  /** Confirmed state; null while not yet confirmed. */
  state: 'Healthy' | 'Interruption' | null;
  since: number | null;
  lastCheckedAt: number | null;
  lastStatus: 'Healthy' | 'Interruption' | 'Unknown' | null;
  /** Start of the current run of Unknown checks, if any. */
  unknownSince: number | null;
  /** up / (up + down) over the last 24 hours and 30 days; null when nothing was monitored. */
  uptime24h: number | null;
  uptime30d: number | null;
  /** `[upSeconds, downSeconds]` per day, oldest first, `dayCount` entries. */
  days: Array<[number, number]>;
}

export interface PageIncident {
  code: string;
  name: string | null;
  startedAt: number;
  /** Null while ongoing. */
  endedAt: number | null;
}
