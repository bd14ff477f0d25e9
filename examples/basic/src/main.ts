import { mountCounter } from "./counter.ts";
import { greeting } from "./greeting.ts";

const app = document.querySelector<HTMLDivElement>("#app")!;
app.innerHTML = `<p id="greeting"></p><div id="counter"></div>`;
document.querySelector("#greeting")!.textContent = greeting("Deno");
mountCounter(document.querySelector("#counter")!);

// Edit greeting.ts: only the greeting is re-rendered, the count is kept.
if (import.meta.hot) {
  import.meta.hot.accept("./greeting.ts", (mod) => {
    const next = mod as typeof import("./greeting.ts") | undefined;
    if (next) {
      document.querySelector("#greeting")!.textContent = next.greeting("Deno");
    }
  });
}
