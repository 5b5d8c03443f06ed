/**
 * An error caused by what a client sent (a scenario, a fault, a clock change). Anything that
 * throws it outside the HTTP layer is answered 400 with its message, which names the field.
 */
export class BadRequest extends Error {
  readonly status = 400;
}
