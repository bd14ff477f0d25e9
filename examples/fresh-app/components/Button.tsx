import type { ComponentChildren } from "preact";

/** Props of {@linkcode Button}. */
export interface ButtonProps {
  id?: string;
  onClick?: () => void;
  children: ComponentChildren;
}

/** The stand's button: used by routes (server) and islands (browser). */
export function Button({ id, onClick, children }: ButtonProps) {
  return (
    <button id={id} class="btn" type="button" onClick={onClick}>
      {children}
    </button>
  );
}
