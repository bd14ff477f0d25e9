/**
 * `deno install -g -A -n banana --root <tmp> <repo>/mod.ts` gives a `banana`
 * command that serves an app from the app's folder, wherever that is
 * (issue 17). Real `deno install`, real subprocesses, a temp install root.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { startCli } from "./_cli_process.ts";
import { REPO_ROOT } from "./_own_files.ts";

Deno.test("the installed banana command serves an app from its folder, with the app's deno.json", async () => {
  const installRoot = await Deno.makeTempDir({ prefix: "banana_install_" });
  const app = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "banana_installed_app_" }),
  );
  const ourLock = await Deno.readTextFile(join(REPO_ROOT, "deno.lock"));
  try {
    const install = await new Deno.Command(Deno.execPath(), {
      args: [
        "install",
        "-g",
        "-A",
        "-n",
        "banana",
        "--root",
        installRoot,
        join(REPO_ROOT, "mod.ts"),
      ],
      cwd: installRoot,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(install.success, new TextDecoder().decode(install.stderr));
    const bin = join(
      installRoot,
      "bin",
      Deno.build.os === "windows" ? "banana.cmd" : "banana",
    );

    const version = await new Deno.Command(bin, {
      args: ["--version"],
      cwd: app,
      stdout: "piped",
    }).output();
    assert.match(new TextDecoder().decode(version.stdout), /^banana \d+\.\d+/);

    // The app maps a package for its config; the installed command is
    // started in the app's folder with no root argument, as a user would.
    await Deno.writeTextFile(
      join(app, "deno.json"),
      JSON.stringify({ imports: { picocolors: "npm:picocolors@1.1.1" } }),
    );
    await Deno.writeTextFile(
      join(app, "banana.config.ts"),
      `import pc from "picocolors";
export default {
  plugins: [{
    name: "installed-probe",
    transformIndexHtml: (html: string) => html.replace("</h1>", " " + typeof pc.bold + "</h1>"),
  }],
};
`,
    );
    await Deno.writeTextFile(join(app, "index.html"), "<h1>Installed</h1>\n");
    const cli = await startCli(bin, ["dev", "--port", "0"], { cwd: app });
    try {
      const response = await fetch(cli.url);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /<h1>Installed function<\/h1>/);
      assert.match(cli.output(), new RegExp(`Root:\\s+${app}`));
    } finally {
      assert.equal(await cli.stop(), 0, cli.output());
    }
    assert.equal(
      await Deno.readTextFile(join(REPO_ROOT, "deno.lock")),
      ourLock,
    );
  } finally {
    await Deno.remove(installRoot, { recursive: true });
    await Deno.remove(app, { recursive: true });
  }
});
