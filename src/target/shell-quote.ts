/** One POSIX sh word holding `text` exactly: single quotes, with each embedded quote closed, escaped and reopened. */
export function shellQuote(text: string): string {
  if (text.includes('\0')) throw new Error('a shell word cannot hold a NUL byte');
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
