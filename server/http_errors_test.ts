import { deepStrictEqual } from "node:assert/strict";
import { BananaError } from "./errors.ts";
import { UnsafePathError } from "./path_safety.ts";
import { FsDeniedError } from "./fs_deny.ts";
import { errorCode, statusFor } from "./http_errors.ts";

Deno.test("errorCode: a refused path is denied, a bad encoding a bad request", () => {
  deepStrictEqual(errorCode(new UnsafePathError("escape")), "denied");
  deepStrictEqual(errorCode(new FsDeniedError(".env", ".env")), "denied");
  deepStrictEqual(errorCode(new UnsafePathError("bad %", 400)), "bad-request");
});

Deno.test("errorCode: a BananaError's own code, internal by default", () => {
  deepStrictEqual(
    errorCode(new BananaError({ message: "File not found: a.ts" })),
    "internal",
  );
  deepStrictEqual(
    errorCode(new BananaError({ message: "gone" }, { code: "not-found" })),
    "not-found",
  );
  deepStrictEqual(errorCode(new Error("File not found: a.ts")), "internal");
  deepStrictEqual(errorCode("thrown string"), "internal");
});

Deno.test("statusFor: one status per code", () => {
  deepStrictEqual(
    (["not-found", "denied", "bad-request", "internal"] as const).map(
      statusFor,
    ),
    [404, 403, 400, 500],
  );
});
