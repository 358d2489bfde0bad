import { formatJson } from './json.js';
import { formatText } from './text.js';
import type { Formatter } from './types.js';

export type FormatName = 'text' | 'json';

/** Every output format, chosen by `--format`; later formats (sarif, junit, html, prometheus) join this map. */
export const formatters: Record<FormatName, Formatter> = {
  text: formatText,
  json: formatJson,
};

export const FORMAT_NAMES = Object.keys(formatters) as FormatName[];
