import { equal } from "node:assert/strict";
import { matchesHookFilter } from "./hook_filter.ts";

Deno.test("hook filter: a RegExp, a list and { include, exclude } select ids; exclusions win", () => {
  equal(matchesHookFilter({ id: /\.css$/ }, "/app/a.css"), true);
  equal(matchesHookFilter({ id: /\.css$/ }, "/app/a.ts"), false);
  equal(
    matchesHookFilter(
      { id: [/\.vue$/, /[?&]vue\b/] },
      "/a.vue?vue&type=template",
    ),
    true,
  );
  const tailwind = {
    id: {
      include: [/\.css(?:\?.*)?$/, /&lang\.css/],
      exclude: [/\/\.vite\//, /[?&](?:worker|sharedworker|raw|url)\b/],
    },
  };
  equal(matchesHookFilter(tailwind, "/app/src/index.css?direct"), true);
  equal(matchesHookFilter(tailwind, "/app/src/index.css?raw"), false);
  equal(matchesHookFilter(tailwind, "/app/src/main.tsx"), false);
  equal(
    matchesHookFilter({ id: { exclude: [/node_modules/] } }, "/app/a.ts"),
    true,
  );
});

Deno.test("hook filter: strings are exact ids or globs; code filters see the code", () => {
  equal(matchesHookFilter({ id: "\0virtual:x" }, "\0virtual:x"), true);
  equal(matchesHookFilter({ id: "\0virtual:x" }, "\0virtual:y"), false);
  equal(matchesHookFilter({ id: "**/*.md" }, "/app/docs/a.md?raw"), true);
  equal(matchesHookFilter({ code: "import.meta.glob" }, "/a.ts", "x"), false);
  equal(
    matchesHookFilter({ code: /glob\(/ }, "/a.ts", "import.meta.glob("),
    true,
  );
  // A global RegExp gives the same answer on every call.
  const global = { id: /\.css/g };
  equal(matchesHookFilter(global, "/a.css"), true);
  equal(matchesHookFilter(global, "/a.css"), true);
});
