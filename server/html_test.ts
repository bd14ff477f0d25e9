import { equal } from "node:assert/strict";
import { injectIntoHtml, moduleScriptsOf } from "./html.ts";

const scripts = ["/@banana/client/client.ts"];

Deno.test("html: import map and client go first in <head>", () => {
  const out = injectIntoHtml(
    `<!doctype html><html><head><title>x</title><script type="module" src="/src/main.ts"></script></head></html>`,
    { importMap: { imports: { a: "/a.js" } }, scripts },
  );
  const mapAt = out.indexOf(
    `<script type="importmap">{"imports":{"a":"/a.js"}}</script>`,
  );
  const clientAt = out.indexOf(`src="/@banana/client/client.ts"`);
  const appAt = out.indexOf(`src="/src/main.ts"`);
  equal(mapAt > 0 && mapAt < clientAt && clientAt < appAt, true);
});

Deno.test("html: module preloads come after the import map and before the scripts", () => {
  const out = injectIntoHtml(`<html><head></head></html>`, {
    importMap: { imports: {} },
    scripts,
    modulePreloads: ["/@banana/client/env.ts"],
  });
  const mapAt = out.indexOf(`type="importmap"`);
  const preloadAt = out.indexOf(
    `<link rel="modulepreload" href="/@banana/client/env.ts">`,
  );
  const clientAt = out.indexOf(`src="/@banana/client/client.ts"`);
  equal(mapAt >= 0 && mapAt < preloadAt && preloadAt < clientAt, true);
});

Deno.test("html: an import map already in the page is merged (its entries win)", () => {
  const out = injectIntoHtml(
    `<html><head><script type="importmap">{"imports":{"a":"/mine.js","b":"/b.js"}}</script></head></html>`,
    { importMap: { imports: { a: "/ours.js", c: "/c.js" } }, scripts },
  );
  equal(out.match(/type="importmap"/g)?.length, 1);
  equal(out.includes(`"a":"/mine.js"`), true);
  equal(out.includes(`"c":"/c.js"`), true);
});

Deno.test("html: pages without <head> still get the scripts, and </script> cannot break out", () => {
  const out = injectIntoHtml(`<p>hi</p>`, {
    importMap: { imports: { "x</script>": "/x.js" } },
    scripts,
  });
  equal(out.startsWith(`<script type="importmap">`), true);
  equal(out.includes("x</script>"), false);
});

Deno.test("html: module scripts are found", () => {
  const html =
    `<script type="module" src="/src/a.ts"></script><script src="/legacy.js"></script>
    <script type='module' src='./b.tsx'></script>`;
  equal(
    JSON.stringify(moduleScriptsOf(html)),
    JSON.stringify(["/src/a.ts", "./b.tsx"]),
  );
});
