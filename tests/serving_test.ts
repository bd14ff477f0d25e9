import { equal, match, ok } from "node:assert/strict";
import { createTempApp, openPage, waitForText } from "./_browser.ts";
import { startServer } from "./_server.ts";

Deno.test("serving: a syntax error answers 500 naming file:line:column, and a fixed save recovers", async () => {
  await using app = await createTempApp({
    "index.html": `<script type="module" src="/src/main.ts"></script>`,
    "src/main.ts": `const ok: number = 1;\nconst broken = (;\n`,
  });
  await using dev = await startServer(app.root);
  const res = await fetch(new URL("/src/main.ts", dev.url));
  equal(res.status, 500);
  const body = await res.text();
  match(body, /src\/main\.ts:2:\d+/);
  match(body, /> 2 \| const broken = \(;/);
  await app.write("src/main.ts", `export const ok: number = 1;\n`);
  await new Promise((r) => setTimeout(r, 300));
  const fixed = await fetch(new URL("/src/main.ts", dev.url));
  equal(fixed.status, 200);
  const code = await fixed.text();
  match(code, /const ok = 1;/);
  ok(!code.includes(": number"), "types are stripped");
});

Deno.test("serving: a module request for a missing file is a 404 naming the path and the importer", async () => {
  await using app = await createTempApp({ "index.html": "<p>x</p>" });
  await using dev = await startServer(app.root);
  const res = await fetch(new URL("/src/nope.ts", dev.url), {
    headers: { referer: new URL("/src/main.ts", dev.url).href },
  });
  equal(res.status, 404);
  const body = await res.text();
  ok(body.includes("src/nope.ts"), body);
  ok(body.includes("imported by /src/main.ts"), body);
});

Deno.test("serving: a module requested while a slow in-place save holds it truncated is served with the saved content", async () => {
  await using app = await createTempApp({
    "index.html": "<p>x</p>",
    "src/a.ts": "export const a = 1;\n",
  });
  await using dev = await startServer(app.root);
  // An in-place save truncates first; this writer is stalled for 300 ms
  // before it writes (a loaded machine was seen to stall one for 70 ms).
  const file = await Deno.open(app.path("src/a.ts"), {
    write: true,
    truncate: true,
  });
  const response = fetch(new URL("/src/a.ts", dev.url));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await file.write(new TextEncoder().encode("export const a = 2;\n"));
  file.close();
  const res = await response;
  equal(res.status, 200);
  match(await res.text(), /export const a = 2/);
});

Deno.test("serving: a file emptied on purpose is served empty", async () => {
  await using app = await createTempApp({
    "index.html": "<p>x</p>",
    "src/a.ts": "export const a = 1;\n",
  });
  await using dev = await startServer(app.root);
  await app.write("src/a.ts", "");
  const res = await fetch(new URL("/src/a.ts", dev.url));
  equal(res.status, 200);
  const body = await res.text();
  ok(!body.includes("export const a"), body);
});

Deno.test("serving: an unresolvable import names the specifier, the importer and the fix", async () => {
  await using app = await createTempApp({
    "index.html": "<p>x</p>",
    "src/a.ts": `import x from "left-pad";\nexport default x;\n`,
    "src/b.ts": `import { y } from "./y";\nexport { y };\n`,
    "src/y.ts": `export const y = 1;\n`,
  });
  await using dev = await startServer(app.root);
  const a = await fetch(new URL("/src/a.ts", dev.url));
  equal(a.status, 500);
  const aBody = await a.text();
  ok(aBody.includes(`Cannot resolve "left-pad" from src/a.ts`), aBody);
  ok(aBody.includes(`"left-pad": "npm:left-pad@<version>"`), aBody);
  const b = await fetch(new URL("/src/b.ts", dev.url));
  const bBody = await b.text();
  ok(bBody.includes(`did you mean "./y.ts"?`), bBody);
});

Deno.test("serving: static files have content types, ETag/304 and byte ranges; public/ is served at /", async () => {
  const bytes = new Uint8Array(1000).map((_, i) => i % 256);
  await using app = await createTempApp({
    "index.html": "<p>x</p>",
    "assets/clip.mp4": bytes,
    "public/robots.txt": "User-agent: *",
    "style.css": "body { color: red }",
  });
  await using dev = await startServer(app.root);
  const css = await fetch(new URL("/style.css", dev.url));
  equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  const etag = css.headers.get("etag")!;
  await css.body?.cancel();
  const again = await fetch(new URL("/style.css", dev.url), {
    headers: { "if-none-match": etag },
  });
  equal(again.status, 304);
  const range = await fetch(new URL("/assets/clip.mp4", dev.url), {
    headers: { range: "bytes=10-19" },
  });
  equal(range.status, 206);
  equal(range.headers.get("content-range"), "bytes 10-19/1000");
  equal(range.headers.get("content-type"), "video/mp4");
  const part = new Uint8Array(await range.arrayBuffer());
  equal(part.length, 10);
  equal(part[0], 10);
  const robots = await fetch(new URL("/robots.txt", dev.url));
  equal(await robots.text(), "User-agent: *");
});

Deno.test("serving: HTML navigations to unknown paths get index.html (SPA fallback)", async () => {
  await using app = await createTempApp({
    "index.html":
      `<div id="route"></div><script type="module" src="/src/main.ts"></script>`,
    "src/main.ts":
      `document.querySelector("#route")!.textContent = location.pathname;`,
  });
  await using dev = await startServer(app.root);
  await using tracked = await openPage(
    new URL("/users/42/settings", dev.url).href,
  );
  await waitForText(tracked, "#route", "/users/42/settings");
  const notFound = await fetch(new URL("/missing.png", dev.url));
  equal(notFound.status, 404);
  await notFound.body?.cancel();
});

for (const compiler of ["oxc", "esbuild"] as const) {
  Deno.test(`serving: JSX follows deno.json compilerOptions (classic factory), compiled by ${compiler}`, async () => {
    await using app = await createTempApp({
      "deno.json": JSON.stringify({
        compilerOptions: {
          jsx: "react",
          jsxFactory: "h",
          jsxFragmentFactory: "Frag",
        },
      }),
      "index.html":
        `<div id="out"></div><script type="module" src="/src/main.tsx"></script>`,
      "src/main.tsx": `
      const Frag = "frag";
      function h(tag: string, props: Record<string, string> | null, ...kids: unknown[]) {
        return \`<\${tag}>\${kids.join("")}</\${tag}>\`;
      }
      const html: string = <b>bold <i>{1 + 1}</i></b>;
      document.querySelector("#out")!.textContent = html;
    `,
    });
    await using dev = await startServer(app.root, { compiler });
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", "<b>bold <i>2</i></b>");
  });
}

Deno.test("serving: import-map aliases (@/ prefix) and import_map.json resolve to local files", async () => {
  await using app = await createTempApp({
    "deno.json": JSON.stringify({ imports: { "@/": "./src/" } }),
    "import_map.json": JSON.stringify({
      imports: { "utils": "./lib/utils.ts" },
    }),
    "index.html":
      `<div id="out"></div><script type="module" src="/src/main.ts"></script>`,
    "src/main.ts":
      `import { name } from "@/name.ts"; import { shout } from "utils";
      document.querySelector("#out")!.textContent = shout(name);`,
    "src/name.ts": `export const name = "banana";`,
    "lib/utils.ts":
      `export const shout = (s: string) => s.toUpperCase() + "!";`,
  });
  await using dev = await startServer(app.root);
  await using tracked = await openPage(dev.url);
  await waitForText(tracked, "#out", "BANANA!");
});

Deno.test("serving: a reload re-fetches only changed modules (import map versions, immutable cache)", async () => {
  await using app = await createTempApp({
    "index.html":
      `<div id="out"></div><script type="module" src="/src/main.ts"></script>`,
    "src/main.ts": `import { a } from "./a.ts"; import { b } from "./b.ts";
      document.querySelector("#out")!.textContent = a + b;`,
    "src/a.ts": `export const a = "a1";`,
    "src/b.ts": `export const b = "b1";`,
  });
  await using dev = await startServer(app.root);
  await using tracked = await openPage(dev.url);
  await waitForText(tracked, "#out", "a1b1");
  const html = await (await fetch(dev.url)).text();
  match(html, /"\/src\/a\.ts":"\/src\/a\.ts\?v=[\w-]+"/);
  const fetched: string[] = [];
  tracked.page.on("response", (r) => {
    if (r.url().includes("/src/") && !r.fromServiceWorker()) {
      fetched.push(new URL(r.url()).pathname);
    }
  });
  const network: string[] = [];
  tracked.page.on("requestfinished", async (req) => {
    const timing = await req.sizes().catch(() => null);
    if (req.url().includes("/src/") && timing && timing.responseBodySize > 0) {
      network.push(new URL(req.url()).pathname);
    }
  });
  // The first reload moves to the versioned URLs; the next ones use the cache.
  await tracked.page.reload();
  await waitForText(tracked, "#out", "a1b1");
  network.length = 0;
  await tracked.page.reload();
  await waitForText(tracked, "#out", "a1b1");
  // a.ts and b.ts came from the immutable cache: no body went over the wire.
  ok(
    !network.includes("/src/a.ts") && !network.includes("/src/b.ts"),
    network.join(),
  );
});
