import { useState } from "preact/hooks";
import { Button } from "../components/Button.tsx";

/** Counts bunches with a hook: edit the label, the count stays. */
export default function Counter({ start }: { start: number }) {
  const [count, setCount] = useState(start);
  return (
    <div class="island">
      <Button id="counter" onClick={() => setCount(count + 1)}>
        Bunches: {count}
      </Button>
    </div>
  );
}
