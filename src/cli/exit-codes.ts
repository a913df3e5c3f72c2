/** Process exit codes; documented in `netwatch --help` and the README. */
export const EXIT = {
  /** Success; for `check`, every product answered Healthy. */
  ok: 0,
  /** A runtime failure (database, network, unexpected error). */
  failure: 1,
  /** Bad configuration, missing credentials or bad usage. Nothing was started. */
  config: 2,
  /** `check`: at least one product answered Interruption. */
  interruption: 3,
  /** `check`: at least one product could not be checked (recorded as Unknown). */
  unknown: 4,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (check: every product Healthy)
  1  runtime failure (database, network, unexpected error)
  2  bad configuration, missing credentials or bad usage
  3  check: at least one product in Interruption
  4  check: at least one product could not be checked (Unknown)`;
