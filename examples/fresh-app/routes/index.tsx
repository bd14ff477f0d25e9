import { signal } from "@preact/signals";
import Counter from "../islands/Counter.tsx";
import AddToCart from "../islands/AddToCart.tsx";
import CartBadge from "../islands/CartBadge.tsx";
import type { StandState } from "./_middleware.ts";

/** The stand: server-rendered, with three islands. */
export default function Home({ state }: { state: StandState }) {
  // One signal for the page, shared by two islands (serialised once).
  const cart = signal(0);
  return (
    <main>
      <header class="row">
        <h1 id="title">Banana Fruit Stand</h1>
        <CartBadge count={cart} />
      </header>
      <p id="vendor">Served by {state.vendor}, request #{state.requests}</p>
      <article class="card">
        <h2>Cavendish bananas</h2>
        <p id="blurb">Sweet, creamy and picked this morning.</p>
        <AddToCart product="Cavendish" count={cart} />
      </article>
      <article class="card">
        <h2>Bunch counter</h2>
        <Counter start={0} />
      </article>
    </main>
  );
}
