/**
 * A module-level request counter: it survives edits of the routes (they are
 * re-evaluated, this module is not), so it shows the server was not
 * restarted.
 */
let requests = 0;

/** Counts one request; returns the total. */
export function countRequest(): number {
  return ++requests;
}
