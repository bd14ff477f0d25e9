import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { fileToUrl, packageNameOf, resolveSpecifier } from "./resolver.ts";

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

Deno.test("resolver: a missing scoped package names the whole package in its fix", () => {
  const result = resolveSpecifier(
    "@tanstack/react-query/devtools",
    "/app/src/a.ts",
    options,
  );
  equal(result.kind, "unresolved");
  if (result.kind === "unresolved") {
    ok(
      result.reason.includes(
        `"@tanstack/react-query": "npm:@tanstack/react-query@<version>"`,
      ),
      result.reason,
    );
    ok(!result.reason.includes(`"@tanstack":`), result.reason);
  }
  equal(packageNameOf("@scope/pkg/sub/x.js"), "@scope/pkg");
  equal(packageNameOf("react-dom/client"), "react-dom");
  equal(packageNameOf("@scope"), "@scope");
});

Deno.test("resolver: a sub-path of an entry from a separate import map file names the prefix entry to add", () => {
  // Deno derives "name/" from "name" only for entries written in deno.json.
  const result = resolveSpecifier("react-dom/client", "/app/src/a.ts", {
    ...options,
    importMap: {
      imports: { "react-dom": "npm:react-dom@19.3.1" },
      scopes: {},
    },
  });
  equal(result.kind, "unresolved");
  if (result.kind === "unresolved") {
    ok(
      result.reason.includes(`"react-dom/": "npm:/react-dom@19.3.1/"`),
      result.reason,
    );
  }
});
