import { deepEqual, equal } from "node:assert/strict";
import { splitId } from "./module_id.ts";

Deno.test("module id: splitId separates the path from its query and drops the hash after it", () => {
  const plain = splitId("/app/a.ts");
  equal(plain.path, "/app/a.ts");
  equal(plain.params.toString(), "");
  const query = splitId("/app/a.vue?vue&type=style&index=0#x");
  equal(query.path, "/app/a.vue");
  deepEqual([...query.params.keys()], ["vue", "type", "index"]);
  equal(query.params.get("type"), "style");
  equal(splitId("/app/a.svg#frag").path, "/app/a.svg");
});
