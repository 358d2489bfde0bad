// CHECKSUMS.txt of a stacks-core release: the output of `sha512sum *` over the release zips (stacks-facts.md §5),
// one `<128 hex>  <file>` line each (GNU coreutils: two spaces, or " *" for binary mode).

export interface ChecksumLine {
  sha512: string;
  name: string;
  line: number;
}

export type ChecksumsParse = { ok: true; entries: ChecksumLine[] } | { ok: false; line: number; reason: string };

const LINE = /^([0-9a-fA-F]{128}) [ *](.+)$/;

export function parseSha512Checksums(text: string): ChecksumsParse {
  const entries: ChecksumLine[] = [];
  const byName = new Map<string, ChecksumLine>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const raw = lines[index]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const line = index + 1;
    const match = LINE.exec(raw);
    if (!match) {
      const hex = /^([0-9a-fA-F]+)\s/.exec(raw)?.[1];
      const reason = hex
        ? `a ${hex.length * 4}-bit digest, expected SHA-512 (128 hex characters)`
        : 'not a "<128 hex>  <file>" line as sha512sum writes it';
      return { ok: false, line, reason };
    }
    const name = match[2]!.replace(/^\.\//, '');
    if (/[\u0000-\u001f\u007f]/.test(name)) return { ok: false, line, reason: 'control characters in the file name' };
    const entry = { sha512: match[1]!.toLowerCase(), name, line };
    const previous = byName.get(name);
    if (previous && previous.sha512 !== entry.sha512) {
      // The line is named, not its file name: a message never quotes the text it read (issue #18).
      return {
        ok: false,
        line,
        reason: `a file listed again with a different digest (first at line ${previous.line})`,
      };
    }
    if (!previous) {
      byName.set(name, entry);
      entries.push(entry);
    }
  }
  if (entries.length === 0) return { ok: false, line: 0, reason: 'no checksum lines' };
  return { ok: true, entries };
}
