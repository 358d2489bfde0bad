import { stripAnsi } from './ansi.js';

/**
 * Word-wraps `text` to `firstWidth` columns for the first line and `restWidth` after. Spacing inside a line is kept
 * (formatters align with double spaces); ANSI codes take no width; a word longer than a line (a path) is never cut.
 */
export function wrapText(text: string, firstWidth: number, restWidth = firstWidth): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    const tokens = paragraph.trimEnd().split(/(\s+)/);
    let line = tokens[0] ?? '';
    let lineWidth = stripAnsi(line).length;
    for (let i = 2; i < tokens.length; i += 2) {
      const space = tokens[i - 1] ?? '';
      const word = tokens[i] ?? '';
      const wordWidth = stripAnsi(word).length;
      const width = lines.length === 0 ? firstWidth : restWidth;
      if (lineWidth > 0 && lineWidth + space.length + wordWidth > width) {
        lines.push(line);
        line = word;
        lineWidth = wordWidth;
      } else {
        line += space + word;
        lineWidth += space.length + wordWidth;
      }
    }
    lines.push(line);
  }
  return lines;
}
