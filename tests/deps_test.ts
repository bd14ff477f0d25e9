import { equal, ok } from "node:assert/strict";
import {
  createTempApp,
  markPage,
  openPage,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { startServer } from "./_server.ts";

const PREACT_IMPORTS = {
  "preact": "npm:preact@10.29.8",
  "preact/": "npm:/preact@10.29.8/",
};

const COUNTER = `
import { h, render } from "preact";
import { useState } from "preact/hooks";
function Counter() {
  const [n, setN] = useState(0);
  return h("button", { id: "count", onClick: () => setN(n + 1) }, "count " + n);
}
render(h(Counter, null), document.getElementById("app")!);
`;

Deno.test("deps: npm packages resolve without npm install, and preact + preact/hooks share one instance", async () => {
  await using app = await createTempApp({
    "deno.json": JSON.stringify({ imports: PREACT_IMPORTS }),
    "index.html":
      `<div id="app"></div><script type="module" src="/src/main.ts"></script>`,
    "src/main.ts": COUNTER,
  });
  await using dev = await startServer(app.root);
  await using tracked = await openPage(dev.url);
  await waitForText(tracked, "#count", "count 0");
  // Hooks only work when preact/hooks patches the same preact instance.
  await tracked.page.click("#count");
  await tracked.page.click("#count");
  await waitForText(tracked, "#count", "count 2");
  equal(tracked.pageErrors.length, 0, tracked.pageErrors.join("\n"));
  const html = await (await fetch(dev.url)).text();
  ok(
    /"preact\/hooks":"\/@deps\/[\w-]+\/[^"]+\.js"/.test(html),
    "import map maps preact/hooks",
  );
  const depUrl = /"preact":"([^"]+)"/.exec(html)![1];
  const dep = await fetch(new URL(depUrl, dev.url));
  equal(
    dep.headers.get("cache-control"),
    "public, max-age=31536000, immutable",
  );
  await dep.body?.cancel();
  ok(await Deno.stat(`${app.root}/.banana/deps`), "bundle cached on disk");
  let nodeModules = true;
  await Deno.stat(`${app.root}/node_modules`).catch(() => nodeModules = false);
  equal(nodeModules, false, "no node_modules in the app");
});

Deno.test("deps: https: imports are bundled (a local server stands in for a CDN)", async () => {
  const cdn = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) => {
      const path = new URL(req.url).pathname;
      const files: Record<string, string> = {
        "/lib/mod.js":
          `import { twice } from "./util.js"; export const shout = (s) => twice(s.toUpperCase());`,
        "/lib/util.js": `export const twice = (s) => s + s;`,
      };
      const body = files[path];
      return body
        ? new Response(body, {
          headers: { "content-type": "application/javascript" },
        })
        : new Response("nope", { status: 404 });
    },
  );
  try {
    const base = `http://127.0.0.1:${cdn.addr.port}`;
    await using app = await createTempApp({
      "deno.json": JSON.stringify({
        imports: { "cdn-lib": `${base}/lib/mod.js` },
      }),
      "index.html":
        `<p id="out"></p><script type="module" src="/src/main.ts"></script>`,
      "src/main.ts": `import { shout } from "cdn-lib";
        import { twice } from "${base}/lib/util.js";
        document.querySelector("#out")!.textContent = shout("ab") + twice("-");`,
    });
    await using dev = await startServer(app.root);
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", "ABAB--");
  } finally {
    await cdn.shutdown();
  }
});

Deno.test("deps: an unknown package and a missing version are clear errors naming the specifier and the importer", async () => {
  await using app = await createTempApp({
    "deno.json": JSON.stringify({ imports: PREACT_IMPORTS }),
    "index.html": `<p>x</p>`,
    "src/a.ts":
      `import x from "npm:banana-no-such-package-zz9@1.0.0";\nexport default x;`,
    "src/b.ts": `import { h } from "npm:preact@99.99.99";\nexport default h;`,
  });
  await using dev = await startServer(app.root);
  const a = await fetch(new URL("/src/a.ts", dev.url));
  equal(a.status, 500);
  const aBody = await a.text();
  ok(
    aBody.includes(
      `"npm:banana-no-such-package-zz9@1.0.0" imported by src/a.ts`,
    ),
    aBody,
  );
  ok(/not found|does not exist|404/i.test(aBody), aBody);
  const b = await fetch(new URL("/src/b.ts", dev.url));
  equal(b.status, 500);
  const bBody = await b.text();
  ok(bBody.includes(`"npm:preact@99.99.99" imported by src/b.ts`), bBody);
  ok(/99\.99\.99/.test(bBody), bBody);
});

Deno.test("deps: a dependency discovered after start re-bundles and reloads the page once", async () => {
  await using app = await createTempApp({
    "deno.json": JSON.stringify({ imports: PREACT_IMPORTS }),
    "index.html":
      `<div id="app"></div><script type="module" src="/src/main.ts"></script>`,
    "src/main.ts": `import { h, render } from "preact";
      render(h("p", { id: "msg" }, "no hooks yet"), document.getElementById("app")!);`,
  });
  await using dev = await startServer(app.root);
  await using tracked = await openPage(dev.url);
  await waitForText(tracked, "#msg", "no hooks yet");
  await markPage(tracked);
  const loadsBefore = tracked.loads;
  await app.write("src/main.ts", COUNTER);
  await waitForText(tracked, "#count", "count 0", 15000);
  ok(await wasReloaded(tracked));
  await tracked.page.click("#count");
  await waitForText(tracked, "#count", "count 1");
  await new Promise((r) => setTimeout(r, 500));
  equal(tracked.loads - loadsBefore, 1, "exactly one reload");
  equal(tracked.pageErrors.length, 0, tracked.pageErrors.join("\n"));
});

Deno.test("deps: an ESM package without an __esModule export (vue) bundles, and a CommonJS one (react) still does", async () => {
  // vue's `exports` give Deno's runtime a CommonJS build (with `__esModule`)
  // and the browser bundler an ES module build without it: naming the
  // runtime's exports failed the whole bundle.
  await using app = await createTempApp({
    "deno.json": JSON.stringify({
      imports: { vue: "npm:vue@3.5.45", react: "npm:react@19.2.0" },
    }),
    "index.html":
      `<div id="app"></div><script type="module" src="/src/main.ts"></script>`,
    "src/main.ts": `
import { createApp, h, ref } from "vue";
import React, { createElement, version } from "react";
const made = createElement("b", null, "x");
createApp({
  setup() {
    const n = ref(0);
    return () => h("button", { id: "count", onClick: () => n.value++ },
      "vue " + n.value + " react " + version.split(".")[0] + " " +
        (made.type === "b" && typeof React.useState === "function"));
  },
}).mount("#app");
`,
  });
  await using dev = await startServer(app.root);
  await using tracked = await openPage(dev.url);
  await waitForText(tracked, "#count", "vue 0 react 19 true");
  await tracked.page.click("#count");
  await waitForText(tracked, "#count", "vue 1 react 19 true");
  equal(tracked.pageErrors.length, 0, tracked.pageErrors.join("\n"));
});
