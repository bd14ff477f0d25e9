/**
 * The page registry: which pages are connected, which HTML file each shows,
 * and which module versions each one runs — as the page itself reports it.
 *
 * The browser's cache decides what a page fetches (a module with an
 * immutable `?v=` URL is never requested again, not even from a new server
 * process), so only the page knows what it runs. The HMR client tells the
 * server on every (re)connect (`reset`: the whole set), then as modules run
 * later (dynamic imports, hot updates) and as they are pruned. A closed
 * socket removes its page. One {@linkcode PageRegistry} owns all of it.
 *
 * @module
 */

import { entryOfBundleUrl, stripFreshness } from "./module_urls.ts";

/** What the HMR client sends as `banana:page-modules` (see `client/page_modules.ts`). */
export interface PageModulesReport {
  /** `location.pathname` of the page (encoded, as the browser has it). */
  page: string;
  /** True when `loaded` is everything the page runs (on every connect). */
  reset?: boolean;
  /** Root-relative URLs of the page's `<script type="module" src>`. */
  entries?: string[];
  /**
   * Root-relative URLs of modules that ran (and `<link>`ed stylesheets),
   * with their version query: `/src/a.ts?v=3f2a`, `/src/a.ts?t=1712`.
   */
  loaded?: string[];
  /** URLs (without version) of modules the page disposed (prune). */
  disposed?: string[];
  /**
   * True when the page runs its modules in a module registry (bundle mode,
   * `client/module_registry.ts`): its updates carry the changed modules'
   * factories instead of fetching `?t=` URLs.
   */
  registry?: boolean;
}

/** The custom event that carries a {@linkcode PageModulesReport}. */
export const PAGE_MODULES_EVENT = "banana:page-modules";

/** Most URLs one report may carry: a hostile page cannot fill the memory. */
const MAX_REPORTED_URLS = 200_000;

/**
 * The one form a page path is compared in: percent-decoded, Unicode NFC,
 * with the HTML file a URL shows (`/a/` → `/a/index.html`; a path that
 * is no `.html` file is a client-side route of `/index.html`, as the server
 * answers it).
 *
 * @example
 * ```ts
 * normalizePagePath("/pages/%C3%BCn%C3%AF/"); // "/pages/ünï/index.html"
 * normalizePagePath("/settings/profile"); // "/index.html"
 * ```
 */
export function normalizePagePath(pathname: string): string {
  let path = pathname.split(/[?#]/, 1)[0];
  try {
    path = decodeURIComponent(path);
  } catch { /* not valid percent-encoding: compare it as it is */ }
  path = path.normalize("NFC");
  if (!path.startsWith("/")) path = "/" + path;
  if (path.endsWith("/")) return path + "index.html";
  return path.endsWith(".html") ? path : "/index.html";
}

/**
 * The page path of an HTML file under `root`, in the form of
 * {@linkcode normalizePagePath}.
 *
 * @example
 * ```ts
 * htmlFilePagePath("/app", "/app/pages/ünï/index.html"); // "/pages/ünï/index.html"
 * ```
 */
export function htmlFilePagePath(root: string, file: string): string {
  const rel = file.startsWith(root + "/") ? file.slice(root.length) : file;
  return rel.replaceAll("\\", "/").normalize("NFC");
}

/** What the registry needs of a page's connection. */
export interface PageConnection {
  /** Whether the connection is still open (a closed one is skipped). */
  readonly socket?: { readonly readyState: number };
}

/** One connected page, as its HMR client reported it. */
export class Page<C extends PageConnection = PageConnection> {
  /** Number of the page in this server process (1, 2, …), for logs. */
  readonly id: number;
  /** The connection its payloads go through. */
  readonly connection: C;
  #htmlPath = "";
  readonly #modules = new Map<string, string>();
  readonly #entries = new Set<string>();
  #registry = false;
  /** Invalidations already handled, as `url@timestamp`. */
  readonly #invalidations = new Set<string>();

  constructor(id: number, connection: C) {
    this.id = id;
    this.connection = connection;
  }

  /** The HTML file it shows, normalised ({@linkcode normalizePagePath}). */
  get htmlPath(): string {
    return this.#htmlPath;
  }

  /** Module URL (without version) → the version it runs (`v=…`, `t=…`, `""`). */
  get modules(): ReadonlyMap<string, string> {
    return this.#modules;
  }

  /** URLs of its `<script type="module" src>` entries. */
  get entries(): ReadonlySet<string> {
    return this.#entries;
  }

  /** True when the page runs its modules in a module registry (bundle mode). */
  get runsRegistry(): boolean {
    return this.#registry;
  }

  /** True when the page runs the module at `url` (any version). */
  runs(url: string): boolean {
    return this.#modules.has(url);
  }

  /** True when `url` is one of the page's module script entries. */
  isEntry(url: string): boolean {
    return this.#entries.has(url);
  }

  /**
   * Records that the page invalidated the update of `url` at `timestamp`;
   * false when it already had (a page may send it twice).
   */
  recordInvalidation(url: string, timestamp: number): boolean {
    const key = `${url}@${timestamp}`;
    if (this.#invalidations.has(key)) return false;
    this.#invalidations.add(key);
    if (this.#invalidations.size > 1000) {
      this.#invalidations.delete(this.#invalidations.values().next().value!);
    }
    return true;
  }

  /** @internal Written by the registry only. */
  _setRegistry(registry: boolean): void {
    this.#registry = registry;
  }

  /** @internal Written by the registry only. */
  _show(htmlPath: string): void {
    this.#htmlPath = htmlPath;
  }

  /** @internal Written by the registry only. */
  _set(url: string, version: string): boolean {
    const isNew = !this.#modules.has(url);
    this.#modules.set(url, version);
    return isNew;
  }

  /** @internal Written by the registry only. */
  _delete(url: string): boolean {
    return this.#modules.delete(url);
  }

  /** @internal Written by the registry only. */
  _clear(): string[] {
    const urls = [...this.#modules.keys()];
    this.#modules.clear();
    this.#entries.clear();
    return urls;
  }

  /** @internal Written by the registry only. */
  _addEntry(url: string): void {
    this.#entries.add(url);
  }
}

/** A query that is one freshness param: `?v=…` or `?t=…`. */
const ONLY_FRESHNESS = /^\?[tv]=[^&]*$/;

/**
 * `[url without version, version]` of a reported URL. A page reports every
 * module it runs (10,000 in one report on a large app), nearly all with a
 * query of one `v=` or `t=`: those take no URLSearchParams.
 */
function splitVersion(url: string): [string, string] {
  const q = url.indexOf("?");
  if (q < 0) return [url, ""];
  if (ONLY_FRESHNESS.test(url.slice(q))) {
    return [url.slice(0, q), url.slice(q + 1)];
  }
  return [stripFreshness(url), versionOf(url)];
}

function versionOf(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return "";
  const params = new URLSearchParams(url.slice(q + 1));
  const t = params.get("t");
  if (t !== null) return `t=${t}`;
  const v = params.get("v");
  return v !== null ? `v=${v}` : "";
}

function urlsOf(value: unknown, left: { count: number }): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const item of value) {
    if (left.count <= 0) break;
    if (typeof item !== "string" || !item.startsWith("/")) continue;
    left.count--;
    out.push(item);
  }
  return out;
}

/**
 * The pages connected to this server and what each runs.
 *
 * @example
 * ```ts
 * import { PageRegistry } from "./pages.ts";
 * import type { HotClient } from "./hot_channel.ts";
 * function example(
 *   client: HotClient,
 * ) {
 *   const pages = new PageRegistry<HotClient>();
 *   const { newForPage } = pages.report(client, {
 *     page: "/",
 *     reset: true,
 *     loaded: ["/src/main.ts?v=1a2b"],
 *   });
 *   newForPage; // ["/src/main.ts"]
 *   pages.pagesRunning("/src/main.ts").length; // 1
 *   pages.remove(client); // the socket closed
 * }
 * ```
 */
export class PageRegistry<C extends PageConnection = PageConnection> {
  // No URL → pages index: a page's report (10,000 URLs on a large app,
  // one per load) and its removal (one per reload) would each update it per
  // module, on the path of the reload's next requests; a question "does a
  // page run it?" asks the few pages instead.
  readonly #pages = new Map<C, Page<C>>();
  #nextId = 1;

  /** How many pages are connected. */
  get size(): number {
    return this.#pages.size;
  }

  /** Every connected page, in the order they connected. */
  all(): Page<C>[] {
    return [...this.#pages.values()];
  }

  /** The page of `connection`, if it connected. */
  get(connection: C): Page<C> | undefined {
    return this.#pages.get(connection);
  }

  /** The page of `connection`, registering it (running nothing) when new. */
  connect(connection: C): Page<C> {
    let page = this.#pages.get(connection);
    if (!page) {
      page = new Page(this.#nextId++, connection);
      this.#pages.set(connection, page);
    }
    return page;
  }

  /**
   * Applies a report of the page on `connection` (creating the page when
   * new). Returns the URLs (without version) it reported running
   * (`loaded`), and those this page did not run before (`newForPage`).
   */
  report(
    connection: C,
    report: PageModulesReport,
  ): { loaded: string[]; newForPage: string[] } {
    const page = this.connect(connection);
    if (typeof report?.page === "string") {
      page._show(normalizePagePath(report.page));
    }
    const left = { count: MAX_REPORTED_URLS };
    const previous = report?.reset ? new Set(page._clear()) : null;
    // Said in every reset of a registry page, and once when it starts late.
    if (report?.reset || report?.registry === true) {
      page._setRegistry(report?.registry === true);
    }
    for (const entry of urlsOf(report?.entries, left)) {
      // A bundle-mode page's script is its entry's bundle.
      const url = stripFreshness(entry);
      page._addEntry(entryOfBundleUrl(url) ?? url);
    }
    const loaded: string[] = [];
    const newForPage: string[] = [];
    for (const reported of urlsOf(report?.loaded, left)) {
      const [url, version] = splitVersion(reported);
      loaded.push(url);
      const isNew = page._set(url, version);
      if (isNew && !previous?.has(url)) newForPage.push(url);
    }
    for (const url of urlsOf(report?.disposed, left)) {
      this.forget(page, [stripFreshness(url)]);
    }
    return { loaded, newForPage };
  }

  /** `page` no longer runs `urls` (the server pruned them). */
  forget(page: Page<C>, urls: Iterable<string>): void {
    for (const url of urls) page._delete(url);
  }

  /** Removes the page of a closed connection. */
  remove(connection: C): void {
    this.#pages.delete(connection);
  }

  /** True when at least one connected page runs `url`. */
  isRunning(url: string): boolean {
    for (const page of this.#pages.values()) {
      if (page.runs(url)) return true;
    }
    return false;
  }

  /** True when `url` is a module script entry of a connected page. */
  isEntryOfAnyPage(url: string): boolean {
    for (const page of this.#pages.values()) {
      if (page.isEntry(url)) return true;
    }
    return false;
  }

  /** The pages that run `url`. */
  pagesRunning(url: string): Page<C>[] {
    return this.all().filter((page) => page.runs(url));
  }

  /** The pages showing the HTML file at `htmlPath` (normalised first). */
  pagesShowing(htmlPath: string): Page<C>[] {
    const path = normalizePagePath(htmlPath);
    return this.all().filter((page) => page.htmlPath === path);
  }
}

/**
 * The suffix of a terminal line for a payload that went to `targets` of the
 * `connected` pages: empty with one page connected, else the count and the
 * pages by HTML path, e.g. ` (1 of 2 pages: /b/index.html)`.
 *
 * @example
 * ```ts
 * import { type Page, pagesSuffix, type PageRegistry } from "./pages.ts";
 * function example(
 *   targets: Page[],
 *   pages: PageRegistry,
 * ) {
 *   `hmr update /src/b.ts${pagesSuffix(targets, pages.size)}`;
 * }
 * ```
 */
export function pagesSuffix(
  targets: readonly Page<PageConnection>[],
  connected: number,
): string {
  if (connected <= 1) return "";
  const counts = new Map<string, number>();
  for (const page of targets) {
    const path = page.htmlPath || "?";
    counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  const names = [...counts].map(([path, n]) => n > 1 ? `${path} ×${n}` : path);
  const noun = connected === 1 ? "page" : "pages";
  return ` (${targets.length} of ${connected} ${noun}${
    names.length > 0 ? `: ${names.join(", ")}` : ""
  })`;
}
