/**
 * The template layer of the public pages. `html` is a tagged template that escapes every value
 * it interpolates unless the value is already SafeHtml (the result of another `html` template).
 * Pages are built only from these templates, so no user-supplied string reaches a page unescaped.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

type Interpolated = SafeHtml | string | number | boolean | null | undefined | readonly Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/**
 * Markup the product itself generated and that holds no user input (the QR code's SVG, made
 * by the qrcode package from a URI it encodes as modules, not as text).
 */
export function generatedMarkup(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
