import assert from "node:assert/strict";
import { expandEnv, loadEnvFiles, parseDotenv } from "./env_files.ts";

Deno.test("dotenv: comments, export, quotes, multi-line values, inline comments", () => {
  assert.deepEqual(
    parseDotenv(
      `# top\nA=1\nexport B="two words" # note\nC='lit $A'\n` +
        `D="multi\nline\\nend"\nE = spaced value # c\nF=a#b\nG=\nnot a line\n`,
    ),
    {
      A: "1",
      B: "two words",
      C: "lit $A",
      D: "multi\nline\nend",
      E: "spaced value",
      F: "a#b",
      G: "",
    },
  );
});

Deno.test("dotenv: ${VAR}, $VAR, ${VAR:-default} and \\$ are expanded", () => {
  const vars: Record<string, string> = { A: "1", B: "2" };
  assert.equal(
    expandEnv("x${A}y$B-${C:-def}\\$A", (n) => vars[n]),
    "x1y2-def$A",
  );
});

Deno.test("env files: Vite's precedence (.env < .env.local < .env.[mode] < .env.[mode].local < the environment), only prefixed names exposed", async () => {
  const dir = await Deno.makeTempDir();
  const outside = "BANANA_ENV_TEST_FROM_PROCESS";
  Deno.env.set(outside, "process");
  try {
    await Deno.writeTextFile(
      `${dir}/.env`,
      `VITE_A=env\nVITE_B=env\nVITE_C=env\nVITE_D=env\nSECRET=hidden\n` +
        `VITE_URL=\${HOST}/api\nHOST=https://x.test\n${outside}=file\n`,
    );
    await Deno.writeTextFile(
      `${dir}/.env.local`,
      `VITE_B=local\nVITE_C=local\nVITE_D=local\n`,
    );
    await Deno.writeTextFile(
      `${dir}/.env.staging`,
      `VITE_C=mode\nVITE_D=mode\n`,
    );
    await Deno.writeTextFile(
      `${dir}/.env.staging.local`,
      `VITE_D=mode-local\n`,
    );
    await Deno.writeTextFile(`${dir}/.env.production`, `VITE_A=production\n`);
    const { env, files } = await loadEnvFiles(dir, "staging");
    assert.equal(env.VITE_A, "env");
    assert.equal(env.VITE_B, "local");
    assert.equal(env.VITE_C, "mode");
    assert.equal(env.VITE_D, "mode-local");
    assert.equal(env.VITE_URL, "https://x.test/api");
    assert.equal(env[outside], "process");
    assert.equal("SECRET" in env, false);
    assert.equal("HOST" in env, false);
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), [
      ".env",
      ".env.local",
      ".env.staging",
      ".env.staging.local",
    ]);
  } finally {
    Deno.env.delete(outside);
    await Deno.remove(dir, { recursive: true });
  }
});
