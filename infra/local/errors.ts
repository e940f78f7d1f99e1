/** A failure the user can fix, reported as one line without a stack trace. */
export class LocalStackError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'LocalStackError';
  }
}
