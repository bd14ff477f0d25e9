import { deepEqual as assertEquals, rejects } from "node:assert/strict";
import { BananaError } from "./errors.ts";
import type { ModuleNode } from "./module_graph.ts";
import type { DevServer, HmrContext, Plugin, PluginContext } from "./types.ts";
import {
  normalizePlugins,
  PluginContainer,
  type ResolvedId,
  sortPlugins,
} from "./plugin_container.ts";

/**
 * A container whose `this.resolve()` is what the module pipeline gives it:
 * the container's own resolvers (those not skipped), then a fallback.
 */
function containerOf(
  plugins: Plugin[],
  fallback: (source: string) => ResolvedId | null = () => null,
): PluginContainer {
  const container: PluginContainer = new PluginContainer({
    plugins,
    root: "/app",
    resolve: async (source, importer, skipped) =>
      await container.resolveId(source, importer, skipped) ??
        fallback(source),
  });
  return container;
}

const server = {} as DevServer;

Deno.test("plugin container: sortPlugins puts enforce pre first and post last, keeping their order", () => {
  const names = sortPlugins([
    { name: "post1", enforce: "post" },
    { name: "normal1" },
    { name: "pre1", enforce: "pre" },
    { name: "normal2" },
    { name: "post2", enforce: "post" },
    { name: "pre2", enforce: "pre" },
  ]).map((p) => p.name);
  assertEquals(names, ["pre1", "pre2", "normal1", "normal2", "post1", "post2"]);
});

Deno.test("plugin container: transform hooks run in plugin order, each on the previous output", async () => {
  const calls: string[] = [];
  const step = (name: string, enforce?: "pre" | "post"): Plugin => ({
    name,
    enforce,
    transform(code) {
      calls.push(name);
      return `${code}>${name}`;
    },
  });
  const container = containerOf(
    sortPlugins([step("c", "post"), step("b"), step("a", "pre"), {
      name: "no-op",
      transform: () => null,
    }]),
  );
  const code = await container.transform(
    "x",
    "/app/a.ts",
    container.buildContext().context,
  );
  assertEquals(code, "x>a>b>c");
  assertEquals(calls, ["a", "b", "c"]);
});

Deno.test("plugin container: the first load that returns code wins; none gives null", async () => {
  const container = containerOf([
    { name: "skip", load: () => undefined },
    { name: "first", load: (id) => id === "virtual:x" ? "first" : null },
    { name: "second", load: () => ({ code: "second", map: null }) },
  ]);
  const { context } = container.buildContext();
  assertEquals(await container.load("virtual:x", context), "first");
  assertEquals(await container.load("/app/a.ts", context), "second");
  assertEquals(await containerOf([]).load("/app/a.ts", context), null);
});

Deno.test("plugin container: resolveId takes the first answer; external is kept", async () => {
  const container = containerOf([
    { name: "none", resolveId: () => null },
    {
      name: "ext",
      resolveId: (s) =>
        s === "cdn" ? { id: "https://cdn/x", external: true } : null,
    },
    {
      name: "virtual",
      resolveId: (s) => s.startsWith("virtual:") ? `\0${s}` : null,
    },
  ]);
  assertEquals(await container.resolveId("virtual:a", "/app/main.ts"), {
    id: "\0virtual:a",
    external: false,
  });
  assertEquals(await container.resolveId("cdn", undefined), {
    id: "https://cdn/x",
    external: true,
  });
  assertEquals(await container.resolveId("./b.ts", "/app/main.ts"), null);
});

Deno.test("plugin container: this.resolve() in resolveId skips the calling plugin (skipSelf), unless skipSelf is false", async () => {
  let selfCalls = 0;
  const wrapper: Plugin = {
    name: "wrapper",
    async resolveId(source, importer) {
      if (!source.startsWith("wrap:")) return null;
      selfCalls++;
      const inner = await this.resolve(source.slice(5), importer);
      return inner ? `${inner.id}?wrapped` : null;
    },
  };
  const inner: Plugin = {
    name: "inner",
    resolveId: (source) => source === "a" ? "/app/a.ts" : null,
  };
  const container = containerOf([wrapper, inner]);
  assertEquals(await container.resolveId("wrap:a", undefined), {
    id: "/app/a.ts?wrapped",
    external: false,
  });
  // "wrap:wrap:a": the inner this.resolve("wrap:a") does not reach the
  // wrapper again, and no other plugin resolves it.
  assertEquals(await container.resolveId("wrap:wrap:a", undefined), null);
  assertEquals(selfCalls, 2);

  // skipSelf: false lets a resolver ask itself (here, once).
  const recursive: Plugin = {
    name: "recursive",
    async resolveId(source) {
      if (source === "deep") return "/app/deep.ts";
      if (source !== "outer") return null;
      const res = await this.resolve("deep", undefined, { skipSelf: false });
      return res?.id;
    },
  };
  assertEquals(await containerOf([recursive]).resolveId("outer", undefined), {
    id: "/app/deep.ts",
    external: false,
  });
});

Deno.test("plugin container: this.resolve() falls back to the server's resolution when no plugin resolves", async () => {
  const asker: Plugin = {
    name: "asker",
    async resolveId(source) {
      if (source !== "ask") return null;
      return (await this.resolve("react"))?.id;
    },
  };
  const container = containerOf(
    [asker],
    (source) => source === "react" ? { id: "react", external: true } : null,
  );
  assertEquals(await container.resolveId("ask", undefined), {
    id: "react",
    external: false,
  });
});

Deno.test("plugin container: object hooks run their handler with this; order becomes enforce; a filter skips non-matching ids", async () => {
  const seen: string[] = [];
  const [plugin] = normalizePlugins([[{
    name: "object-hooks",
    transform: {
      order: "pre",
      filter: { id: /\.vue$/ },
      handler(this: PluginContext, code: string, id: string) {
        seen.push(id);
        this.addWatchFile("style.css");
        return code + "!";
      },
    },
  } as unknown as Plugin]]);
  assertEquals(plugin.enforce, "pre");
  const container = containerOf([plugin]);
  const build = container.buildContext();
  assertEquals(
    await container.transform("a", "/app/c.vue", build.context),
    "a!",
  );
  assertEquals(
    await container.transform("a", "/app/c.ts", build.context),
    "a",
  );
  assertEquals(seen, ["/app/c.vue"]);
  assertEquals([...build.watched], ["/app/style.css"]);
});

Deno.test("plugin container: a filter set after normalizing (in options()) applies", async () => {
  const hook = {
    handler: (code: string) => code + "!",
    filter: undefined as unknown,
  };
  const [plugin] = normalizePlugins([{
    name: "late-filter",
    transform: hook,
    options() {
      hook.filter = { id: { include: /\.vue$/ } };
    },
  } as unknown as Plugin]);
  const container = containerOf([plugin]);
  const { context } = container.buildContext();
  assertEquals(await container.transform("a", "/app/c.ts", context), "a!");
  await container.options();
  assertEquals(await container.transform("a", "/app/c.ts", context), "a");
  assertEquals(await container.transform("a", "/app/c.vue", context), "a!");
});

Deno.test("plugin container: addWatchFile collects files and globs per build, relative to the root", () => {
  const container = containerOf([]);
  const one = container.buildContext();
  one.context.addWatchFile("src/a.css");
  one.context.addWatchFile("/abs/b.css");
  one.context.addWatchFile("src/**/*.{ts,tsx}");
  assertEquals([...one.watched], ["/app/src/a.css", "/abs/b.css"]);
  assertEquals(one.globs, ["/app/src/**/*.{ts,tsx}"]);
  // Another build starts empty; the shared context watches nothing.
  assertEquals(container.buildContext().watched.size, 0);
  container.context.addWatchFile("x.css");
});

Deno.test("plugin container: this.error() fails the hook with a BananaError", async () => {
  const container = containerOf([{
    name: "fails",
    load() {
      this.error("nope");
    },
  }]);
  await rejects(
    () => container.load("/app/a.ts", container.buildContext().context),
    (err) => err instanceof BananaError && err.message === "nope",
  );
});

Deno.test("plugin container: transformIndexHtml runs in plugin order; skip and ignoreErrors", async () => {
  const html = (name: string): Plugin => ({
    name,
    transformIndexHtml: (h) => `${h}<${name}>`,
  });
  const container = containerOf(sortPlugins([
    { ...html("post"), enforce: "post" },
    html("normal"),
    { ...html("pre"), enforce: "pre" },
    { name: "void", transformIndexHtml: () => {} },
  ]));
  const ctx = { path: "/index.html", filename: "/app/index.html", server };
  assertEquals(
    await container.transformIndexHtml("", ctx),
    "<pre><normal><post>",
  );
  assertEquals(
    await container.transformIndexHtml("", ctx, {
      skip: (p) => p.name === "normal",
    }),
    "<pre><post>",
  );
  const failing = containerOf([
    {
      name: "throws",
      transformIndexHtml: () => {
        throw new Error("broken");
      },
    },
    html("after"),
  ]);
  await rejects(() => failing.transformIndexHtml("", ctx), /broken/);
  assertEquals(
    await failing.transformIndexHtml("", ctx, { ignoreErrors: true }),
    "<after>",
  );
});

Deno.test("plugin container: handleHotUpdate narrows the modules plugin by plugin", async () => {
  const a = { url: "/a.ts" } as ModuleNode;
  const b = { url: "/b.ts" } as ModuleNode;
  const seen: string[][] = [];
  const container = containerOf([
    {
      name: "narrow",
      handleHotUpdate: (ctx) => ctx.modules.filter((m) => m !== b),
    },
    {
      name: "looks",
      handleHotUpdate(ctx) {
        seen.push(ctx.modules.map((m) => m.url));
      },
    },
  ]);
  const ctx: HmrContext = {
    file: "/app/a.ts",
    timestamp: 1,
    modules: [a, b],
    read: () => Promise.resolve(""),
    server,
  };
  assertEquals(await container.handleHotUpdate(ctx), [a]);
  assertEquals(seen, [["/a.ts"]]);
  assertEquals(
    await containerOf([{ name: "handled", handleHotUpdate: () => [] }])
      .handleHotUpdate(ctx),
    [],
  );
});

Deno.test("plugin container: configureServer's returned hooks go to the server at once; buildStart gets the container's this", async () => {
  const order: string[] = [];
  let buildStartThis: unknown;
  const container = containerOf([
    {
      name: "a",
      configureServer() {
        order.push("a");
        return () => {
          order.push("a:post");
        };
      },
      buildStart() {
        buildStartThis = this;
      },
    },
    { name: "b", configureServer: () => void order.push("b") },
  ]);
  await container.configureServer(server, async (hook) => {
    order.push("run");
    await hook();
  });
  assertEquals(order, ["a", "run", "a:post", "b"]);
  await container.buildStart();
  assertEquals(buildStartThis, container.context);
  assertEquals(container.context.meta.framework, "banana");
});
