/**
 * The dev server mounted in your own `Deno.serve` (middleware mode), with
 * `ssrLoadModule` for server code of your own. Run it from this folder:
 *
 *     deno run -A own_server.ts
 *
 * `/own/joke` is answered here, with a module loaded in the server
 * environment (edit utils/jokes.ts: the next answer has the edit); every
 * other request goes to the dev server: routes, islands, HMR.
 *
 * @module
 */

import { createServer } from "../../mod.ts";

const dev = await createServer({
  root: import.meta.dirname,
  server: { middlewareMode: true },
});

Deno.serve({
  hostname: "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 8000),
  onListen: ({ port }) =>
    console.log(`own server on http://127.0.0.1:${port}/`),
}, async (request) => {
  const url = new URL(request.url);
  if (url.pathname === "/own/joke") {
    const jokes = await dev.ssrLoadModule("/utils/jokes.ts");
    const joke = (jokes.jokeOfTheDay as () => string)();
    return new Response(`Own server says: ${joke}\n`);
  }
  return await dev.handler(request);
});
