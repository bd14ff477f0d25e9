import { useState } from "react";

/** A button that counts its clicks (state lives in a hook). */
export function Counter() {
  const [count, setCount] = useState(0);
  return (
    <button id="count" type="button" onClick={() => setCount(count + 1)}>
      count is {count}
    </button>
  );
}
