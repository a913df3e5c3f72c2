/**
 * A report request that cannot be answered as asked: a malformed date, an
 * empty window, an unknown product code. The CLI maps it to exit code 2 and
 * an HTTP API to 400; the message is one line, fit to show the user.
 */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}
