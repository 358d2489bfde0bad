import { formatHtml } from './html/index.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatPrometheus } from './prometheus.js';
import { formatAuditSarif } from './sarif.js';
import { formatText } from './text.js';
import type { Formatter } from './types.js';

export type FormatName = 'text' | 'json' | 'html' | 'junit' | 'sarif' | 'prometheus';

/** Every output format, chosen by `--format`. */
export const formatters: Record<FormatName, Formatter> = {
  text: formatText,
  json: formatJson,
  html: formatHtml,
  junit: formatJunit,
  sarif: formatAuditSarif,
  prometheus: formatPrometheus,
};

export const FORMAT_NAMES = Object.keys(formatters) as FormatName[];
