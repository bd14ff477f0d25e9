import { deepEqual, equal } from "node:assert/strict";
import { join } from "node:path";
import { isAssetPath } from "./asset_path.ts";
import { publicImport } from "./public_import.ts";

Deno.test("asset path: images, fonts and media are assets; scripts, styles and unknown extensions are not", () => {
  for (
    const path of ["/a.svg", "/b/c.PNG", "/font.woff2", "/v.mp4", "/t.txt"]
  ) {
    equal(isAssetPath(path), true, path);
  }
  for (const path of ["/a.ts", "/a.js", "/a.css", "/a.glsl", "/.svg", "/svg"]) {
    equal(isAssetPath(path), false, path);
  }
});

Deno.test("public import: an asset of public/ is its URL module; a script there is not importable; others are not public", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "vite.svg"), "<svg/>");
    await Deno.writeTextFile(join(dir, "x.js"), "");
    deepEqual(await publicImport("/vite.svg", dir), {
      kind: "asset",
      id: "banana:public/vite.svg",
    });
    deepEqual(await publicImport("/x.js?url", dir), {
      kind: "asset",
      id: "banana:public/x.js",
    });
    equal((await publicImport("/x.js", dir))?.kind, "not-importable");
    equal(await publicImport("/missing.svg", dir), null);
    equal(await publicImport("./vite.svg", dir), null);
    equal(await publicImport("//cdn/vite.svg", dir), null);
    equal(await publicImport("/vite.svg", null), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
