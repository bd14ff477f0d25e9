import { deepStrictEqual, equal } from "node:assert/strict";
import { fileToUrl, resolveSpecifier } from "./resolver.ts";

const options = {
  root: "/app",
  importMap: {
    imports: {
      "preact": "npm:preact@10.29.8",
      "preact/": "npm:/preact@10.29.8/",
      "@/": "file:///app/src/",
      "cdn-lib": "https://cdn.example/lib.js",
    },
    scopes: {},
  },
  alias: { "~": "/app/src" },
};

Deno.test("resolver: relative and root-relative paths are files", () => {
  deepStrictEqual(resolveSpecifier("./b.ts", "/app/src/a.ts", options), {
    kind: "file",
    file: "/app/src/b.ts",
    query: "",
  });
  deepStrictEqual(
    resolveSpecifier("../x.css?inline", "/app/src/a.ts", options),
    {
      kind: "file",
      file: "/app/x.css",
      query: "?inline",
    },
  );
  deepStrictEqual(resolveSpecifier("/src/c.ts", "/app/src/a.ts", options), {
    kind: "file",
    file: "/app/src/c.ts",
    query: "",
  });
});

Deno.test("resolver: import-map aliases to local files", () => {
  deepStrictEqual(resolveSpecifier("@/lib/u.ts", "/app/src/a.ts", options), {
    kind: "file",
    file: "/app/src/lib/u.ts",
    query: "",
  });
  deepStrictEqual(resolveSpecifier("~/z.ts", "/app/src/a.ts", options), {
    kind: "file",
    file: "/app/src/z.ts",
    query: "",
  });
});

Deno.test("resolver: bare names, npm: and https: are dependencies", () => {
  deepStrictEqual(resolveSpecifier("preact", "/app/src/a.ts", options), {
    kind: "dep",
    spec: "npm:preact@10.29.8",
  });
  deepStrictEqual(resolveSpecifier("preact/hooks", "/app/src/a.ts", options), {
    kind: "dep",
    spec: "npm:preact@10.29.8/hooks",
  });
  deepStrictEqual(resolveSpecifier("npm:nanoid@5", "/app/src/a.ts", options), {
    kind: "dep",
    spec: "npm:nanoid@5",
  });
  deepStrictEqual(resolveSpecifier("cdn-lib", "/app/src/a.ts", options), {
    kind: "dep",
    spec: "https://cdn.example/lib.js",
  });
});

Deno.test("resolver: unknown bare names say how to fix them", () => {
  const result = resolveSpecifier("lodash/fp", "/app/src/a.ts", options);
  equal(result.kind, "unresolved");
  if (result.kind === "unresolved") {
    equal(result.reason.includes(`"lodash": "npm:lodash@<version>"`), true);
  }
  equal(
    resolveSpecifier("node:fs", "/app/src/a.ts", options).kind,
    "unresolved",
  );
  equal(
    resolveSpecifier("data:text/javascript,1", "/app/a.ts", options).kind,
    "external",
  );
});

Deno.test("resolver: file URLs are encoded root-relative paths", () => {
  equal(fileToUrl("/app", "/app/src/a b.ts"), "/src/a%20b.ts");
  equal(fileToUrl("/app", "/app/x.css", "?import"), "/x.css?import");
});
