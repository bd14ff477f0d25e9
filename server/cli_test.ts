import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  cliOptionsToArgs,
  cliToConfig,
  HELP,
  parseCliArgs,
  UsageError,
} from "./cli.ts";

Deno.test("cli: flags are parsed", () => {
  deepStrictEqual(
    parseCliArgs(["dev", "app", "--port", "3000", "--no-hmr", "--strict-port"]),
    { command: "dev", root: "app", port: 3000, hmr: false, strictPort: true },
  );
  deepStrictEqual(parseCliArgs(["--host"]), {
    command: "dev",
    host: "0.0.0.0",
  });
  deepStrictEqual(parseCliArgs(["--hmr-port=24678", "--hmr-timeout", "5000"]), {
    command: "dev",
    hmrPort: 24678,
    hmrTimeout: 5000,
  });
  equal(parseCliArgs(["--help"]).command, "help");
  equal(parseCliArgs(["-v"]).command, "version");
});

Deno.test("cli: bad flags and values name the flag and what was expected", () => {
  throws(() => parseCliArgs(["--prot", "1"]), /Unknown flag --prot/);
  throws(
    () => parseCliArgs(["--port", "abc"]),
    /--port expects a whole number from 0 to 65535, found "abc"/,
  );
  throws(() => parseCliArgs(["--port"]), UsageError);
  throws(
    () => parseCliArgs(["--hmr-timeout", "-1"]),
    /--hmr-timeout expects a number/,
  );
  throws(() => parseCliArgs(["a", "b"]), /one root directory/);
});

Deno.test("cli: flags become config overrides", () => {
  deepStrictEqual(cliToConfig(parseCliArgs(["x", "--hmr-port", "9000"])), {
    root: "x",
    server: { hmr: { port: 9000 } },
  });
  deepStrictEqual(cliToConfig(parseCliArgs(["x", "--force"])), {
    root: "x",
    server: { force: true },
  });
});

Deno.test('cli: --bundle / --no-bundle set server.bundle; without either the config\'s value (default "auto") stays', () => {
  deepStrictEqual(cliToConfig(parseCliArgs(["app", "--bundle"])), {
    root: "app",
    server: { bundle: true },
  });
  deepStrictEqual(cliToConfig(parseCliArgs(["app", "--no-bundle"])), {
    root: "app",
    server: { bundle: false },
  });
  deepStrictEqual(cliToConfig(parseCliArgs(["app"])), { root: "app" });
  equal(HELP.includes("--no-bundle"), true);
});

Deno.test("cli: --mode / -m set the mode (.env.<mode> files, import.meta.env.MODE); a missing or odd name is a usage error", () => {
  deepStrictEqual(cliToConfig(parseCliArgs(["app", "--mode", "staging"])), {
    root: "app",
    mode: "staging",
  });
  deepStrictEqual(parseCliArgs(["-m", "test"]).mode, "test");
  deepStrictEqual(parseCliArgs(["--mode=production"]).mode, "production");
  throws(
    () => parseCliArgs(["--mode"]),
    /--mode expects a name, found nothing/,
  );
  throws(
    () => parseCliArgs(["--mode", "a/b"]),
    /--mode expects a name of letters, digits/,
  );
});

const MOD = fileURLToPath(new URL("../mod.ts", import.meta.url));

async function runCli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MOD, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

Deno.test("cli: options turned back into arguments parse to the same options (the re-run in the app's context gets the same command)", () => {
  const lines = [
    ["dev"],
    ["dev", "/app", "--port", "0", "--strict-port", "--open"],
    ["/app", "--host", "--no-hmr", "--config", "/app/banana.config.ts"],
    ["--host", "example.test", "--hmr", "--hmr-port", "24678"],
    ["--hmr-timeout=5000", "--port=3000"],
    ["app", "--mode", "staging"],
    ["app", "--force"],
    ["app", "--bundle"],
    ["app", "--no-bundle"],
  ];
  for (const args of lines) {
    const options = parseCliArgs(args);
    deepStrictEqual(parseCliArgs(cliOptionsToArgs(options)), options);
  }
  deepStrictEqual(
    cliOptionsToArgs(parseCliArgs(["app", "--port", "3000", "--no-hmr"])),
    ["dev", "app", "--port", "3000", "--no-hmr"],
  );
});

Deno.test("cli: an unknown flag exits 2 with a one-line error", async () => {
  const result = await runCli("dev", "--bogus");
  equal(result.code, 2);
  equal(result.stderr.trim(), "error: Unknown flag --bogus (see --help)");
});

Deno.test("cli: --help and --version exit 0", async () => {
  const help = await runCli("--help");
  equal(help.code, 0);
  equal(help.stdout.includes("--hmr-port <number>"), true);
  const version = await runCli("--version");
  equal(version.code, 0);
  equal(/^banana \d+\.\d+\.\d+/.test(version.stdout), true);
});

Deno.test("cli: the dev server prints its banner and answers, then the next port is used when taken", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/index.html`, "<h1>hi</h1>");
  const blocker = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const taken = (blocker.addr as Deno.NetAddr).port;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MOD, "dev", root, "--port", String(taken)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let out = "";
    while (!out.includes("Local:")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    const url = /Local:\s+(\S+)/.exec(out)?.[1];
    equal(/ready in \d+ ms/.test(out), true);
    equal(url, `http://localhost:${taken + 1}/`);
    const res = await fetch(`http://127.0.0.1:${taken + 1}/`);
    equal((await res.text()).includes("<h1>hi</h1>"), true);
    reader.releaseLock();
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel();
    blocker.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("cli: --strict-port exits when the port is taken", async () => {
  const blocker = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const taken = (blocker.addr as Deno.NetAddr).port;
  const root = await Deno.makeTempDir();
  try {
    const result = await runCli(
      "dev",
      root,
      "--port",
      String(taken),
      "--strict-port",
    );
    equal(result.code, 1);
    equal(result.stderr.includes(`Port ${taken} is already in use`), true);
  } finally {
    blocker.close();
    await Deno.remove(root, { recursive: true });
  }
});
