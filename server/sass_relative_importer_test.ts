import { equal, throws } from "node:assert/strict";
import { join } from "node:path";
import { findSassFile, rebaseUrls } from "./sass_relative_importer.ts";

Deno.test("Sass loads: partials, extensions and index files by Sass's rules; two candidates are an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const file of [
        "_a.scss",
        "b.sass",
        "c/_index.scss",
        "d.css",
        "e.scss",
        "_e.scss",
      ]
    ) {
      await Deno.mkdir(join(dir, file, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, file), "");
    }
    equal(findSassFile(join(dir, "a")), join(dir, "_a.scss"));
    equal(findSassFile(join(dir, "a.scss")), join(dir, "_a.scss"));
    equal(findSassFile(join(dir, "b")), join(dir, "b.sass"));
    equal(findSassFile(join(dir, "c")), join(dir, "c/_index.scss"));
    equal(findSassFile(join(dir, "d")), join(dir, "d.css"));
    equal(findSassFile(join(dir, "nope")), null);
    throws(() => findSassFile(join(dir, "e")), /not clear which file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Sass loads: a partial's relative url()s are rebased onto the entry's folder", () => {
  const source = `.a { background: url(../img/a.png); }
.b { background: url("./b.svg#x"); }
.c { background: url(/root.png), url(data:image/png;base64,AA), url($var), url(#{$x}/y.png), url(https://x/y.png); }
`;
  equal(
    rebaseUrls(source, "/app/src/styles/_a.scss", "/app/src"),
    `.a { background: url("./img/a.png"); }
.b { background: url("./styles/b.svg#x"); }
.c { background: url(/root.png), url(data:image/png;base64,AA), url($var), url(#{$x}/y.png), url(https://x/y.png); }
`,
  );
  equal(rebaseUrls(source, "/app/src/_a.scss", "/app/src"), source);
});
