/**
 * Polling with a deadline, for tests that wait on something outside their
 * control (a page, a server, a file watcher). Kept apart from `_browser.ts`
 * so that tests without a browser do not load Playwright.
 *
 * @module
 */

/** Options for {@linkcode waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms. Defaults to 5000. */
  timeout?: number;
  /** Poll every this many ms. Defaults to 50. */
  interval?: number;
  /**
   * What was being waited for, used in the timeout error; a function is
   * called at the timeout, so it can describe the state then.
   */
  message?: string | (() => string);
}

/** `T` without its falsy members (`false`, `null`, `undefined`, `0`, `""`). */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | 0n | "">;

/**
 * Calls `fn` until it returns (or resolves to) a truthy value and returns
 * that value. A call that throws counts as "not yet".
 *
 * @example
 * ```ts
 * import { waitFor } from "./_wait.ts";
 *
 * const body = await waitFor(
 *   async () => (await fetch("http://127.0.0.1:8000/")).ok,
 *   { timeout: 2000, message: "server answers" },
 * );
 * ```
 *
 * @param fn The condition to poll.
 * @param options See {@linkcode WaitForOptions}.
 * @returns The first truthy value.
 * @throws {Error} On timeout, naming `message`, the last value and the last
 * error thrown by `fn`.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Truthy<T>> {
  const timeout = options.timeout ?? 5000;
  const interval = options.interval ?? 50;
  const deadline = performance.now() + timeout;
  let last: T | undefined;
  let lastError: unknown;
  while (true) {
    try {
      last = await fn();
      lastError = undefined;
      if (last) return last as Truthy<T>;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  const message = typeof options.message === "function"
    ? options.message()
    : options.message;
  let text = `Timed out after ${timeout} ms waiting for ${
    message ?? "a truthy value"
  }: last value ${Deno.inspect(last)}`;
  if (lastError !== undefined) {
    text += `, last error ${
      lastError instanceof Error ? lastError.message : Deno.inspect(lastError)
    }`;
  }
  throw new Error(text);
}
