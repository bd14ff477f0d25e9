import assert from "node:assert/strict";
import {
  probeSloppyImport,
  sloppyCandidates,
  suggestSpecifier,
} from "./sloppy_imports.ts";

Deno.test("sloppy imports: the probe order is Deno's (execution mode)", () => {
  const files = (path: string, dir: boolean) =>
    sloppyCandidates(path, dir).map((c) => c.file.slice(path.length) || c.file);
  assert.deepEqual(files("/a/App", false), [
    ".ts",
    ".js",
    ".tsx",
    ".jsx",
    ".mts",
    ".mjs",
  ]);
  assert.deepEqual(
    sloppyCandidates("/a/x.js", false).map((c) => c.file),
    ["/a/x.ts", "/a/x.tsx"],
  );
  assert.deepEqual(
    sloppyCandidates("/a/x.jsx", false).map((c) => c.file),
    ["/a/x.tsx"],
  );
  assert.deepEqual(
    sloppyCandidates("/a/x.mjs", false).map((c) => c.file),
    ["/a/x.mts"],
  );
  assert.deepEqual(sloppyCandidates("/a/x.ts", false), []);
  assert.deepEqual(
    sloppyCandidates("/a/lib", true).map((c) => c.file).slice(6),
    [
      "/a/lib/index.ts",
      "/a/lib/index.mts",
      "/a/lib/index.tsx",
      "/a/lib/index.js",
      "/a/lib/index.mjs",
      "/a/lib/index.jsx",
    ],
  );
});

Deno.test("sloppy imports: a file next to a directory of the same name wins; an existing file is left alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/api`);
    await Deno.writeTextFile(`${dir}/api/index.ts`, "");
    assert.deepEqual(await probeSloppyImport(`${dir}/api`), {
      file: `${dir}/api/index.ts`,
      kind: "directory",
    });
    await Deno.writeTextFile(`${dir}/api.tsx`, "");
    assert.deepEqual(await probeSloppyImport(`${dir}/api`), {
      file: `${dir}/api.tsx`,
      kind: "no-extension",
    });
    await Deno.writeTextFile(`${dir}/b.js`, "");
    await Deno.writeTextFile(`${dir}/b.ts`, "");
    assert.equal(await probeSloppyImport(`${dir}/b.js`), null);
    const tried: string[] = [];
    assert.equal(await probeSloppyImport(`${dir}/none`, tried), null);
    assert.equal(tried.length, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sloppy imports: the suggestion keeps the specifier as written", () => {
  assert.equal(
    suggestSpecifier("./lib", "/a/lib", {
      file: "/a/lib/index.ts",
      kind: "directory",
    }),
    "./lib/index.ts",
  );
  assert.equal(
    suggestSpecifier("../App?x", "/a/App", {
      file: "/a/App.tsx",
      kind: "no-extension",
    }),
    "../App.tsx?x",
  );
  assert.equal(
    suggestSpecifier("./m.js", "/a/m.js", {
      file: "/a/m.ts",
      kind: "js-to-ts",
    }),
    "./m.ts",
  );
});
