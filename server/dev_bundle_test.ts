import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import {
  bundleUrlFor,
  entryOfBundleUrl,
  parseBundleUrl,
  registryRefusedBy,
} from "./dev_bundle.ts";
import { crawlClosure } from "./bundle_crawl.ts";
import { ModuleGraph } from "./module_graph.ts";
import { ModulePipeline } from "./module_pipeline.ts";
import type { DepBundler } from "./deps.ts";
import {
  metaContentSecurityPolicies,
  replaceModuleScriptSrcs,
} from "./html.ts";

Deno.test("dev bundle: an entry's bundle URL and back", () => {
  equal(bundleUrlFor("/src/main.ts"), "/@banana/bundle/src/main.ts");
  equal(entryOfBundleUrl("/@banana/bundle/src/main.ts"), "/src/main.ts");
  equal(entryOfBundleUrl("/@banana/bundlex/a.ts"), null);
  equal(entryOfBundleUrl("/src/main.ts"), null);
});

Deno.test("dev bundle: a versioned bundle URL names its version; a hostile one is no bundle URL", () => {
  equal(
    bundleUrlFor("/src/main.ts", "stream-1a2b"),
    "/@banana/bundle@stream-1a2b/src/main.ts",
  );
  deepEqual(parseBundleUrl("/@banana/bundle@5f3a/src/main.ts"), {
    entry: "/src/main.ts",
    version: "5f3a",
  });
  deepEqual(parseBundleUrl("/@banana/bundle/src/main.ts"), {
    entry: "/src/main.ts",
    version: null,
  });
  equal(entryOfBundleUrl("/@banana/bundle@5f3a/v-1/main.ts"), "/v-1/main.ts");
  // Not an ETag's inside: the plain URL, and no version read back.
  equal(bundleUrlFor("/src/main.ts", 'a"b'), "/@banana/bundle/src/main.ts");
  equal(parseBundleUrl('/@banana/bundle@a"b/src/main.ts'), null);
  equal(parseBundleUrl("/@banana/bundle@/src/main.ts"), null);
  equal(parseBundleUrl("/@banana/bundle@abc"), null);
  equal(parseBundleUrl("/@banana/bundlex/a.ts"), null);
});

Deno.test("dev bundle: a Content-Security-Policy refuses the registry only when it allows neither inline scripts nor eval", () => {
  ok(registryRefusedBy("script-src 'self'"));
  ok(registryRefusedBy("default-src 'self'"));
  // A nonce makes 'unsafe-inline' ignored.
  ok(registryRefusedBy("script-src 'self' 'unsafe-inline' 'nonce-abc'"));
  equal(registryRefusedBy("script-src 'self' 'unsafe-inline'"), null);
  equal(registryRefusedBy("script-src 'self' 'unsafe-eval'"), null);
  // script-src wins over default-src.
  equal(
    registryRefusedBy("default-src 'none'; script-src 'unsafe-inline'"),
    null,
  );
  equal(registryRefusedBy("img-src 'self'"), null);
});

Deno.test("html: module script sources are replaced, other scripts and attributes kept; CSP meta tags are read", () => {
  const html = `<script src="/x.js"></script>` +
    `<script type="module" async src='/src/a.ts'></script>` +
    `<script type="module">import "/src/b.ts";</script>`;
  equal(
    replaceModuleScriptSrcs(html, (src) => "/@banana/bundle" + src),
    `<script src="/x.js"></script>` +
      `<script type="module" async src='/@banana/bundle/src/a.ts'></script>` +
      `<script type="module">import "/src/b.ts";</script>`,
  );
  deepEqual(
    metaContentSecurityPolicies(
      `<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="script-src 'self'">`,
    ),
    ["script-src 'self'"],
  );
});

Deno.test("bundle crawl: the closure holds static and dynamic imports, the static part is told apart, a failed build is recorded, and the graph learns every import", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  try {
    const files: Record<string, string> = {
      "main.ts":
        `import { a } from "./a.ts";\nimport("./lazy.ts");\nconsole.log(a);\n`,
      "a.ts": `import { b } from "./b.ts";\nexport const a = b;\n`,
      "b.ts": `export const b = 1;\n`,
      "lazy.ts":
        `import { b } from "./b.ts";\nimport "./broken.ts";\nexport const l = b;\n`,
      "broken.ts": `import "./missing.ts";\n`,
    };
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(root, name), text);
    }
    const graph = new ModuleGraph();
    const pipeline = new ModulePipeline({
      root,
      fsAllow: [root],
      graph,
      plugins: [],
      importMap: { imports: {}, scopes: {} },
      alias: {},
      deps: { generation: null } as unknown as DepBundler,
      hmr: true,
      mode: "development",
    });
    const counts: number[] = [];
    const built: string[] = [];
    const closure = await crawlClosure(pipeline, "/main.ts", {
      concurrency: 2,
      onStaticCount: (n) => counts.push(n),
      onBuilt: (url) => built.push(url),
    });
    deepEqual(closure.urls.toSorted(), [
      "/a.ts",
      "/b.ts",
      "/broken.ts",
      "/lazy.ts",
      "/main.ts",
    ]);
    deepEqual([...closure.staticUrls].toSorted(), [
      "/a.ts",
      "/b.ts",
      "/main.ts",
    ]);
    deepEqual([...closure.failed.keys()], ["/broken.ts"]);
    equal(counts.at(-1), 3);
    equal(built.length, 4);
    deepEqual(
      [...graph.get("/b.ts")!.importers].map((n) => n.url).toSorted(),
      ["/a.ts", "/lazy.ts"],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
