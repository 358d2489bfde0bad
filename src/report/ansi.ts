// Minimal ANSI styling so terminal output needs no dependency; every style is the identity when colour is off.

export type Style = (text: string) => string;

export interface Palette {
  bold: Style;
  dim: Style;
  red: Style;
  green: Style;
  yellow: Style;
  blue: Style;
  magenta: Style;
  cyan: Style;
}

const CODES: Record<keyof Palette, [open: number, close: number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

export function palette(color: boolean): Palette {
  const style = (name: keyof Palette): Style => {
    if (!color) return (text) => text;
    const [open, close] = CODES[name];
    return (text) => (text ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  };
  return {
    bold: style('bold'),
    dim: style('dim'),
    red: style('red'),
    green: style('green'),
    yellow: style('yellow'),
    blue: style('blue'),
    magenta: style('magenta'),
    cyan: style('cyan'),
  };
}

const ANSI_PATTERN = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}
