import { deepEqual, equal, throws } from "node:assert/strict";
import { BananaError } from "./errors.ts";
import { UnsafePathError } from "./path_safety.ts";
import {
  CLIENT_URL,
  idForUrl,
  idQuery,
  isModuleRequest,
  type ModuleUrlScope,
  stripFreshness,
  urlForId,
  withParam,
} from "./module_urls.ts";

const packages = {
  fileForUrl: (pathname: string) =>
    pathname.startsWith("/@npm/pkg@1.0.0/")
      ? `/cache/pkg/${pathname.slice("/@npm/pkg@1.0.0/".length)}`
      : null,
  urlForFile: (file: string) =>
    file.startsWith("/cache/pkg/")
      ? `/@npm/pkg@1.0.0/${file.slice("/cache/pkg/".length)}`
      : null,
};
const scope: ModuleUrlScope = {
  root: "/app",
  fsAllow: ["/app", "/shared"],
  packages,
};

Deno.test("module urls: stripFreshness drops t= and v= wherever they are, and keeps the rest", () => {
  equal(stripFreshness("/src/a.ts"), "/src/a.ts");
  equal(stripFreshness("/src/a.ts?t=123"), "/src/a.ts");
  equal(stripFreshness("/src/a.ts?v=abc&t=1"), "/src/a.ts");
  equal(stripFreshness("/src/a.css?import&t=1"), "/src/a.css?import");
  equal(stripFreshness("/src/a.css?t=1&import"), "/src/a.css?import");
  equal(stripFreshness("/src/a.svg?url&v=2&raw"), "/src/a.svg?url&raw");
  // Only whole params: `at=` is not `t=`.
  equal(stripFreshness("/src/a.ts?at=1"), "/src/a.ts?at=1");
});

Deno.test("module urls: withParam appends to the query, or starts one", () => {
  equal(withParam("/src/a.ts", "t=1"), "/src/a.ts?t=1");
  equal(withParam("/src/a.css?import", "t=1"), "/src/a.css?import&t=1");
});

Deno.test("module urls: isModuleRequest is true for scripts, /@id/ and import/raw/url/inline queries", () => {
  for (
    const url of [
      "/src/a.ts",
      "/src/a.tsx",
      "/src/a.mjs",
      "/@id/virtual:x",
      "/src/a.css?import",
      "/src/a.svg?url",
      "/src/a.txt?raw",
      "/src/a.css?inline",
      "/src/a.css?t=1&import",
      CLIENT_URL,
    ]
  ) equal(isModuleRequest(url), true, url);
  for (
    const url of [
      "/src/a.css",
      "/index.html",
      "/logo.svg",
      "/src/a.css?important",
      "/src/a.css?direct",
    ]
  ) equal(isModuleRequest(url), false, url);
});

Deno.test("module urls: idQuery drops the import marker and marks a non-script requested by itself as direct", () => {
  equal(idQuery("/app/a.ts", undefined), "");
  equal(idQuery("/app/a.ts", "import"), "");
  equal(idQuery("/app/a.css", "import"), "");
  equal(idQuery("/app/a.css", undefined), "?direct");
  equal(idQuery("/app/a.css", "raw"), "?raw");
  equal(idQuery("/app/a.svg", "url"), "?url");
  equal(idQuery("/app/a.css", "inline&lang=scss"), "?inline&lang=scss");
  equal(
    idQuery("/app/a.vue", "vue&type=style&index=0"),
    "?vue&type=style&index=0&direct",
  );
});

Deno.test("module urls: idForUrl maps root files, /@fs/, /@npm/ and /@id/ URLs to ids and files", () => {
  deepEqual(idForUrl("/src/a.ts", scope), {
    id: "/app/src/a.ts",
    file: "/app/src/a.ts",
  });
  deepEqual(idForUrl("/src/a%20b.css?import", scope), {
    id: "/app/src/a b.css",
    file: "/app/src/a b.css",
  });
  deepEqual(idForUrl("/@fs/shared/lib.ts", scope), {
    id: "/shared/lib.ts",
    file: "/shared/lib.ts",
  });
  deepEqual(idForUrl("/@npm/pkg@1.0.0/style.css", scope), {
    id: "/cache/pkg/style.css?direct",
    file: "/cache/pkg/style.css",
  });
  deepEqual(idForUrl("/@id/virtual%3Aconfig?x=1", scope), {
    id: "virtual:config?x=1",
    file: null,
  });
});

Deno.test("module urls: idForUrl refuses /@fs/ outside the allowed folders, escapes, and unknown packages", () => {
  throws(() => idForUrl("/@fs/etc/passwd", scope), UnsafePathError);
  throws(() => idForUrl("/@fs/app/../etc/passwd", scope), UnsafePathError);
  throws(
    () => idForUrl("/src/%2e%2e/%2e%2e/etc/passwd", scope),
    UnsafePathError,
  );
  throws(
    () => idForUrl("/@npm/other@2.0.0/x.css", scope),
    (err) => err instanceof BananaError && err.code === "not-found",
  );
});

Deno.test("module urls: urlForId is the inverse for files of the root, /@fs/, packages and virtual ids", () => {
  equal(urlForId("/app/src/a.ts", scope), "/src/a.ts");
  equal(urlForId("/app/src/a b.css?import", scope), "/src/a%20b.css?import");
  equal(urlForId("/shared/lib.ts", scope), "/@fs/shared/lib.ts");
  equal(
    urlForId("/cache/pkg/style.css?import", scope),
    "/@npm/pkg@1.0.0/style.css?import",
  );
  equal(urlForId("virtual:config", scope), "/@id/virtual%3Aconfig");
  equal(urlForId("\0virtual:x?lang.ts", scope), "/@id/%00virtual%3Ax?lang.ts");
  for (const id of ["/app/src/a.ts", "/shared/lib.ts", "virtual:config"]) {
    equal(idForUrl(urlForId(id, scope), scope).id, id);
  }
});
