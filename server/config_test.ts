import { deepStrictEqual, equal, match, throws } from "node:assert/strict";
import { join, resolve } from "node:path";
import {
  applyDefaults,
  ConfigError,
  findConfigFile,
  mergeConfig,
  validateConfig,
} from "./config.ts";
import { DEFAULT_FS_DENY } from "./fs_deny.ts";

Deno.test("applyDefaults: the documented defaults of an empty config", () => {
  const root = Deno.makeTempDirSync();
  const config = applyDefaults({ root }, null, []);
  equal(config.root, resolve(root));
  equal(config.publicDir, join(resolve(root), "public"));
  equal(config.cacheDir, join(resolve(root), ".banana"));
  equal(config.configFile, null);
  deepStrictEqual(
    {
      port: config.server.port,
      host: config.server.host,
      strictPort: config.server.strictPort,
      open: config.server.open,
      allowedHosts: config.server.allowedHosts,
      middlewareMode: config.server.middlewareMode,
      force: config.server.force,
      allow: config.server.fs.allow,
      bundle: config.server.bundle,
    },
    {
      port: 5173,
      host: "localhost",
      strictPort: false,
      open: false,
      allowedHosts: [],
      middlewareMode: false,
      force: false,
      allow: [],
      bundle: "auto",
    },
  );
  deepStrictEqual(config.server.fs.deny, DEFAULT_FS_DENY);
  deepStrictEqual(config.hmr, {
    port: null,
    host: null,
    protocol: "ws",
    clientPort: null,
    path: "/@banana/hmr",
    overlay: true,
    indicator: true,
    reload: true,
    preserveState: false,
    timeout: 30000,
  });
  // Vite's spelling of the same options.
  deepStrictEqual(config.server.hmr, config.hmr);
  equal(config.logLevel, "info");
  equal(config.compiler, "oxc");
  equal(config.mode, "development");
  equal(config.envDir, resolve(root));
  deepStrictEqual(config.envPrefix, ["VITE_", "BANANA_"]);
  deepStrictEqual(config.define, {});
  deepStrictEqual(config.alias, {});
  deepStrictEqual(config.css, {
    modules: {},
    postcss: null,
    devSourcemap: false,
  });
  // The Vite fields plugins read.
  equal(config.command, "serve");
  equal(config.isProduction, false);
  equal(config.base, "/");
});

Deno.test("applyDefaults: given values win; paths resolve against the root", () => {
  const root = Deno.makeTempDirSync();
  const config = applyDefaults(
    {
      root,
      publicDir: "static",
      cacheDir: "tmp/cache",
      envDir: "env",
      envPrefix: "APP_",
      server: {
        port: 3000,
        strictPort: true,
        fs: { allow: ["../shared"], deny: ["*.secret"] },
        hmr: { path: "/hot", overlay: false, timeout: 5 },
      },
      define: { __A__: '"a"', __B__: true as unknown as string },
      logLevel: "silent",
      compiler: "esbuild",
    },
    "/x/banana.config.ts",
    [],
  );
  equal(config.publicDir, join(resolve(root), "static"));
  equal(config.cacheDir, join(resolve(root), "tmp/cache"));
  equal(config.envDir, join(resolve(root), "env"));
  deepStrictEqual(config.envPrefix, ["APP_"]);
  equal(config.configFile, "/x/banana.config.ts");
  equal(config.server.port, 3000);
  equal(config.server.strictPort, true);
  deepStrictEqual(config.server.fs.allow, [resolve(root, "../shared")]);
  deepStrictEqual(config.server.fs.deny, ["*.secret"]);
  equal(config.hmr?.path, "/hot");
  equal(config.hmr?.overlay, false);
  equal(config.hmr?.indicator, true);
  equal(config.hmr?.timeout, 5);
  // A define that is not a string stands for itself, as in Vite.
  deepStrictEqual(config.define, { __A__: '"a"', __B__: "true" });
  equal(config.logLevel, "silent");
  equal(config.compiler, "esbuild");
});

Deno.test("applyDefaults: publicDir false and hmr false", () => {
  const config = applyDefaults(
    { root: "/app", publicDir: false, server: { hmr: false } },
    null,
    [],
  );
  equal(config.publicDir, null);
  equal(config.hmr, null);
  equal(config.server.hmr, false);
});

Deno.test("applyDefaults: an empty envPrefix or deny pattern is refused", () => {
  throws(
    () => applyDefaults({ envPrefix: ["VITE_", ""] }, null, []),
    (err) => err instanceof ConfigError && /envPrefix/.test(err.message),
  );
  throws(
    () => applyDefaults({ server: { fs: { deny: ["ok", " "] } } }, null, []),
    (err) =>
      err instanceof ConfigError && /server\.fs\.deny\[1\]/.test(err.message),
  );
  throws(
    () =>
      applyDefaults(
        { server: { fs: { deny: "*.env" as unknown as string[] } } },
        null,
        [],
      ),
    /server\.fs\.deny must be an array/,
  );
});

Deno.test("mergeConfig: objects merge deeply; arrays and values are replaced", () => {
  const base = {
    root: "/a",
    server: { port: 1, fs: { allow: ["x"] }, hmr: { overlay: true } },
    plugins: [{ name: "p" }],
  };
  const merged = mergeConfig(base, {
    server: { port: 2, fs: { allow: ["y"] } },
    plugins: [{ name: "q" }],
    mode: "test",
  });
  deepStrictEqual(merged, {
    root: "/a",
    server: { port: 2, fs: { allow: ["y"] }, hmr: { overlay: true } },
    plugins: [{ name: "q" }],
    mode: "test",
  });
  // The inputs are left as they were.
  equal(base.server.port, 1);
});

Deno.test("mergeConfig: undefined in the override keeps the base value", () => {
  deepStrictEqual(
    mergeConfig({ server: { port: 1, host: "h" } }, {
      server: { port: undefined, host: "i" },
      open: undefined,
    }),
    { server: { port: 1, host: "i" } },
  );
});

Deno.test("validateConfig: a valid config passes", () => {
  validateConfig({
    root: ".",
    server: { port: 1234, hmr: { protocol: "wss" } },
    compiler: "oxc",
    logLevel: "silent",
    plugins: [],
  });
});

Deno.test("validateConfig: the default export must be an object", () => {
  throws(
    () => validateConfig(42, "banana.config.ts"),
    (err) =>
      err instanceof ConfigError &&
      /banana\.config\.ts: the default export must be an object/.test(
        err.message,
      ),
  );
});

Deno.test("validateConfig: a wrong type names the key and the file", () => {
  throws(
    () => validateConfig({ server: { port: "80" } }, "banana.config.ts"),
    (err) => {
      if (!(err instanceof ConfigError)) return false;
      match(err.message, /banana\.config\.ts/);
      match(err.message, /server\.port/);
      return true;
    },
  );
});

Deno.test("validateConfig: an unknown choice lists the allowed ones", () => {
  throws(
    () => validateConfig({ compiler: "swc" }),
    /"compiler" must be "oxc" or "esbuild", found "swc"/,
  );
  throws(
    () => validateConfig({ server: { hmr: { protocol: "http" } } }),
    /"server\.hmr\.protocol" must be "ws" or "wss"/,
  );
  throws(
    () => validateConfig({ logLevel: "debug" }),
    /"logLevel" must be "info" or "silent"/,
  );
  throws(
    () => validateConfig({ server: { bundle: "always" } }),
    /"server\.bundle" must be "auto", found "always"/,
  );
  throws(
    () => validateConfig({ server: { bundle: 1 } }),
    /"server\.bundle" must be boolean or string/,
  );
  validateConfig({ server: { bundle: false } });
  validateConfig({ server: { bundle: "auto" } });
});

Deno.test("findConfigFile: the default names in order; a given file must exist", async () => {
  const root = await Deno.makeTempDir();
  equal(await findConfigFile(root), null);
  await Deno.writeTextFile(join(root, "banana.config.js"), "export default {}");
  equal(await findConfigFile(root), join(root, "banana.config.js"));
  await Deno.writeTextFile(join(root, "banana.config.ts"), "export default {}");
  equal(await findConfigFile(root), join(root, "banana.config.ts"));
  await Deno.remove(root, { recursive: true });
  const given = join(root, "nope.ts");
  await findConfigFile(root, given).then(
    () => {
      throw new Error("expected a ConfigError");
    },
    (err) => {
      equal(err instanceof ConfigError, true);
      match(err.message, /nope\.ts does not exist/);
    },
  );
});
