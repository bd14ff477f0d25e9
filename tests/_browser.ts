/**
 * Shared helpers for the end-to-end tests: a lazily launched headless
 * Chromium (Debian's, driven by `playwright-core`), pages that record their
 * console output, errors and navigations, reload detection, throw-away app
 * folders, and polling helpers.
 *
 * Browser tests keep Playwright handles open between tests, so declare them
 * with {@linkcode browserTest} (`sanitizeOps: false, sanitizeResources:
 * false`): `Deno.test({ ...browserTest, name, fn })`.
 *
 * @example A typical browser test
 * ```ts
 * import { assertEquals } from "node:assert/strict";
 * import {
 *   browserTest,
 *   closeBrowser,
 *   createTempApp,
 *   markPage,
 *   openPage,
 *   waitForText,
 *   wasReloaded,
 * } from "./_browser.ts";
 *
 * Deno.test({
 *   ...browserTest,
 *   name: "editing a self-accepting module keeps page state",
 *   async fn() {
 *     await using app = await createTempApp({
 *       "index.html": "<h1 id=t>v1</h1>",
 *     });
 *     // ... start the dev server on app.root, then:
 *     await using tracked = await openPage("http://127.0.0.1:8000/");
 *     await markPage(tracked);
 *     await app.writeAtomic("index.html", "<h1 id=t>v2</h1>");
 *     await waitForText(tracked, "#t", "v2");
 *     assertEquals(await wasReloaded(tracked), false);
 *   },
 * });
 * ```
 *
 * @module
 */

import {
  type Browser,
  type BrowserContext,
  chromium,
  type ConsoleMessage,
  type Frame,
  type Page,
} from "playwright-core";
import { findChromium } from "./_ensure_browser.ts";
import { waitFor } from "./_wait.ts";

export type { Browser, BrowserContext, Page };
export { type Truthy, waitFor, type WaitForOptions } from "./_wait.ts";

/**
 * The options of every browser test: Playwright keeps the browser, its
 * pages and their timers open between tests, which the op and resource
 * sanitizers would report as leaks.
 */
export const browserTest: { sanitizeOps: false; sanitizeResources: false } = {
  sanitizeOps: false,
  sanitizeResources: false,
};

/** Command-line switches every test browser is started with. */
export const BROWSER_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let browserPromise: Promise<Browser> | undefined;

/**
 * Returns the test process's shared headless Chromium, launching it on first
 * use (and again if it has crashed or been closed).
 *
 * The binary is found like `tests/_ensure_browser.ts` does: `$CHROME_PATH`,
 * then `/usr/bin/chromium`, `/usr/bin/chromium-browser`,
 * `/usr/bin/google-chrome`.
 *
 * @example
 * ```ts
 * import { launchBrowser } from "./_browser.ts";
 *
 * const browser = await launchBrowser();
 * const page = await browser.newPage();
 * await page.goto("data:text/html,<p>hi</p>");
 * ```
 *
 * @returns The shared browser.
 * @throws {Error} When no Chromium binary can be found or it fails to start.
 */
export function launchBrowser(): Promise<Browser> {
  if (browserPromise) return browserPromise;
  const launching = (async () => {
    const executablePath = await findChromium();
    if (!executablePath) {
      throw new Error(
        "Cannot launch a browser: expected Chromium at $CHROME_PATH, " +
          "/usr/bin/chromium, /usr/bin/chromium-browser or " +
          "/usr/bin/google-chrome, found none. Run " +
          "`deno run -A tests/_ensure_browser.ts` or " +
          "`apt-get install -y chromium`, or set CHROME_PATH.",
      );
    }
    const browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [...BROWSER_ARGS],
    });
    browser.on("disconnected", () => {
      if (browserPromise === launching) browserPromise = undefined;
    });
    return browser;
  })();
  browserPromise = launching;
  launching.catch(() => {
    if (browserPromise === launching) browserPromise = undefined;
  });
  return launching;
}

/**
 * Closes the shared browser if one was launched. Safe to call many times.
 *
 * @example
 * ```ts
 * import { closeBrowser } from "./_browser.ts";
 *
 * Deno.test("last test", async () => {
 *   await closeBrowser();
 * });
 * ```
 */
export async function closeBrowser(): Promise<void> {
  const pending = browserPromise;
  browserPromise = undefined;
  if (!pending) return;
  let browser: Browser;
  try {
    browser = await pending;
  } catch {
    return;
  }
  await browser.close().catch(() => {});
}

/** One console message seen by a {@linkcode TrackedPage}. */
export interface ConsoleEntry {
  /** The console method, e.g. `"log"`, `"error"`, `"warning"`. */
  type: string;
  /** The message text as the browser formats it. */
  text: string;
  /**
   * Which document logged it: the count of main-frame navigations the page
   * had seen at that moment, the first load being 1 (same-document
   * navigations count too).
   */
  navigation: number;
}

/** A page opened by {@linkcode openPage}, with what it has logged so far. */
export interface TrackedPage extends AsyncDisposable {
  /** The Playwright page. */
  readonly page: Page;
  /** The page's own browser context (closed by {@linkcode close}). */
  readonly context: BrowserContext;
  /** Text of every console message, oldest first. */
  readonly consoleLines: string[];
  /** Every console message with its type, oldest first. */
  readonly consoleEntries: ConsoleEntry[];
  /** Uncaught errors (`pageerror`), as `"Name: message"`, oldest first. */
  readonly pageErrors: string[];
  /**
   * Main-frame navigations since {@linkcode openPage} returned (the initial
   * `goto` is not counted). Includes same-document navigations such as
   * `history.pushState`; {@linkcode loads} counts only full document loads.
   */
  readonly navigations: number;
  /** `load` events since {@linkcode openPage} returned (full reloads). */
  readonly loads: number;
  /** Closes the page and its context. */
  close(): Promise<void>;
}

/** Options for {@linkcode openPage}. */
export interface OpenPageOptions {
  /** When `goto` counts as done. Defaults to `"load"`. */
  waitUntil?: "load" | "domcontentloaded" | "networkidle" | "commit";
  /** Default timeout of Playwright actions on this page, in ms. Defaults to 10000. */
  timeout?: number;
  /** Echo console messages and page errors to the test's stderr. */
  echo?: boolean;
}

/**
 * Opens `url` in a new browser context and page of the shared browser,
 * recording console messages, uncaught errors and navigations from the start.
 *
 * @example
 * ```ts
 * import { openPage } from "./_browser.ts";
 *
 * await using tracked = await openPage("http://127.0.0.1:8000/");
 * await tracked.page.click("button");
 * console.log(tracked.consoleLines, tracked.pageErrors, tracked.navigations);
 * ```
 *
 * @param url The address to load.
 * @param options See {@linkcode OpenPageOptions}.
 * @returns The tracked page; dispose or `close()` it when done.
 */
export async function openPage(
  url: string,
  options: OpenPageOptions = {},
): Promise<TrackedPage> {
  const browser = await launchBrowser();
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeout ?? 10_000);
  const consoleLines: string[] = [];
  const consoleEntries: ConsoleEntry[] = [];
  const pageErrors: string[] = [];
  let navigations = 0;
  // Unlike `navigations`, never reset: it tags console entries.
  let navigationsInAll = 0;
  let loads = 0;
  page.on("console", (message: ConsoleMessage) => {
    const entry = {
      type: message.type(),
      text: message.text(),
      navigation: navigationsInAll,
    };
    consoleEntries.push(entry);
    consoleLines.push(entry.text);
    if (options.echo) console.error(`[browser ${entry.type}] ${entry.text}`);
  });
  page.on("pageerror", (error: Error) => {
    const text = `${error.name}: ${error.message}`;
    pageErrors.push(text);
    if (options.echo) console.error(`[browser pageerror] ${text}`);
  });
  page.on("framenavigated", (frame: Frame) => {
    if (frame !== page.mainFrame()) return;
    navigations++;
    navigationsInAll++;
  });
  page.on("load", () => loads++);
  const close = async () => {
    await context.close().catch(() => {});
  };
  try {
    await page.goto(url, { waitUntil: options.waitUntil ?? "load" });
  } catch (error) {
    await close();
    throw error;
  }
  navigations = 0;
  loads = 0;
  pageStates.set(page, { navigation: () => navigationsInAll });
  return {
    page,
    context,
    consoleLines,
    consoleEntries,
    pageErrors,
    get navigations() {
      return navigations;
    },
    get loads() {
      return loads;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

interface PageState {
  /** The current navigation count, for pages from {@linkcode openPage}. */
  navigation?: () => number;
  mark?: string;
  /** The navigation count of the document the mark was set in. */
  markedNavigation?: number;
}

const pageStates = new WeakMap<Page, PageState>();

function toPage(target: Page | TrackedPage): Page {
  return "consoleLines" in target ? target.page : target;
}

interface MarkedGlobal {
  __bananaMark?: string;
}

/**
 * Stores a random mark on the page's `window` (`window.__bananaMark`), so
 * that {@linkcode wasReloaded} can later tell whether the document was
 * replaced. Call it again to re-arm after an expected reload.
 *
 * @example
 * ```ts
 * import { markPage, openPage, wasReloaded } from "./_browser.ts";
 *
 * await using tracked = await openPage("http://127.0.0.1:8000/");
 * await markPage(tracked);
 * // ... trigger a hot update ...
 * console.log(await wasReloaded(tracked)); // false when HMR kept the page
 * ```
 *
 * @param target A Playwright page or a {@linkcode TrackedPage}.
 * @returns The mark that was set.
 */
export async function markPage(target: Page | TrackedPage): Promise<string> {
  const page = toPage(target);
  const mark = crypto.randomUUID();
  await page.evaluate((value: string) => {
    (globalThis as MarkedGlobal).__bananaMark = value;
  }, mark);
  const state = pageStates.get(page) ?? {};
  state.mark = mark;
  state.markedNavigation = state.navigation?.();
  pageStates.set(page, state);
  return mark;
}

/**
 * The document {@linkcode markPage} last marked, as its navigation count
 * (compare with {@linkcode ConsoleEntry.navigation}); throws when the page
 * was never marked.
 */
export function markedNavigation(tracked: TrackedPage): number {
  const marked = pageStates.get(tracked.page)?.markedNavigation;
  if (marked === undefined) {
    throw new Error(
      "Cannot tell which document was marked: expected markPage() to have " +
        "been called on this tracked page first, found no mark.",
    );
  }
  return marked;
}

/**
 * Tells whether the page was reloaded (or navigated away) since
 * {@linkcode markPage}: true when the mark is gone or differs, or when the
 * page is in the middle of a navigation.
 *
 * @example
 * ```ts
 * import { markPage, openPage, wasReloaded } from "./_browser.ts";
 *
 * await using tracked = await openPage("http://127.0.0.1:8000/");
 * await markPage(tracked);
 * await tracked.page.reload();
 * console.log(await wasReloaded(tracked)); // true
 * ```
 *
 * @param target A Playwright page or a {@linkcode TrackedPage}.
 * @returns Whether the marked document is gone.
 * @throws {Error} When the page was never marked.
 */
export async function wasReloaded(
  target: Page | TrackedPage,
): Promise<boolean> {
  const page = toPage(target);
  const expected = pageStates.get(page)?.mark;
  if (expected === undefined) {
    throw new Error(
      "Cannot tell whether the page was reloaded: expected markPage() to " +
        "have been called on it first, found no mark.",
    );
  }
  try {
    const found = await page.evaluate(() =>
      (globalThis as MarkedGlobal).__bananaMark ?? null
    );
    return found !== expected;
  } catch (error) {
    // The old execution context was destroyed by a navigation in progress.
    if (page.isClosed()) throw error;
    return true;
  }
}

/** A throw-away app folder made by {@linkcode createTempApp}. */
export interface TempApp extends AsyncDisposable {
  /** Absolute, symlink-free path of the folder. */
  readonly root: string;
  /** Absolute path of `rel` inside the folder. */
  path(rel: string): string;
  /** Writes `content` to `rel` in place (truncate + write), creating folders. */
  write(rel: string, content: string | Uint8Array): Promise<void>;
  /**
   * Saves like vim / VS Code "atomic save": writes a temporary file next to
   * `rel`, then renames it over `rel`.
   */
  writeAtomic(rel: string, content: string | Uint8Array): Promise<void>;
  /** Renames `from` to `to` (both relative), creating `to`'s folder. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or folder (recursively). */
  remove(rel: string): Promise<void>;
  /** Reads `rel` as UTF-8 text. */
  read(rel: string): Promise<string>;
  /** Removes the whole folder. Safe to call many times. */
  cleanup(): Promise<void>;
}

function normalizeRelative(rel: string): string[] {
  const parts: string[] = [];
  for (const part of rel.replaceAll("\\", "/").split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) {
        throw new Error(
          `Invalid app path: expected a path inside the app, found "${rel}".`,
        );
      }
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  if (rel.startsWith("/") || /^[A-Za-z]:/.test(rel)) {
    throw new Error(
      `Invalid app path: expected a relative path, found "${rel}".`,
    );
  }
  return parts;
}

function dirnameOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

async function writeData(
  path: string,
  content: string | Uint8Array,
): Promise<void> {
  if (typeof content === "string") await Deno.writeTextFile(path, content);
  else await Deno.writeFile(path, content);
}

/**
 * Creates a fresh temporary folder holding `files` (keys are relative paths,
 * nested folders are created as needed).
 *
 * @example
 * ```ts
 * import { createTempApp } from "./_browser.ts";
 *
 * await using app = await createTempApp({
 *   "index.html": '<script type="module" src="/src/main.ts"></script>',
 *   "src/main.ts": "console.log('v1');",
 * });
 * await app.writeAtomic("src/main.ts", "console.log('v2');");
 * console.log(app.root, await app.read("src/main.ts"));
 * ```
 *
 * @param files Relative path → file content.
 * @returns The app; dispose it or call `cleanup()` to delete the folder.
 */
export async function createTempApp(
  files: Record<string, string | Uint8Array> = {},
): Promise<TempApp> {
  const root = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "banana_app_" }),
  );
  const path = (rel: string): string => {
    const parts = normalizeRelative(rel);
    return parts.length === 0 ? root : `${root}/${parts.join("/")}`;
  };
  const write = async (rel: string, content: string | Uint8Array) => {
    const target = path(rel);
    await Deno.mkdir(dirnameOf(target), { recursive: true });
    await writeData(target, content);
  };
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Deno.remove(root, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  };
  const app: TempApp = {
    root,
    path,
    write,
    async writeAtomic(rel, content) {
      const target = path(rel);
      const dir = dirnameOf(target);
      await Deno.mkdir(dir, { recursive: true });
      const name = target.slice(dir.length + 1);
      const temp = `${dir}/.${name}.${crypto.randomUUID().slice(0, 8)}.tmp`;
      try {
        await writeData(temp, content);
        await Deno.rename(temp, target);
      } catch (error) {
        await Deno.remove(temp).catch(() => {});
        throw error;
      }
    },
    async rename(from, to) {
      const target = path(to);
      await Deno.mkdir(dirnameOf(target), { recursive: true });
      await Deno.rename(path(from), target);
    },
    async remove(rel) {
      await Deno.remove(path(rel), { recursive: true });
    },
    read(rel) {
      return Deno.readTextFile(path(rel));
    },
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
  try {
    for (const [rel, content] of Object.entries(files)) {
      await write(rel, content);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return app;
}

/**
 * Waits until the first element matching `selector` has the text `text`
 * (whitespace-trimmed, exact), or text matching a `RegExp`.
 *
 * @example
 * ```ts
 * import { openPage, waitForText } from "./_browser.ts";
 *
 * await using tracked = await openPage("http://127.0.0.1:8000/");
 * await tracked.page.click("button");
 * await waitForText(tracked, "#count", "1");
 * await waitForText(tracked, "h1", /hello/i);
 * ```
 *
 * @param target A Playwright page or a {@linkcode TrackedPage}.
 * @param selector A Playwright selector (CSS by default).
 * @param text The expected trimmed text, or a pattern to match.
 * @param timeout Give up after this many ms. Defaults to 5000.
 * @returns The element's text when it matched.
 * @throws {Error} On timeout, with the last text seen.
 */
export async function waitForText(
  target: Page | TrackedPage,
  selector: string,
  text: string | RegExp,
  timeout = 5000,
): Promise<string> {
  const page = toPage(target);
  let seen: string | null = null;
  try {
    await waitFor(async () => {
      const texts = await page.locator(selector).allTextContents();
      seen = texts.length > 0 ? texts[0] : null;
      if (seen === null) return false;
      return typeof text === "string" ? seen.trim() === text : text.test(seen);
    }, { timeout, interval: 25 });
  } catch (error) {
    const lastError = error instanceof Error &&
        error.message.includes("last error")
      ? ` (${error.message.slice(error.message.indexOf("last error"))})`
      : "";
    throw new Error(
      `Timed out after ${timeout} ms waiting for ${selector} to have text ${
        Deno.inspect(text)
      }: found ${
        seen === null ? "no such element" : Deno.inspect(seen)
      }${lastError}`,
    );
  }
  return seen ?? "";
}

/**
 * Waits until the page has logged a console message containing `text` (or
 * matching a `RegExp`), counting messages logged before the call too.
 *
 * @example
 * ```ts
 * import { openPage, waitForConsole } from "./_browser.ts";
 *
 * await using tracked = await openPage("http://127.0.0.1:8000/");
 * await waitForConsole(tracked, "[banana] connected");
 * ```
 *
 * @param tracked A page from {@linkcode openPage}.
 * @param text A substring or a pattern.
 * @param timeout Give up after this many ms. Defaults to 5000.
 * @returns The first matching line.
 * @throws {Error} On timeout, with the lines seen so far.
 */
export async function waitForConsole(
  tracked: TrackedPage,
  text: string | RegExp,
  timeout = 5000,
): Promise<string> {
  const matches = (line: string) =>
    typeof text === "string" ? line.includes(text) : text.test(line);
  try {
    return await waitFor(() => tracked.consoleLines.find(matches), {
      timeout,
      interval: 25,
    });
  } catch {
    throw new Error(
      `Timed out after ${timeout} ms waiting for a console message matching ${
        Deno.inspect(text)
      }: found ${Deno.inspect(tracked.consoleLines)}`,
    );
  }
}

/** The computed value of `property` on the first `selector` match. */
export function computedStyle(
  tracked: TrackedPage,
  selector: string,
  property: string,
): Promise<string> {
  // Runs in the page; typed here without the DOM library (the test process
  // is Deno).
  type PageGlobals = {
    document: { querySelector(selector: string): unknown };
    getComputedStyle(el: unknown): { getPropertyValue(p: string): string };
  };
  return tracked.page.evaluate(([s, p]) => {
    const page = globalThis as unknown as PageGlobals;
    return page.getComputedStyle(page.document.querySelector(s))
      .getPropertyValue(p);
  }, [selector, property]);
}

/**
 * Waits until the computed `property` of `selector` equals `expected` (or
 * matches it, for a RegExp); returns the value.
 *
 * @throws {Error} On timeout, with the last value seen.
 */
export async function waitForStyle(
  tracked: TrackedPage,
  selector: string,
  property: string,
  expected: string | RegExp,
  timeout = 10_000,
): Promise<string> {
  let last = "";
  try {
    await waitFor(async () => {
      last = await computedStyle(tracked, selector, property);
      return typeof expected === "string"
        ? last === expected
        : expected.test(last);
    }, { timeout });
  } catch {
    throw new Error(
      `Timed out waiting for ${selector} to have ${property} ${expected}: found ${last}`,
    );
  }
  return last;
}
