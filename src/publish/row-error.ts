/**
 * Why one input row cannot be published. The message is shown with the row's line number, so it
 * never repeats the row's value (which may be personal data).
 */
export class RowError extends Error {
  override name = 'RowError'
}

/** The row needs a community key the command was not given (G-040). */
export class MissingKeyError extends RowError {
  override name = 'MissingKeyError'
  readonly purpose: 'identifier' | 'payment'

  constructor(purpose: 'identifier' | 'payment') {
    super(`needs the ${purpose} key`)
    this.purpose = purpose
  }
}
