/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Styles in the page: `<style>` elements injected by CSS imported from
 * JavaScript (`import "./a.css"`), and `<link rel="stylesheet">` sheets
 * swapped on a `css-update` without a flash of unstyled content.
 *
 * @module
 */

const PREFIX = "[banana]";
const STYLE_ATTRIBUTE = "data-banana-css";

/** The `<style>` elements injected so far, in import order. */
const styles = new Map<string, HTMLStyleElement>();
let lastInserted: HTMLStyleElement | null = null;

/**
 * Injects the CSS of the module `id`, or replaces it in place when the
 * module was injected before (a hot update keeps the element and its
 * position in the cascade).
 *
 * @example
 * ```ts
 * updateStyle("/src/app.css", "body { color: teal }");
 * ```
 */
export function updateStyle(id: string, css: string): void {
  let style = styles.get(id);
  if (!style) {
    style = document.createElement("style");
    style.setAttribute("type", "text/css");
    style.setAttribute(STYLE_ATTRIBUTE, id);
    style.textContent = css;
    // Later imports come later in the cascade, as in a bundle.
    if (lastInserted?.isConnected) lastInserted.after(style);
    else document.head.appendChild(style);
    lastInserted = style;
    styles.set(id, style);
    return;
  }
  if (style.textContent !== css) style.textContent = css;
}

/**
 * Removes the CSS of the module `id` (its import was removed: prune).
 *
 * @example
 * ```ts
 * removeStyle("/src/app.css");
 * ```
 */
export function removeStyle(id: string): void {
  const style = styles.get(id);
  if (!style) return;
  if (lastInserted === style) {
    lastInserted = style.previousElementSibling instanceof HTMLStyleElement &&
        style.previousElementSibling.hasAttribute(STYLE_ATTRIBUTE)
      ? style.previousElementSibling
      : null;
  }
  style.remove();
  styles.delete(id);
}

/** Links being replaced: never matched twice. */
const outdated = new WeakSet<HTMLLinkElement>();

/** `path?query` of a same-origin URL without the `t` / `v` freshness params. */
function moduleKey(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href, location.href);
  } catch {
    return null;
  }
  if (url.origin !== location.origin) return null;
  url.searchParams.delete("t");
  url.searchParams.delete("v");
  const query = url.searchParams.toString();
  return url.pathname + (query ? `?${query}` : "");
}

/** The stylesheet links of the page that load `path` (a graph URL). */
function linksFor(path: string): HTMLLinkElement[] {
  return [...document.querySelectorAll<HTMLLinkElement>("link")].filter(
    (link) =>
      !outdated.has(link) && /(^|\s)stylesheet(\s|$)/i.test(link.rel) &&
      moduleKey(link.getAttribute("href") ?? "") === path,
  );
}

/** True when the page has a `<link rel="stylesheet">` for `path`. */
export function hasStylesheet(path: string): boolean {
  return linksFor(path).length > 0;
}

/**
 * Applies a `css-update` to the `<link>` elements that load `path`: each gets
 * a clone with `t=<timestamp>` (other query parameters kept) inserted right
 * after it, and is removed once the clone has loaded, so the page is never
 * without the sheet. Resolves when every swap is done.
 *
 * @example
 * ```ts
 * await swapStylesheet("/src/style.css", Date.now());
 * ```
 */
export function swapStylesheet(path: string, timestamp: number): Promise<void> {
  return Promise.all(
    linksFor(path).map((link) =>
      new Promise<void>((resolve) => {
        outdated.add(link);
        const url = new URL(link.getAttribute("href")!, location.href);
        url.searchParams.set("t", String(timestamp));
        const next = link.cloneNode() as HTMLLinkElement;
        next.href = url.pathname + url.search + url.hash;
        const done = (loaded: boolean) => {
          if (!loaded) {
            console.warn(`${PREFIX} could not load the new version of ${path}`);
          }
          link.remove();
          resolve();
        };
        next.addEventListener("load", () => done(true), { once: true });
        next.addEventListener("error", () => done(false), { once: true });
        link.after(next);
      })
    ),
  ).then(() => {
    console.debug(`${PREFIX} css hot updated: ${path}`);
  });
}
