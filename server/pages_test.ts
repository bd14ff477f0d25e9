/**
 * Unit tests of the page registry: what each page runs, as it reports it.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  htmlFilePagePath,
  normalizePagePath,
  PageRegistry,
  pagesSuffix,
} from "./pages.ts";

/** A stand-in for a page's socket: the registry only keys by it. */
function connection(): { socket: { readyState: number } } {
  return { socket: { readyState: 1 } };
}

Deno.test("a report on connect records the page, its HTML file, entries and module versions", () => {
  const pages = new PageRegistry();
  const tab = connection();
  assert.equal(pages.isRunning("/src/a-only.ts"), false);
  const { loaded } = pages.report(tab, {
    page: "/a/",
    reset: true,
    entries: ["/src/a-main.ts"],
    loaded: ["/src/a-main.ts", "/src/a-only.ts?v=3f2a", "/src/x.ts?t=17"],
  });
  assert.deepEqual(loaded, ["/src/a-main.ts", "/src/a-only.ts", "/src/x.ts"]);
  const page = pages.get(tab)!;
  assert.equal(page.htmlPath, "/a/index.html");
  assert.ok(page.isEntry("/src/a-main.ts"));
  assert.deepEqual([...page.modules], [
    ["/src/a-main.ts", ""],
    ["/src/a-only.ts", "v=3f2a"],
    ["/src/x.ts", "t=17"],
  ]);
  assert.ok(pages.isRunning("/src/a-only.ts"));
  assert.deepEqual(pages.pagesRunning("/src/x.ts"), [page]);
});

Deno.test("later reports add new versions and disposals; what is new is per page", () => {
  const pages = new PageRegistry();
  const a = connection();
  const b = connection();
  pages.report(a, { page: "/", reset: true, loaded: ["/src/shared.ts?v=1"] });
  const second = pages.report(b, {
    page: "/",
    reset: true,
    loaded: ["/src/shared.ts?v=1", "/src/lazy.ts"],
  });
  assert.deepEqual(second.newForPage, ["/src/shared.ts", "/src/lazy.ts"]);
  const newer = pages.report(a, { page: "/", loaded: ["/src/shared.ts?t=99"] });
  assert.deepEqual(newer.newForPage, [], "a new version of a module it ran");
  assert.equal(pages.get(a)!.modules.get("/src/shared.ts"), "t=99");
  pages.report(b, { page: "/", disposed: ["/src/lazy.ts"] });
  assert.equal(pages.isRunning("/src/lazy.ts"), false);
  assert.equal(pages.pagesRunning("/src/shared.ts").length, 2);
  pages.forget(pages.get(a)!, ["/src/shared.ts"]);
  assert.equal(pages.isRunning("/src/shared.ts"), true, "b still runs it");
});

Deno.test("a reset report replaces what the page ran (a reconnect)", () => {
  const pages = new PageRegistry();
  const tab = connection();
  pages.report(tab, { page: "/", reset: true, loaded: ["/src/old.ts"] });
  const { newForPage } = pages.report(tab, {
    page: "/b/",
    reset: true,
    loaded: ["/src/new.ts", "/src/old.ts"],
  });
  assert.deepEqual(newForPage, ["/src/new.ts"], "it ran old.ts before");
  pages.report(tab, { page: "/b/", reset: true, loaded: ["/src/new.ts"] });
  assert.equal(pages.isRunning("/src/old.ts"), false);
  assert.equal(pages.get(tab)!.htmlPath, "/b/index.html");
});

Deno.test("a closed connection removes its page and what only it ran", () => {
  const pages = new PageRegistry();
  const a = connection();
  const b = connection();
  pages.report(a, {
    page: "/",
    reset: true,
    loaded: ["/src/x.ts", "/src/y.ts"],
  });
  pages.report(b, { page: "/", reset: true, loaded: ["/src/y.ts"] });
  assert.equal(pages.size, 2);
  pages.remove(a);
  assert.equal(pages.size, 1);
  assert.equal(pages.get(a), undefined);
  assert.equal(pages.isRunning("/src/x.ts"), false);
  assert.equal(pages.isRunning("/src/y.ts"), true);
  pages.remove(a); // twice: nothing
  assert.equal(pages.size, 1);
});

Deno.test("forget removes pruned modules from one page only", () => {
  const pages = new PageRegistry();
  const a = connection();
  const b = connection();
  pages.report(a, { page: "/", reset: true, loaded: ["/src/x.ts"] });
  pages.report(b, { page: "/", reset: true, loaded: ["/src/x.ts"] });
  pages.forget(pages.get(a)!, ["/src/x.ts", "/src/unknown.ts"]);
  assert.equal(pages.get(a)!.runs("/src/x.ts"), false);
  assert.deepEqual(pages.pagesRunning("/src/x.ts"), [pages.get(b)]);
});

Deno.test("connect registers a page that runs nothing yet; reports ignore what is not a root-relative URL", () => {
  const pages = new PageRegistry();
  const tab = connection();
  const page = pages.connect(tab);
  assert.equal(pages.connect(tab), page);
  assert.equal(page.modules.size, 0);
  const { loaded } = pages.report(tab, {
    page: "/",
    loaded: [
      "https://evil.example/x.js",
      42 as unknown as string,
      "/src/ok.ts",
    ],
    disposed: "nope" as unknown as string[],
  });
  assert.deepEqual(loaded, ["/src/ok.ts"]);
  assert.deepEqual([...page.modules.keys()], ["/src/ok.ts"]);
});

Deno.test("page paths compare in one form: percent-decoded, NFC, index.html, SPA routes", () => {
  const encoded = "/pages/%C3%BCn%C3%AF-%E4%B8%AD%E6%96%87/index.html";
  assert.equal(normalizePagePath(encoded), "/pages/ünï-中文/index.html");
  assert.equal(
    normalizePagePath("/pages/%C3%BCn%C3%AF-%E4%B8%AD%E6%96%87/"),
    "/pages/ünï-中文/index.html",
  );
  // NFD (u + combining diaeresis) and NFC are the same page.
  assert.equal(
    normalizePagePath("/pages/u\u0308/index.html"),
    "/pages/\u00fc/index.html",
  );
  assert.equal(normalizePagePath("/"), "/index.html");
  assert.equal(normalizePagePath("/settings/profile"), "/index.html");
  assert.equal(normalizePagePath("/about.html?x=1#top"), "/about.html");
  assert.equal(normalizePagePath("/bad%E0%A4%A/"), "/bad%E0%A4%A/index.html");
  assert.equal(
    htmlFilePagePath("/app", "/app/pages/ünï-中文/index.html"),
    normalizePagePath(encoded),
  );
});

Deno.test("pagesShowing finds the pages of an HTML file in any spelling", () => {
  const pages = new PageRegistry();
  const a = connection();
  const b = connection();
  pages.report(a, { page: "/pages/%C3%BCn%C3%AF/", reset: true });
  pages.report(b, { page: "/", reset: true });
  assert.deepEqual(pages.pagesShowing("/pages/ünï/index.html"), [pages.get(a)]);
  assert.deepEqual(pages.pagesShowing("/index.html"), [pages.get(b)]);
});

Deno.test("terminal lines name the pages only when more than one is connected", () => {
  const pages = new PageRegistry();
  const tabs = [connection(), connection(), connection()];
  pages.report(tabs[0], { page: "/a/", reset: true });
  pages.report(tabs[1], { page: "/b/", reset: true });
  pages.report(tabs[2], { page: "/b/", reset: true });
  const [a, b1, b2] = pages.all();
  assert.equal(pagesSuffix([a], 1), "");
  assert.equal(pagesSuffix([b1], 3), " (1 of 3 pages: /b/index.html)");
  assert.equal(
    pagesSuffix([a, b1, b2], 3),
    " (3 of 3 pages: /a/index.html, /b/index.html ×2)",
  );
  assert.equal(pagesSuffix([], 2), " (0 of 2 pages)");
});
