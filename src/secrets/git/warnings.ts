/**
 * Warnings for one scan, capped: a history with thousands of oversized blobs gives a readable list and a count.
 * Warnings from work done side by side (git processes, concurrent reads) carry an order key, so that which are named
 * and in what order never depends on which finished first: the same report whatever the scheduling.
 */
export class WarningList {
  private readonly first: string[] = [];
  /** Keyed warnings; past twice the limit, only the `limit` first in key order are kept. */
  private ordered: { key: number; line: string }[] = [];
  /** Unkeyed warnings, in the order added (from sequential work): the first `limit`. */
  private readonly items: string[] = [];
  private total = 0;

  constructor(private readonly limit = 20) {}

  /**
   * `key` orders a warning among the keyed ones (the walk position of its commit, say; ties by text); keyed warnings
   * come before unkeyed ones, which keep the order they were added in. Add from concurrent work only with a key.
   */
  add(line: string, key?: number): void {
    this.total++;
    if (key === undefined) {
      if (this.items.length < this.limit) this.items.push(line);
      return;
    }
    this.ordered.push({ key, line });
    if (this.ordered.length >= 2 * this.limit + 1) this.keepFirst();
  }

  /** A summary line shown before the individual ones. */
  addFirst(line: string): void {
    this.first.push(line);
  }

  lines(): string[] {
    this.keepFirst();
    const shown = [...this.ordered.map(({ line }) => line), ...this.items].slice(0, this.limit);
    const dropped = this.total - shown.length;
    const more = dropped > 0 ? [`… and ${dropped} more warning(s) of the same kinds`] : [];
    return [...this.first, ...shown, ...more];
  }

  private keepFirst(): void {
    this.ordered.sort((a, b) => a.key - b.key || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
    if (this.ordered.length > this.limit) this.ordered.length = this.limit;
  }
}
