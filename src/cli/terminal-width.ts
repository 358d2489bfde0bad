/** Columns for help and the text report: COLUMNS, else the terminal's width, else 80 (a pipe or a file). */
export function helpWidth(): number {
  const columns = Number(process.env.COLUMNS);
  if (Number.isInteger(columns) && columns >= 40) return columns;
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80;
}
