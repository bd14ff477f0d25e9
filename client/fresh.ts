/**
 * The follower of server-rendered pages: after an edit of server code (the
 * server sends `banana:ssr-update`), the page fetches its own URL again and
 * merges the new markup into the live DOM (a morph) instead of reloading:
 * unchanged islands keep their DOM and state, islands with new props render
 * again with them (state kept), new islands are hydrated, the scroll stays.
 * Where a merge is not safe (the `<head>` changed beyond its title, the URL
 * no longer answers HTML), the page reloads and tells the server why.
 *
 * @module
 */

import { createHotContext } from "./client.ts";
import type { IslandsController } from "./islands.ts";

const PREFIX = "[banana]";
const hot = createHotContext("/@banana/client/fresh.ts");
let queue: Promise<void> = Promise.resolve();
let wanted = 0;

hot.on("banana:ssr-update", () => {
  const ticket = ++wanted;
  // Edits that arrive while a merge runs need one more fetch, not one each.
  queue = queue.then(() => ticket === wanted ? refresh() : undefined).catch(
    (err) => console.error(`${PREFIX} page update failed:`, err),
  );
});

function islands(): IslandsController | undefined {
  return (globalThis as { __bananaIslands?: IslandsController })
    .__bananaIslands;
}

function reloadFor(reason: string): void {
  hot.send("banana:ssr-reload", { path: location.pathname, reason });
  console.log(`${PREFIX} page reload: ${reason}`);
  // Let the message leave before the page goes.
  setTimeout(() => location.reload(), 50);
}

async function refresh(): Promise<void> {
  let response: Response;
  try {
    response = await fetch(location.href, {
      headers: { accept: "text/html" },
      cache: "no-store",
    });
  } catch {
    return; // the server is gone; the client reconnects and reloads
  }
  // A broken route: the overlay shows the error; the page stays as it was.
  if (response.status >= 500) return;
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("text/html")) {
    return reloadFor(`${location.pathname} no longer answers HTML`);
  }
  // This page is the error page of a route that renders again.
  if (document.getElementById("banana-error")) {
    return reloadFor(`${location.pathname} renders again`);
  }
  const next = new DOMParser().parseFromString(
    await response.text(),
    "text/html",
  );
  const headChange = mergeHead(document.head, next.head);
  if (headChange) return reloadFor(headChange);
  syncAttributes(document.documentElement, next.documentElement);
  const hadIslands = document.querySelector("banana-island") !== null;
  morphChildren(document.body, next.body);
  const controller = islands();
  if (controller) await controller.hydrateAll();
  else if (!hadIslands && document.querySelector("banana-island")) {
    return reloadFor("the page has islands now");
  }
  console.debug(`${PREFIX} page updated from the server`);
}

/** Ours, not the app's: the import map and the client scripts. */
function isInjected(node: Element): boolean {
  if (node.tagName !== "SCRIPT") return false;
  const src = node.getAttribute("src") ?? "";
  return node.getAttribute("type") === "importmap" ||
    src.startsWith("/@banana/") || src.startsWith("/@id/banana:");
}

/**
 * Merges the new `<head>`: a new title is applied; any other difference
 * (stylesheets, scripts, meta) returns the reason to reload.
 */
function mergeHead(current: HTMLHeadElement, next: HTMLHeadElement): string {
  const shape = (head: HTMLHeadElement) =>
    [...head.children].filter((el) => !isInjected(el) && el.tagName !== "TITLE")
      .map(withoutFreshness);
  const a = shape(current);
  const b = shape(next);
  if (a.length !== b.length || a.some((html, i) => html !== b[i])) {
    return "the page's <head> changed";
  }
  const title = next.querySelector("title")?.textContent;
  if (title !== undefined && title !== document.title) document.title = title;
  return "";
}

/**
 * An element's HTML without the `t=` a hot-swapped stylesheet's `href`
 * carries (client/css.ts adds it; the server's markup has none).
 */
function withoutFreshness(element: Element): string {
  const href = element.getAttribute("href");
  if (element.tagName !== "LINK" || !href?.includes("t=")) {
    return element.outerHTML;
  }
  const url = new URL(href, location.href);
  url.searchParams.delete("t");
  const copy = element.cloneNode() as Element;
  copy.setAttribute(
    "href",
    url.origin === location.origin
      ? url.pathname + url.search + url.hash
      : url.href,
  );
  return copy.outerHTML;
}

function syncAttributes(current: Element, next: Element): void {
  for (const { name } of [...current.attributes]) {
    if (!next.hasAttribute(name)) current.removeAttribute(name);
  }
  for (const { name, value } of [...next.attributes]) {
    if (current.getAttribute(name) !== value) current.setAttribute(name, value);
  }
}

function morphChildren(current: Node, next: Node): void {
  const wantedNodes = [...next.childNodes];
  const existing = [...current.childNodes];
  wantedNodes.forEach((node, i) => {
    const have = existing[i];
    if (!have) {
      current.appendChild(document.importNode(node, true));
    } else {
      morphNode(have, node);
    }
  });
  for (const extra of existing.slice(wantedNodes.length)) {
    current.removeChild(extra);
  }
}

function morphNode(current: Node, next: Node): void {
  if (
    current.nodeType !== next.nodeType || current.nodeName !== next.nodeName
  ) {
    current.parentNode!.replaceChild(document.importNode(next, true), current);
    return;
  }
  if (current.nodeType !== Node.ELEMENT_NODE) {
    if (current.nodeValue !== next.nodeValue) {
      current.nodeValue = next.nodeValue;
    }
    return;
  }
  const element = current as Element;
  const wantedElement = next as Element;
  // Scripts already ran; a copy would not run again.
  if (element.tagName === "SCRIPT") return;
  if (element.tagName === "BANANA-ISLAND") {
    morphIsland(element, wantedElement);
    return;
  }
  syncAttributes(element, wantedElement);
  morphChildren(element, wantedElement);
}

/** An island keeps its live DOM; only a new island or new props matter. */
function morphIsland(current: Element, next: Element): void {
  const controller = islands();
  const sameIsland =
    current.getAttribute("data-island") === next.getAttribute("data-island");
  if (!sameIsland || !controller?.isHydrated(current)) {
    current.parentNode!.replaceChild(document.importNode(next, true), current);
    return;
  }
  const props = next.getAttribute("data-props") ?? "{}";
  if (!controller.hasProps(current, props)) {
    controller.update(current, props).catch((err) =>
      console.error(`${PREFIX} island update failed:`, err)
    );
  }
}
