import type { Formatter } from '../types.js';
import { renderHostReport } from './host.js';
import { renderPage } from './page.js';

export { type FleetExtras, type FleetHost, formatFleetHtml, renderFleetMatrix } from './fleet.js';
export { renderHostReport } from './host.js';
export { CONTENT_SECURITY_POLICY, renderPage } from './page.js';

/** `audit --format html`: one self-contained page, readable from disk, under a strict CSP, and in print. */
export const formatHtml: Formatter = (report) =>
  renderPage(`signer-opsec audit: ${report.target.host ?? report.target.source}`, renderHostReport(report));
