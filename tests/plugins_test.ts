import { equal, ok } from "node:assert/strict";
import viteString from "vite-plugin-string";
import type { Plugin } from "../mod.ts";
import {
  browserTest,
  createTempApp,
  markPage,
  openPage,
  waitForConsole,
  waitForText,
  wasReloaded,
} from "./_browser.ts";
import { startServer } from "./_server.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

testInEachMode({
  ...browserTest,
  name:
    "plugins: resolveId/load (virtual module), transform, transformIndexHtml and configureServer apply",
  async fn(mode) {
    const seen: string[] = [];
    const plugin: Plugin = {
      name: "test:all-hooks",
      config: () => ({ define: { __FROM_CONFIG_HOOK__: '"config hook"' } }),
      configResolved(config) {
        seen.push(`resolved:${config.define.__FROM_CONFIG_HOOK__}`);
      },
      configureServer(server) {
        server.middlewares.use((request, next) =>
          new URL(request.url).pathname === "/api/hello"
            ? Response.json({ hello: "world" })
            : next()
        );
        // Added by the returned hook: runs after the built-in handlers.
        return () => {
          server.middlewares.use((request, next) =>
            new URL(request.url).pathname === "/api/fallback"
              ? new Response("after ours")
              : next()
          );
        };
      },
      resolveId(source) {
        if (source === "virtual:build-info") return "\0virtual:build-info";
      },
      load(id) {
        if (id === "\0virtual:build-info") {
          return `export const info = "virtual module";`;
        }
      },
      transform(code, id) {
        if (id.endsWith("/src/main.ts")) {
          return code.replace("__SHOUT__", JSON.stringify("transformed"));
        }
      },
      transformIndexHtml(html) {
        return html.replace(
          "</body>",
          `<p id="html-hook">from the hook</p></body>`,
        );
      },
    };
    await using app = await createTempApp({
      "index.html":
        `<body><p id="out"></p><script type="module" src="/src/main.ts"></script></body>`,
      "src/main.ts": `import { info } from "virtual:build-info";
        declare const __SHOUT__: string, __FROM_CONFIG_HOOK__: string;
        document.querySelector("#out")!.textContent = [info, __SHOUT__, __FROM_CONFIG_HOOK__].join(" | ");`,
    });
    await using dev = await startServer(
      app.root,
      modeConfig(mode, { plugins: [plugin] }),
    );
    await using tracked = await openPage(dev.url);
    await waitForText(
      tracked,
      "#out",
      "virtual module | transformed | config hook",
    );
    await waitForText(tracked, "#html-hook", "from the hook");
    const api = await fetch(new URL("/api/hello", dev.url));
    equal((await api.json()).hello, "world");
    const after = await fetch(new URL("/api/fallback", dev.url));
    equal(await after.text(), "after ours");
    const missing = await fetch(new URL("/api/missing", dev.url));
    equal(missing.status, 404);
    await missing.body?.cancel();
    equal(seen[0], `resolved:"config hook"`);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "plugins: handleHotUpdate sends a custom event to the page and suppresses the default update",
  async fn(mode) {
    const plugin: Plugin = {
      name: "test:hot-update",
      async handleHotUpdate(ctx) {
        if (!ctx.file.endsWith("settings.ts")) return;
        const text = await ctx.read();
        ctx.server.hot.send({
          type: "custom",
          event: "settings:changed",
          data: { size: text.length },
        });
        return [];
      },
    };
    await using app = await createTempApp({
      "index.html":
        `<p id="out">waiting</p><script type="module" src="/src/main.ts"></script>`,
      "src/settings.ts":
        `console.log("settings ran");\nexport const theme = "dark";\nimport.meta.hot?.accept();`,
      "src/main.ts": `import { theme } from "./settings.ts";
        document.querySelector("#out")!.textContent = theme;
        import.meta.hot?.on("settings:changed", (data) => {
          document.querySelector("#out")!.textContent = "event " + (data as { size: number }).size;
        });`,
    });
    await using dev = await startServer(
      app.root,
      modeConfig(mode, { plugins: [plugin] }),
    );
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", "dark");
    await markPage(tracked);
    const next =
      `console.log("settings ran");\nexport const theme = "light";\nimport.meta.hot?.accept();`;
    await app.write("src/settings.ts", next);
    await waitForText(tracked, "#out", `event ${next.length}`);
    await new Promise((r) => setTimeout(r, 300));
    // The module was not re-run: the plugin handled the change.
    equal(tracked.consoleLines.filter((l) => l === "settings ran").length, 1);
    equal(await wasReloaded(tracked), false);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "plugins: server.hot.on receives import.meta.hot.send and replies to that client",
  async fn(mode) {
    await using app = await createTempApp({
      "index.html":
        `<p id="out">waiting</p><script type="module" src="/src/main.ts"></script>`,
      "src/main.ts": `import.meta.hot!.on("test:pong", (data) => {
          document.querySelector("#out")!.textContent = JSON.stringify(data);
        });
        import.meta.hot!.send("test:ping", { n: 41 });`,
    });
    await using dev = await startServer(app.root, modeConfig(mode));
    dev.server.hot.on("test:ping", (data, client) => {
      client.send("test:pong", { n: (data as { n: number }).n + 1 });
    });
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", `{"n":42}`);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "plugins: a real Vite plugin from npm (vite-plugin-string) works unchanged, with HMR",
  async fn(mode) {
    await using app = await createTempApp({
      "index.html":
        `<pre id="out"></pre><script type="module" src="/src/main.ts"></script>`,
      "src/shader.frag":
        `// a comment\nvoid main() {\n  gl_FragColor = vec4(1.0);\n}\n`,
      "src/main.ts": `import shader from "./shader.frag";
        const show = (text: string) => document.querySelector("#out")!.textContent = text;
        show(shader);
        import.meta.hot?.accept("./shader.frag", (mod) => show((mod as { default: string }).default));`,
    });
    await using dev = await startServer(
      app.root,
      modeConfig(mode, { plugins: [viteString()] }),
    );
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", "void main(){gl_FragColor=vec4(1.0);}");
    await markPage(tracked);
    await app.write(
      "src/shader.frag",
      `void main() {\n  gl_FragColor = vec4(0.5);\n}\n`,
    );
    await waitForText(tracked, "#out", "void main(){gl_FragColor=vec4(0.5);}");
    equal(await wasReloaded(tracked), false);
    ok(tracked.pageErrors.length === 0, tracked.pageErrors.join("\n"));
    await waitForConsole(tracked, /hot updated/).catch(() => {});
  },
});

testInEachMode({
  ...browserTest,
  name:
    "plugins: this.resolve() inside resolveId skips the calling plugin (Rollup's skipSelf), so a resolver can wrap the others",
  async fn(mode) {
    const calls: string[] = [];
    const plugin: Plugin = {
      name: "test:tag-local-imports",
      async resolveId(source, importer) {
        if (!source.startsWith("./")) return;
        calls.push(source);
        const resolved = await this.resolve(source, importer);
        return resolved ? `${resolved.id}?tagged` : null;
      },
      transform(code, id) {
        if (id.endsWith("?tagged")) return code.replace("__TAG__", "tagged");
      },
    };
    await using app = await createTempApp({
      "index.html":
        `<p id="out"></p><script type="module" src="/src/main.ts"></script>`,
      "src/main.ts": `import { tag } from "./dep.ts";
        document.querySelector("#out")!.textContent = tag;`,
      "src/dep.ts": `export const tag = "__TAG__";`,
    });
    await using dev = await startServer(
      app.root,
      modeConfig(mode, { plugins: [plugin] }),
    );
    await using tracked = await openPage(dev.url);
    await waitForText(tracked, "#out", "tagged");
    equal(calls.join(","), "./dep.ts");
  },
});
