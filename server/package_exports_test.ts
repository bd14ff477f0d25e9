import { deepStrictEqual } from "node:assert/strict";
import {
  resolvePackageEntry,
  SCRIPT_ENTRY,
  STYLE_ENTRY,
} from "./package_exports.ts";
import { parseNpmSpecifier } from "./package_files.ts";

Deno.test("package entry: without exports, the entry fields, then the sub-path as a file", () => {
  const normalize = { main: "normalize.css", style: "normalize.css" };
  deepStrictEqual(resolvePackageEntry(normalize, "", SCRIPT_ENTRY), {
    path: "normalize.css",
  });
  const bootstrap = { main: "dist/js/bootstrap.js", style: "dist/css/b.css" };
  deepStrictEqual(resolvePackageEntry(bootstrap, "", SCRIPT_ENTRY), {
    path: "dist/js/bootstrap.js",
  });
  deepStrictEqual(resolvePackageEntry(bootstrap, "", STYLE_ENTRY), {
    path: "dist/css/b.css",
  });
  deepStrictEqual(resolvePackageEntry(bootstrap, "dist/x.css", STYLE_ENTRY), {
    path: "dist/x.css",
  });
  deepStrictEqual(resolvePackageEntry({}, "", SCRIPT_ENTRY), {
    path: "index.js",
  });
});

Deno.test("package entry: exports with conditions, patterns and the most specific key", () => {
  const tailwind = {
    exports: {
      ".": {
        types: "./dist/lib.d.mts",
        style: "./index.css",
        require: "./dist/lib.js",
        import: "./dist/lib.mjs",
      },
      "./plugin": { require: "./dist/plugin.js", import: "./dist/plugin.mjs" },
    },
  };
  deepStrictEqual(resolvePackageEntry(tailwind, "", STYLE_ENTRY), {
    path: "index.css",
  });
  deepStrictEqual(resolvePackageEntry(tailwind, "", SCRIPT_ENTRY), {
    path: "dist/lib.mjs",
  });
  deepStrictEqual(resolvePackageEntry(tailwind, "nope", SCRIPT_ENTRY), {
    notExported: true,
  });
  const fontsource = {
    exports: {
      ".": { sass: "./index.css", default: "./index.css" },
      "./*": { sass: "./*.css", default: "./*.css" },
      "./*.css": { sass: "./*.css", default: "./*.css" },
      "./files/*": { default: "./files/*" },
    },
  };
  deepStrictEqual(resolvePackageEntry(fontsource, "400", STYLE_ENTRY), {
    path: "400.css",
  });
  // "./*.css" and "./files/*" are more specific than "./*".
  deepStrictEqual(resolvePackageEntry(fontsource, "400.css", SCRIPT_ENTRY), {
    path: "400.css",
  });
  deepStrictEqual(
    resolvePackageEntry(fontsource, "files/a.woff2", SCRIPT_ENTRY),
    { path: "files/a.woff2" },
  );
  // A string, an array and a top-level condition map all mean ".".
  deepStrictEqual(
    resolvePackageEntry({ exports: "./x.css" }, "", STYLE_ENTRY),
    { path: "x.css" },
  );
  deepStrictEqual(
    resolvePackageEntry(
      { exports: [{ worker: "./w.js" }, "./x.js"] },
      "",
      SCRIPT_ENTRY,
    ),
    { path: "x.js" },
  );
  deepStrictEqual(
    resolvePackageEntry(
      { exports: { browser: "./b.js", default: "./d.js" } },
      "",
      SCRIPT_ENTRY,
    ),
    { path: "b.js" },
  );
  // A null target hides a sub-path; three's "./addons/*" maps a folder.
  deepStrictEqual(
    resolvePackageEntry(
      { exports: { "./*": "./*", "./private/*": null } },
      "private/x.js",
      SCRIPT_ENTRY,
    ),
    { notExported: true },
  );
  deepStrictEqual(
    resolvePackageEntry(
      { exports: { "./addons/*": "./examples/jsm/*" } },
      "addons/controls/OrbitControls.js",
      SCRIPT_ENTRY,
    ),
    { path: "examples/jsm/controls/OrbitControls.js" },
  );
});

Deno.test("npm specifiers: name, range and sub-path, scoped or not, in both forms", () => {
  deepStrictEqual(parseNpmSpecifier("npm:@fontsource/inter@5.2.8/400.css"), {
    name: "@fontsource/inter",
    range: "5.2.8",
    subpath: "400.css",
  });
  deepStrictEqual(parseNpmSpecifier("npm:/react-dom@19.3.1/client"), {
    name: "react-dom",
    range: "19.3.1",
    subpath: "client",
  });
  deepStrictEqual(parseNpmSpecifier("npm:normalize.css"), {
    name: "normalize.css",
    range: "",
    subpath: "",
  });
  deepStrictEqual(parseNpmSpecifier("npm:preact@^10.29/hooks"), {
    name: "preact",
    range: "^10.29",
    subpath: "hooks",
  });
  deepStrictEqual(parseNpmSpecifier("https://x/y.js"), null);
});
