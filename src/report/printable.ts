// Text from the target (unit and file names, User= values, compose directories, scanned paths) may hold terminal
// control sequences: ESC [2J clears the screen, OSC retitles the terminal, a cursor move writes over a finding.
// Text output shows them escaped, whatever --no-color says; JSON, HTML and the other formats escape in their own way.

// C0 controls but \t and \n, DEL, C1 controls, and the bidi overrides/isolates that reorder what a line shows.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeControl(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control character (but tab and newline) and bidi control shown as `\xNN` / `\uNNNN`. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeControl);
}

/**
 * A copy of `value` with printable() applied to every string in it (plain objects, arrays, Maps, Sets), for a text
 * formatter to receive: one pass at the boundary instead of a call at every place a name is printed. Other objects
 * (class instances, buffers) are kept as they are; shared and cyclic references stay shared.
 */
export function printableDeep<T>(value: T): T {
  const seen = new Map<object, unknown>();
  const visit = (item: unknown): unknown => {
    if (typeof item === 'string') return printable(item);
    if (item === null || typeof item !== 'object') return item;
    const known = seen.get(item);
    if (known !== undefined) return known;
    if (Array.isArray(item)) {
      const copy: unknown[] = [];
      seen.set(item, copy);
      for (const element of item) copy.push(visit(element));
      return copy;
    }
    if (item instanceof Map) {
      const copy = new Map<unknown, unknown>();
      seen.set(item, copy);
      for (const [key, element] of item) copy.set(visit(key), visit(element));
      return copy;
    }
    if (item instanceof Set) {
      const copy = new Set<unknown>();
      seen.set(item, copy);
      for (const element of item) copy.add(visit(element));
      return copy;
    }
    const prototype = Object.getPrototypeOf(item);
    if (prototype !== Object.prototype && prototype !== null) return item;
    const copy: Record<string, unknown> = prototype === null ? Object.create(null) : {};
    seen.set(item, copy);
    for (const [key, element] of Object.entries(item)) copy[key] = visit(element);
    return copy;
  };
  return visit(value) as T;
}
