// Small DOM helpers the views share.

export const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

/** `<tag class=className>text</tag>`; `className` and `text` optional. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
