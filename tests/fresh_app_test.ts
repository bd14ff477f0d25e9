/**
 * Fresh-style apps (examples/fresh-app copied into a temp dir), served by
 * the CLI as a subprocess in the app's folder and driven by a real
 * Chromium: routes rendered on the server in Deno, islands hydrated in the
 * browser, server code hot-reloaded inside the running process, the open
 * page following server edits in place, and errors with a code frame.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  createTempApp,
  markPage,
  openPage,
  type TempApp,
  type TrackedPage,
  waitFor,
  waitForConsole,
  waitForStyle,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { copy } from "./_copy.ts";
import { type CliServer, startCliServer } from "./_cli_server.ts";

/** Routes the example does not have, for the conventions it does not show. */
const MORE_ROUTES = {
  "routes/order.tsx": `
export const handler = {
  GET(_req: Request, ctx: { render: (data: string) => Response }) {
    return ctx.render("No order yet");
  },
  async POST(req: Request, ctx: { render: (data: string, init: ResponseInit) => Response }) {
    const form = await req.formData();
    return ctx.render("Ordered " + form.get("fruit"), { status: 201 });
  },
};
export default function Order({ data }: { data: string }) {
  return <p id="order">{data}</p>;
}
`,
  "routes/(shop)/_layout.tsx": `
import type { ComponentType } from "preact";
export default function Shop({ Component }: { Component: ComponentType }) {
  return <section class="shop"><Component /></section>;
}
`,
  "routes/(shop)/cart.tsx": `
import Peel from "./(_islands)/Peel.tsx";
export default function Cart() {
  return <><h1 id="cart">Cart</h1><Peel /></>;
}
`,
  "routes/(shop)/(_islands)/Peel.tsx": `
import { useState } from "preact/hooks";
export default function Peel() {
  const [peeled, setPeeled] = useState(false);
  return <button id="peel" onClick={() => setPeeled(true)}>{peeled ? "Peeled" : "Peel"}</button>;
}
`,
  "routes/docs/[...path].tsx": `
import { posix } from "node:path";
export default function Doc({ params }: { params: { path: string } }) {
  return <h1 id="doc">{params.path} ({posix.basename(params.path)})</h1>;
}
`,
};
const EXAMPLE = join(import.meta.dirname!, "../examples/fresh-app");
const OVERLAY = "banana-error-overlay";

async function edit(app: TempApp, rel: string, from: string, to: string) {
  const source = await app.read(rel);
  assert.ok(source.includes(from), `${rel} should contain ${from}`);
  await app.write(rel, source.replace(from, to));
}

async function freshApp(extra: Record<string, string> = {}): Promise<
  { app: TempApp; dev: CliServer } & AsyncDisposable
> {
  const app = await createTempApp({});
  await copy(EXAMPLE, app.root);
  for (const [rel, text] of Object.entries(extra)) await app.write(rel, text);
  const dev = await startCliServer(app.root);
  return {
    app,
    dev,
    async [Symbol.asyncDispose]() {
      await dev.close();
      await app.cleanup();
    },
  };
}

/** The request number the middleware put into the page. */
async function requestNumber(tracked: TrackedPage): Promise<number> {
  const text = await waitForText(tracked, "#vendor", /request #\d+/);
  return Number(/#(\d+)/.exec(text)![1]);
}

Deno.test({
  ...browserTest,
  name:
    "fresh app: routes render on the server (_app, _middleware state, params, API JSON, handlers with ctx.render and POST, groups, layouts, rest params, _404), islands hydrate (islands/ and (_islands)/), a page without islands loads no app script",
  async fn() {
    await using s = await freshApp(MORE_ROUTES);
    const { dev } = s;
    const home = await fetch(dev.url);
    assert.equal(home.status, 200);
    assert.equal(home.headers.get("x-served-by"), "Bea");
    const homeHtml = await home.text();
    // _app wraps the page; the middleware's state is in it.
    assert.match(homeHtml, /<nav class="bar">/);
    assert.match(homeHtml, /Served by Bea, request #1/);
    assert.match(homeHtml, /<button id="counter"[^>]*>Bunches: 0<\/button>/);

    const about = await (await fetch(new URL("/about", dev.url))).text();
    assert.match(about, /Bananas since 1994/);
    assert.match(about, /<nav class="bar">/);
    assert.doesNotMatch(about, /banana:fresh\/islands|banana-island/);

    const greet = await fetch(new URL("/greet/%C3%BCn%C3%AF", dev.url));
    assert.equal(greet.status, 200);
    assert.match(
      await greet.text(),
      /<main class="greet"><h1 id="greeting">Hello, ünï!<\/h1>/,
    );

    const joke = await fetch(new URL("/api/joke", dev.url));
    assert.equal(joke.status, 200);
    assert.match(joke.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(await joke.json(), {
      joke: "Why did the banana go to the doctor? It was not peeling well.",
    });

    const missing = await fetch(new URL("/no/such/page", dev.url));
    assert.equal(missing.status, 404);
    // The top _middleware runs for it too.
    assert.equal(missing.headers.get("x-served-by"), "Bea");
    assert.match(await missing.text(), /\/no\/such\/page was not found/);

    // A handler with ctx.render(data), POST, 405 with Allow; a group with a
    // layout and no path segment; a rest parameter.
    const order = await fetch(new URL("/order", dev.url));
    assert.match(await order.text(), /<p id="order">No order yet<\/p>/);
    const posted = await fetch(new URL("/order", dev.url), {
      method: "POST",
      body: new URLSearchParams({ fruit: "plantain" }),
    });
    assert.equal(posted.status, 201);
    assert.match(await posted.text(), /<p id="order">Ordered plantain<\/p>/);
    const put = await fetch(new URL("/order", dev.url), { method: "PUT" });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get("allow"), "GET, POST");
    await put.body?.cancel();
    const cart = await (await fetch(new URL("/cart", dev.url))).text();
    assert.match(
      cart,
      /<section class="shop"><h1 id="cart">Cart<\/h1><banana-island/,
    );
    const docs = await (await fetch(new URL("/docs/a/b%20c", dev.url))).text();
    // node: modules run on the server as they are.
    assert.match(docs, /<h1 id="doc">a\/b c \(b c\)<\/h1>/);

    const css = await fetch(new URL("/styles.css", dev.url));
    assert.equal(css.status, 200);
    assert.match(await css.text(), /\.btn/);

    // Islands are interactive and share the page's cart signal.
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#counter", "Bunches: 0");
    await waitFor(async () => {
      await tracked.page.click("#counter");
      return (await tracked.page.textContent("#counter")) !== "Bunches: 0";
    }, { timeout: 20_000, message: "the counter island to hydrate" });
    await waitForText(tracked, "#counter", "Bunches: 1");
    await tracked.page.click("#add-to-cart");
    await tracked.page.click("#add-to-cart");
    await waitForText(tracked, "#added", "Added 2 times");
    await waitForText(tracked, "#cart-badge", "Cart: 2");
    assert.deepEqual(tracked.pageErrors, []);

    // A page without islands runs our client only: no module of the app,
    // no dependency bundle.
    await using plain = await openPage(new URL("/about", dev.url).href);
    const scripts = await plain.page.evaluate(() =>
      performance.getEntriesByType("resource").map((entry) =>
        new URL(entry.name).pathname
      ).filter((path) =>
        !path.startsWith("/@banana/") && !path.endsWith(".css") &&
        path !== "/favicon.ico"
      )
    );
    assert.deepEqual(scripts, []);
    await waitForText(
      plain,
      "#about",
      "Bananas since 1994, rendered on the server.",
    );

    // An island from a (_islands) folder next to its route.
    await using shop = await openPage(new URL("/cart", dev.url).href);
    await waitFor(async () => {
      await shop.page.click("#peel");
      return (await shop.page.textContent("#peel")) === "Peeled";
    }, { timeout: 20_000, message: "the (_islands) island to hydrate" });
  },
});

Deno.test({
  ...browserTest,
  name:
    "fresh app: server edits reach the open page in place (island state kept, same process, unchanged modules keep their state); util, island, shared component, new and deleted routes",
  async fn() {
    await using s = await freshApp();
    const { app, dev } = s;
    await using tracked = await openPage(dev.url);
    await waitFor(async () => {
      await tracked.page.click("#counter");
      return (await tracked.page.textContent("#counter")) === "Bunches: 1";
    }, { timeout: 20_000, message: "the counter island to hydrate" });
    await tracked.page.click("#counter");
    await tracked.page.click("#counter");
    await waitForText(tracked, "#counter", "Bunches: 3");
    await markPage(tracked);
    const before = await requestNumber(tracked);

    // A route's markup: new text in place, the island still at 3, and the
    // request counter (utils/requests.ts, not edited) kept counting.
    const linesBefore = dev.lines.length;
    await edit(
      app,
      "routes/index.tsx",
      "Sweet, creamy and picked this morning.",
      "Sweet, creamy and picked at dawn.",
    );
    await waitForText(
      tracked,
      "#blurb",
      "Sweet, creamy and picked at dawn.",
      20_000,
    );
    await waitForText(tracked, "#counter", "Bunches: 3");
    assert.equal(await wasReloaded(tracked), false);
    const after = await requestNumber(tracked);
    assert.ok(after > before, `request #${after} follows #${before}`);
    await dev.waitForLine(/ssr update routes\/index\.tsx/, linesBefore);
    const updateLines = dev.lines.slice(linesBefore).filter((line) =>
      /\[banana\]/.test(line)
    );
    assert.equal(updateLines.length, 1, updateLines.join("\n"));

    // A server util imported by the API route: the next response has it.
    await edit(app, "utils/jokes.ts", "return JOKES[0];", "return JOKES[1];");
    await waitFor(async () => {
      const body = await (await fetch(new URL("/api/joke", dev.url))).json();
      return body.joke === "What do you call two bananas? A pair of slippers.";
    }, { timeout: 20_000, message: "the API to answer the new joke" });

    // New props for an island from a route edit: it renders with them in
    // place, its own state and the shared signal kept.
    await tracked.page.click("#add-to-cart");
    await tracked.page.click("#add-to-cart");
    await waitForText(tracked, "#added", "Added 2 times");
    await edit(
      app,
      "routes/index.tsx",
      'product="Cavendish"',
      'product="Plantain"',
    );
    await waitForText(tracked, "#add-to-cart", "Add Plantain to cart", 20_000);
    await waitForText(tracked, "#added", "Added 2 times");
    await waitForText(tracked, "#cart-badge", "Cart: 2");
    await tracked.page.click("#add-to-cart");
    await waitForText(tracked, "#cart-badge", "Cart: 3");

    // An island: hot-swapped by Fast Refresh, its state kept.
    await edit(app, "islands/Counter.tsx", "Bunches:", "Bunches on shelf:");
    await waitForText(tracked, "#counter", "Bunches on shelf: 3", 20_000);

    // A component used by a route (server) and by islands (browser).
    await edit(
      app,
      "routes/about.tsx",
      "</p>",
      '</p>\n      <Button id="about-button">Hi</Button>',
    );
    await edit(
      app,
      "routes/about.tsx",
      "/** A page",
      'import { Button } from "../components/Button.tsx";\n\n/** A page',
    );
    await using about = await openPage(new URL("/about", dev.url).href);
    await waitForText(about, "#about-button", "Hi");
    // The markup is the server's; the edit below reaches this tab only once
    // its HMR client said which page it shows (it reports on connect). Under
    // CI load the edit came first once, and the tab kept the old markup.
    await waitForConsole(about, "[banana] connected", 20_000);
    await edit(
      app,
      "components/Button.tsx",
      "{children}",
      "<b>›</b> {children}",
    );
    await waitForText(tracked, "#counter", "› Bunches on shelf: 3", 20_000);
    await waitForText(tracked, "#add-to-cart", "› Add Plantain to cart");
    await waitForText(about, "#about-button", "› Hi", 20_000);
    assert.equal(await wasReloaded(tracked), false);

    // Routes created and deleted while the server runs.
    await app.write(
      "routes/new.tsx",
      'export default function New() { return <h1 id="new">Brand new</h1>; }\n',
    );
    await waitFor(async () => {
      const response = await fetch(new URL("/new", dev.url));
      const text = await response.text();
      return response.status === 200 && text.includes("Brand new");
    }, { timeout: 20_000, message: "/new to be served" });
    await app.remove("routes/new.tsx");
    await waitFor(async () => {
      const response = await fetch(new URL("/new", dev.url));
      await response.body?.cancel();
      return response.status === 404;
    }, { timeout: 20_000, message: "/new to answer 404" });

    // One process all along.
    assert.ok(
      !dev.lines.some((line) =>
        /restarting|ready in/.test(line) &&
        dev.lines.indexOf(line) > 5
      ),
      dev.lines.join("\n"),
    );
    assert.deepEqual(tracked.pageErrors, []);
  },
});

Deno.test({
  ...browserTest,
  name:
    "fresh app: a syntax error and a throw in render answer 500 with file:line and a code frame, show the overlay, and the fix recovers without a reload",
  async fn() {
    await using s = await freshApp();
    const { app, dev } = s;
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#title", "Banana Fruit Stand");
    await markPage(tracked);

    // A syntax error: the route fails to compile; other routes still work.
    await edit(
      app,
      "routes/index.tsx",
      "const cart = signal(0);",
      "const cart = signal(0;",
    );
    await waitFor(async () => {
      const response = await fetch(dev.url);
      const text = await response.text();
      return response.status === 500 && text.includes("banana-error-frame");
    }, { timeout: 20_000, message: "/ to answer 500" });
    const broken = await (await fetch(dev.url)).text();
    assert.match(broken, /routes\/index\.tsx:\d+:\d+/);
    assert.match(broken, /&gt; +\d+ \|.*signal\(0;/);
    const about = await fetch(new URL("/about", dev.url));
    assert.equal(about.status, 200);
    await about.body?.cancel();
    await waitForText(
      tracked,
      `${OVERLAY} .message`,
      /routes\/index\.tsx/,
      20_000,
    );
    // A page opened while the route is broken gets the error page, and the
    // page itself once the route is fixed.
    await using opened = await openPage(dev.url);
    await waitForText(opened, "#banana-error-message", /routes\/index\.tsx/);

    // The fix: the overlay closes, the page is as before, no reload.
    await edit(
      app,
      "routes/index.tsx",
      "const cart = signal(0;",
      "const cart = signal(0);",
    );
    await waitFor(
      async () => (await tracked.page.locator(OVERLAY).count()) === 0,
      {
        timeout: 20_000,
        message: "the overlay to close",
      },
    );
    await waitForText(opened, "#title", "Banana Fruit Stand", 20_000);

    // A throw while rendering: 500 with the .tsx line (source-mapped).
    await edit(
      app,
      "routes/index.tsx",
      "  const cart = signal(0);",
      '  const cart = signal(0);\n  if (cart.value === 0) throw new Error("Out of bananas");',
    );
    const lines = (await app.read("routes/index.tsx")).split("\n");
    const throwLine = lines.findIndex((line) =>
      line.includes("Out of bananas")
    ) + 1;
    await waitFor(async () => {
      const response = await fetch(dev.url);
      const text = await response.text();
      return response.status === 500 && text.includes("Out of bananas");
    }, { timeout: 20_000, message: "/ to answer 500 for the throw" });
    const thrown = await (await fetch(dev.url)).text();
    assert.match(thrown, new RegExp(`routes/index\\.tsx:${throwLine}:\\d+`));
    assert.match(thrown, new RegExp(`&gt; +${throwLine} \\|.*Out of bananas`));
    await waitForText(tracked, `${OVERLAY} .message`, /Out of bananas/, 20_000);

    // With a _500 page, the app's page shows, the details below it.
    await app.write(
      "routes/_500.tsx",
      'export default function Oops({ error }: { error: Error }) {\n  return <h1 id="oops">Oops: {error.message}</h1>;\n}\n',
    );
    await waitFor(async () => {
      const response = await fetch(dev.url);
      const text = await response.text();
      return response.status === 500 && text.includes("Oops: Out of bananas");
    }, { timeout: 20_000, message: "the _500 page to show" });
    const withPage = await (await fetch(dev.url)).text();
    assert.match(withPage, /<nav class="bar">/);
    assert.match(
      withPage,
      new RegExp(`&gt; +${throwLine} \\|.*Out of bananas`),
    );

    await edit(app, "routes/index.tsx", "throw new Error", "console.log");
    await waitFor(
      async () => (await tracked.page.locator(OVERLAY).count()) === 0,
      {
        timeout: 20_000,
        message: "the overlay to close after the fix",
      },
    );
    await waitForText(tracked, "#title", "Banana Fruit Stand");
    assert.equal(await wasReloaded(tracked), false);
  },
});

Deno.test({
  ...browserTest,
  name:
    "fresh app: an in-place update keeps the scroll position; a static/ stylesheet is swapped in place; a <head> change reloads the page and the terminal says why",
  async fn() {
    await using s = await freshApp();
    const { app, dev } = s;
    await edit(
      app,
      "routes/index.tsx",
      '<article class="card">',
      '<div id="spacer" style="height: 4000px"></div>\n      <article class="card">',
    );
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#title", "Banana Fruit Stand");
    await markPage(tracked);
    await tracked.page.evaluate("scrollTo(0, 1500)");
    await edit(app, "routes/index.tsx", "picked this morning", "picked today");
    await waitForText(
      tracked,
      "#blurb",
      "Sweet, creamy and picked today.",
      20_000,
    );
    assert.equal(await tracked.page.evaluate("scrollY"), 1500);
    assert.equal(await wasReloaded(tracked), false);

    // A stylesheet of static/: swapped in place; a later server edit still
    // merges (the swapped <link> counts as the same head).
    await edit(
      app,
      "static/styles.css",
      ".badge {\n  font-weight: 600;",
      ".badge {\n  font-weight: 600;\n  color: rgb(200, 0, 0);",
    );
    await waitForStyle(tracked, "#cart-badge", "color", "rgb(200, 0, 0)");
    await edit(app, "routes/index.tsx", "picked today", "picked at noon");
    await waitForText(
      tracked,
      "#blurb",
      "Sweet, creamy and picked at noon.",
      20_000,
    );
    assert.equal(await wasReloaded(tracked), false);

    const from = dev.lines.length;
    await edit(
      app,
      "routes/_app.tsx",
      "<title>",
      '<meta name="description" content="Bananas" />\n        <title>',
    );
    await dev.waitForLine(/page reload \/: the page's <head> changed/, from);
    await waitFor(() => wasReloaded(tracked), {
      timeout: 20_000,
      message: "the page to reload",
    });
    await waitFor(
      async () =>
        (await tracked.page.locator('meta[name="description"]').count()) === 1,
      { timeout: 20_000, message: "the new <head>" },
    );
  },
});

Deno.test({
  name:
    "fresh app without preact-render-to-string in its imports: 500 naming the entry to add; adding it recovers",
  async fn() {
    await using app = await createTempApp({
      "deno.json": JSON.stringify({
        lock: false,
        imports: { "preact": "npm:preact@10.29.8" },
        compilerOptions: { jsx: "react-jsx", jsxImportSource: "preact" },
      }),
      "routes/index.tsx":
        'export default function Home() { return <h1 id="t">Hi</h1>; }\n',
    });
    await using dev = await startCliServer(app.root);
    const broken = await fetch(dev.url);
    assert.equal(broken.status, 500);
    assert.match(
      await broken.text(),
      /add &quot;preact-render-to-string&quot;: &quot;npm:preact-render-to-string@6\.6\.1&quot; to &quot;imports&quot; in deno\.json|add "preact-render-to-string": "npm:preact-render-to-string@6\.6\.1" to "imports" in deno\.json/,
    );
    await app.write(
      "deno.json",
      JSON.stringify({
        lock: false,
        imports: {
          "preact": "npm:preact@10.29.8",
          "preact-render-to-string": "npm:preact-render-to-string@6.6.1",
        },
        compilerOptions: { jsx: "react-jsx", jsxImportSource: "preact" },
      }),
    );
    await waitFor(async () => {
      const response = await fetch(dev.url);
      const text = await response.text();
      return response.status === 200 && text.includes('<h1 id="t">Hi</h1>');
    }, { timeout: 20_000, message: "/ to render after deno.json was fixed" });
  },
});

Deno.test({
  name:
    "fresh app detection: a routes/ folder created while the server runs makes it serve routes; with an index.html, routes/ stays the browser's",
  async fn() {
    const denoJson = JSON.stringify({
      lock: false,
      imports: {
        "preact": "npm:preact@10.29.8",
        "preact-render-to-string": "npm:preact-render-to-string@6.6.1",
      },
      compilerOptions: { jsx: "react-jsx", jsxImportSource: "preact" },
    });
    await using app = await createTempApp({ "deno.json": denoJson });
    await using dev = await startCliServer(app.root);
    await app.write(
      "routes/index.tsx",
      'export default function Home() { return <h1 id="t">Routed</h1>; }\n',
    );
    await waitFor(async () => {
      const response = await fetch(dev.url);
      const text = await response.text();
      return response.status === 200 && text.includes('<h1 id="t">Routed</h1>');
    }, {
      timeout: 20_000,
      message: () =>
        `/ to be rendered from routes/; server lines:\n${dev.lines.join("\n")}`,
    });
    await dev.waitForLine(/routes\/ appeared: restarting/);

    await using spa = await createTempApp({
      "deno.json": denoJson,
      "index.html": '<h1 id="t">Browser app</h1>',
      "routes/about.ts": "export const about = 1;\n",
    });
    await using spaDev = await startCliServer(spa.root);
    const about = await fetch(new URL("/about", spaDev.url), {
      headers: { accept: "text/html" },
    });
    // The SPA fallback: index.html, not a server-rendered route.
    assert.match(await about.text(), /Browser app/);
  },
});
