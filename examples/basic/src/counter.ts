/** Renders a counter button into `el`; the count survives hot updates. */
export function mountCounter(el: HTMLElement): void {
  let count = (import.meta.hot?.data.count as number | undefined) ?? 0;
  const button = document.createElement("button");
  button.id = "count";
  const render = () => (button.textContent = `count is ${count}`);
  button.onclick = () => {
    count++;
    render();
  };
  render();
  el.replaceChildren(button);
  import.meta.hot?.dispose((data) => {
    data.count = count;
  });
}

// The counter module replaces itself in place.
import.meta.hot?.accept((mod) => {
  const next = mod as typeof import("./counter.ts") | undefined;
  next?.mountCounter(document.querySelector("#counter")!);
});
