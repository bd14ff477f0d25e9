/**
 * Notices that the page's dev bundle did not parse. The server writes the
 * bodies of the bundle's modules as functions of one script without
 * compiling each first (that check was a tenth of a large app's first
 * start); a body the browser rejects (a module that declares `__m`, say)
 * fails the whole script. The page then reports it, and the server makes
 * the next bundle right and asks the page to reload.
 *
 * @module
 */

import type { BundleParseFailure } from "./payload.ts";

/** The custom event of the report (the server listens to this one constant). */
export const BUNDLE_PARSE_FAILED_EVENT = "banana:bundle-parse-failed";

/** A bundle's path: `/@banana/bundle/<entry>` or `/@banana/bundle@<version>/<entry>`. */
const BUNDLE_PATH = /^\/@banana\/bundle(?:@[A-Za-z0-9-]+)?\//;

/**
 * The report to send for `event` when it is the syntax error of one of
 * this page's dev bundles (a script that did not parse is reported on the
 * window as an error event naming its URL); null for any other error.
 *
 * @example
 * ```ts
 * addEventListener("error", (event) => {
 *   const failure = bundleParseFailureOf(event);
 *   if (failure) console.log(failure.bundle, failure.message);
 * });
 * ```
 */
export function bundleParseFailureOf(
  event: ErrorEvent,
): BundleParseFailure | null {
  if (!(event.error instanceof SyntaxError) || !event.filename) return null;
  let url: URL;
  try {
    url = new URL(event.filename, location.href);
  } catch {
    return null;
  }
  if (
    url.origin !== location.origin ||
    !BUNDLE_PATH.test(url.pathname)
  ) {
    return null;
  }
  return { bundle: url.pathname + url.search, message: event.error.message };
}
