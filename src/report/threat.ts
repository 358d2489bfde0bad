// `signer-opsec threat` output: the JSON document (schema/threat.schema.json) and the terminal text. Pure formatters.

import type { ConcentrationFigures } from '../stacks/concentration.js';
import type { Crossing, OperatorRow, SignerRow, StandAlone, ThreatAnalysis } from '../stacks/threat-analysis.js';
import { printableDeep } from './printable.js';

export type ThreatSource = { kind: 'file'; path: string } | { kind: 'node'; url: string; cycle: number };

export interface ThreatReport extends ThreatAnalysis {
  schemaVersion: 1;
  tool: { name: 'signer-opsec'; version: string };
  source: ThreatSource;
}

export function buildThreatReport(analysis: ThreatAnalysis, source: ThreatSource, version: string): ThreatReport {
  return { schemaVersion: 1, tool: { name: 'signer-opsec', version }, source, ...analysis };
}

export function formatThreatJson(report: ThreatReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const CROSSING_LABELS: Record<Crossing, string> = {
  halt: '← halt (> 30%)',
  approve: '← approve (≥ 70%)',
};

function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Micro-STX (decimal string) as STX, exact: 2143020000000000 → "2,143,020,000". */
export function formatStx(ustx: string): string {
  const padded = ustx.padStart(7, '0');
  const whole = padded.slice(0, -6).replace(/^0+(?=\d)/, '');
  const fraction = padded.slice(-6).replace(/0+$/, '');
  return groupDigits(whole) + (fraction ? `.${fraction}` : '');
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function shortKey(key: string): string {
  return `${key.slice(0, 8)}…${key.slice(-4)}`;
}

/** Columns right-aligned except those listed; the last column (markers) is free text. */
function table(header: string[], rows: string[][], leftAligned: ReadonlySet<number>): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        if (column === cells.length - 1) return cell;
        return leftAligned.has(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function figureLines(figures: ConcentrationFigures, noun: string): string[] {
  return [
    `  approve any block (≥ 70%)   ${plural(figures.fewestToApprove, noun)}`,
    `  halt the chain (> 30%)      ${plural(figures.fewestToHalt, noun)}`,
    `  largest single share        ${percent(figures.largestShare)}`,
    `  HHI (0–10,000)              ${groupDigits(Math.round(figures.hhi).toString())}` +
      ` (as concentrated as ${figures.effectiveMembers.toFixed(1)} equal ${noun}s)`,
  ];
}

function markers(row: SignerRow | OperatorRow): string {
  return row.crosses.map((crossing) => CROSSING_LABELS[crossing]).join(' ');
}

function signerTable(rows: readonly SignerRow[], withOperators: boolean): string[] {
  const header = ['', '#', 'signing key', ...(withOperators ? ['operator'] : []), 'weight', 'share', 'cumulative'];
  header.push('stacked STX', '');
  const body = rows.map((row) => [
    row.mine ? '*' : '',
    String(row.rank),
    shortKey(row.signingKey),
    ...(withOperators ? [row.operator ?? '-'] : []),
    String(row.weight),
    percent(row.share),
    percent(row.cumulativeShare),
    formatStx(row.stackedUstx),
    markers(row),
  ]);
  return table(header, body, new Set(withOperators ? [0, 2, 3] : [0, 2]));
}

function operatorTable(rows: readonly OperatorRow[]): string[] {
  const header = ['', '#', 'operator', 'keys', 'weight', 'share', 'cumulative', 'stacked STX', ''];
  const body = rows.map((row) => [
    row.mine ? '*' : '',
    String(row.rank),
    row.attributed ? row.name : `(key ${shortKey(row.name)})`,
    String(row.signingKeys.length),
    String(row.weight),
    percent(row.share),
    percent(row.cumulativeShare),
    formatStx(row.stackedUstx),
    markers(row),
  ]);
  return table(header, body, new Set([0, 2]));
}

function verdict(position: StandAlone, who: string): string {
  if (position.canApproveAlone) return `${who} alone can approve any block: its compromise hands over the chain.`;
  if (position.canHaltAlone) return `${who} alone can halt the chain: its compromise or outage stops block acceptance.`;
  return `${who} alone can neither halt the chain nor approve blocks.`;
}

// Everything from the target is made printable (control characters escaped) before it is laid out.
export function formatThreatText(report: ThreatReport): string {
  return layoutThreatText(printableDeep(report));
}

function layoutThreatText(report: ThreatReport): string {
  const { figures, rows } = report.signers;
  const out: string[] = [];
  const from =
    report.source.kind === 'node' ? `cycle ${report.source.cycle} from ${report.source.url}` : report.source.path;
  out.push(`Stake concentration — ${from}`);
  out.push(
    `reward_set_version ${report.rewardSetVersion} · ${plural(figures.members, 'signer')} · total weight ` +
      `${figures.totalWeight} · ${formatStx(report.totalStackedUstx)} STX stacked`,
  );
  out.push(
    `A block needs signatures worth ≥ ${figures.approveThreshold} of ${figures.totalWeight} (70%, rounded up); ` +
      `withholding ≥ ${figures.haltWeight} (more than 30%) halts the chain.`,
  );
  out.push('', 'Fewest signers that can …');
  out.push(...figureLines(figures, 'signer'));
  const operators = report.operators;
  if (operators) {
    const named = operators.rows.filter((row) => row.attributed).length;
    out.push(
      '',
      `Fewest operators that can … (${plural(named, 'named operator')}; a key not in --operators counts as its own)`,
    );
    out.push(...figureLines(operators.figures, 'operator'));
    if (operators.keysNotInSet > 0)
      out.push(
        `  (${plural(operators.keysNotInSet, 'key')} in --operators ${operators.keysNotInSet === 1 ? 'is' : 'are'} not in this set)`,
      );
  }
  const me = report.me;
  if (me) {
    out.push('');
    if (me.keys.length === 0) {
      out.push(`Your key${me.missing.length === 1 ? ' is' : 's are'} not in this signer set: no weight this cycle.`);
    } else {
      const ranks = rows.filter((row) => row.mine).map((row) => `#${row.rank}`);
      out.push(
        `Your signer${me.keys.length === 1 ? '' : 's'} (${me.keys.map(shortKey).join(', ')}): weight ${me.weight}, ` +
          `${percent(me.share)}, rank ${ranks.join(', ')} of ${figures.members}.`,
      );
      out.push(verdict(me, me.keys.length === 1 ? 'Your key' : 'Your keys together'));
      if (me.operator)
        out.push(
          `Your operator (${me.operator.names.join(', ')}): weight ${me.operator.weight}, ${percent(me.operator.share)}. ` +
            verdict(me.operator, 'It'),
        );
    }
    if (me.missing.length > 0 && me.keys.length > 0)
      out.push(`Not in this set: ${plural(me.missing.length, 'key')} (fingerprint ${me.missing.join(', ')}).`);
  }
  out.push('', 'Signers, heaviest first (* = yours):');
  out.push(...signerTable(rows, operators !== null).map((line) => `  ${line}`));
  if (operators) {
    out.push('', 'Operators, heaviest first:');
    out.push(...operatorTable(operators.rows).map((line) => `  ${line}`));
  }
  return `${out.join('\n')}\n`;
}
