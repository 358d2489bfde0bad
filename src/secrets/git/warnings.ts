/** Warnings for one scan, capped: a history with thousands of oversized blobs gives a readable list and a count. */
export class WarningList {
  private readonly first: string[] = [];
  private readonly items: string[] = [];
  private dropped = 0;

  constructor(private readonly limit = 20) {}

  add(line: string): void {
    if (this.items.length < this.limit) this.items.push(line);
    else this.dropped++;
  }

  /** A summary line shown before the individual ones. */
  addFirst(line: string): void {
    this.first.push(line);
  }

  lines(): string[] {
    const more = this.dropped > 0 ? [`… and ${this.dropped} more warning(s) of the same kinds`] : [];
    return [...this.first, ...this.items, ...more];
  }
}
