/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * What this page runs, as the server needs to know it: every module served
 * with HMR pushes its URL (with its `?v=` / `?t=` version, or, under a URL
 * without one, the version of its code) to `globalThis.__bananaRan` when it
 * runs; this file keeps the newest version
 * per module and reports to the server — everything on each (re)connect,
 * then what ran or was pruned since, batched per task. The server decides
 * per page from it (`server/pages.ts`): after a server restart, modules
 * the browser took from its cache are known all the same.
 *
 * @module
 */

/** The report's shape (the server's `PageModulesReport`). */
interface PageModulesReport {
  page: string;
  reset?: boolean;
  entries?: string[];
  loaded?: string[];
  disposed?: string[];
  /**
   * True when the page runs its modules on a module registry (bundle mode,
   * `client/module_registry.ts`): its updates carry `factories`. Sent in
   * every `reset` report of such a page, and in a report of its own when the
   * registry starts after the connection opened (the bundle may load after
   * the socket opens). Absent in per-module mode.
   */
  registry?: boolean;
}

/** The custom event of the report (the server's `PAGE_MODULES_EVENT`). */
const PAGE_MODULES_EVENT = "banana:page-modules";

/** Module URL without version → the URL it runs under (with version). */
const running = new Map<string, string>();
let pendingLoaded: string[] = [];
let pendingDisposed: string[] = [];
let flushQueued = false;
let runsRegistry = false;
let registryReported = false;
let sendReport: ((event: string, data: PageModulesReport) => boolean) | null =
  null;

/** A query of nothing but one freshness param: `?v=…` or `?t=…`. */
const ONLY_FRESHNESS = /^\?[tv]=[^&]*$/;

function withoutVersion(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  // Every module of a page reports itself as it runs (5000 on a large
  // app): the usual URL needs no URLSearchParams.
  if (ONLY_FRESHNESS.test(url.slice(q))) return url.slice(0, q);
  const params = new URLSearchParams(url.slice(q + 1));
  params.delete("t");
  params.delete("v");
  const rest = params.toString().replace(/=(?=&|$)/g, "");
  return rest ? `${url.slice(0, q)}?${rest}` : url.slice(0, q);
}

/**
 * The page's origin, read once: `location.origin` makes a new string per
 * read, which cost a 10,000-module page 20 ms of its load.
 */
let pageOrigin: string | null = null;

/** A same-origin URL as root-relative `path?query`; null for others. */
function rootRelative(url: string): string | null {
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  // `import.meta.url` of this origin's modules: no URL to parse.
  const origin = pageOrigin ??= location.origin;
  if (
    url.startsWith(origin) && url[origin.length] === "/" &&
    !url.includes("#")
  ) {
    return url.slice(origin.length);
  }
  try {
    const parsed = new URL(url, location.href);
    if (parsed.origin !== location.origin) return null;
    return parsed.pathname + parsed.search;
  } catch {
    return null;
  }
}

/**
 * URLs pushed since the last {@linkcode takeRan}: a module's run costs the
 * page a push; parsing the URLs waits for the report, after the task that
 * ran them (a 10,000-module page rendered 15 ms sooner).
 */
let ranSince: string[] = [];

/** A `t=` or `v=` param in a URL's query. */
const HAS_FRESHNESS = /[?&][tv]=/;

function recordRan(url: string, version?: string): void {
  // A URL with no version of its own (a page's first load) takes the one
  // its code says it is.
  ranSince.push(
    version === undefined || HAS_FRESHNESS.test(url)
      ? url
      : `${url}${url.includes("?") ? "&" : "?"}v=${version}`,
  );
  queueFlush();
}

let takeRegistryRuns: (() => string[]) | null = null;

/**
 * Reports the modules the page's module registry runs: `take` gives those
 * that ran since its last call, as pairs of id (root-relative, no version)
 * and URL with query (`/src/a.ts?v=<version>`, `?t=` after an update), in a
 * flat array. A registry page's modules carry no `__bananaRan` header; the
 * registry notes each run ({@linkcode noteRegistryRun}), and the URLs are
 * made here, after the task that ran them (10,000 on a large page's load).
 */
export function recordRegistryRuns(take: () => string[]): void {
  takeRegistryRuns = take;
}

/** A module ran in the registry: the next report takes it. */
export function noteRegistryRun(): void {
  queueFlush();
}

/**
 * Takes the modules that ran since the last call (the registry's and those
 * pushed to `__bananaRan`) into `running`.
 */
function takeRan(): void {
  if (takeRegistryRuns) {
    const pairs = takeRegistryRuns();
    for (let i = 0; i < pairs.length; i += 2) {
      const id = pairs[i];
      const ran = pairs[i + 1];
      if (running.get(id) === ran) continue;
      running.set(id, ran);
      pendingLoaded.push(ran);
    }
  }
  if (ranSince.length === 0) return;
  const urls = ranSince;
  ranSince = [];
  for (const url of urls) {
    const ran = rootRelative(url);
    if (!ran) continue;
    const key = withoutVersion(ran);
    if (running.get(key) === ran) continue;
    running.set(key, ran);
    pendingLoaded.push(ran);
  }
}

function queueFlush(): void {
  if (flushQueued || !sendReport) return;
  flushQueued = true;
  // After the task: a whole module graph runs in one, and is one report.
  setTimeout(flush, 0);
}

function flush(): void {
  flushQueued = false;
  if (!sendReport) return;
  takeRan();
  const reportRegistry = runsRegistry && !registryReported;
  if (
    pendingLoaded.length === 0 && pendingDisposed.length === 0 &&
    !reportRegistry
  ) return;
  const report: PageModulesReport = { page: location.pathname };
  if (reportRegistry) report.registry = true;
  if (pendingLoaded.length > 0) report.loaded = pendingLoaded;
  if (pendingDisposed.length > 0) report.disposed = pendingDisposed;
  // Sent or queued by the transport; a reconnect reports everything anyway.
  if (sendReport(PAGE_MODULES_EVENT, report)) {
    pendingLoaded = [];
    pendingDisposed = [];
    if (reportRegistry) registryReported = true;
  }
}

/** Root-relative URLs of the page's module scripts and linked stylesheets. */
function pageResources(): { entries: string[]; stylesheets: string[] } {
  const entries: string[] = [];
  for (const script of document.querySelectorAll("script[type=module][src]")) {
    const url = rootRelative(script.getAttribute("src")!);
    if (url) entries.push(withoutVersion(url));
  }
  const stylesheets: string[] = [];
  for (const link of document.querySelectorAll("link[rel~=stylesheet][href]")) {
    const url = rootRelative(link.getAttribute("href")!);
    if (url) stylesheets.push(url);
  }
  return { entries, stylesheets };
}

/**
 * Starts recording what runs: modules that ran before the client did are
 * taken over from the global's array.
 */
export function startRecording(): void {
  const global = globalThis as {
    __bananaRan?: { push(url: string, version?: string): void };
  };
  const earlier = Array.isArray(global.__bananaRan) ? global.__bananaRan : [];
  global.__bananaRan = { push: recordRan };
  for (const url of earlier as string[]) recordRan(url);
}

/**
 * Reports everything this page runs over a freshly opened connection:
 * `send` delivers a custom event (true when sent). Later changes are
 * reported through it as they happen.
 */
export function reportAll(
  send: (event: string, data: PageModulesReport) => boolean,
): void {
  sendReport = send;
  takeRan();
  const { entries, stylesheets } = pageResources();
  pendingLoaded = [];
  pendingDisposed = [];
  const report: PageModulesReport = {
    page: location.pathname,
    reset: true,
    entries,
    loaded: [...running.values(), ...stylesheets],
  };
  if (runsRegistry) report.registry = true;
  registryReported = send(PAGE_MODULES_EVENT, report) && runsRegistry;
}

/**
 * The page runs a module registry (called by `client/module_registry.ts`):
 * reports say so from now on.
 */
export function recordRunsRegistry(): void {
  if (runsRegistry) return;
  runsRegistry = true;
  queueFlush();
}

/** The page no longer runs the modules at `paths` (it pruned them). */
export function recordDisposed(paths: string[]): void {
  takeRan();
  for (const path of paths) {
    if (!running.delete(path)) continue;
    pendingDisposed.push(path);
  }
  queueFlush();
}

/** True when the page runs the module at `path` (any version). */
export function isRunning(path: string): boolean {
  takeRan();
  return running.has(path);
}
