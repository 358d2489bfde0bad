// XML text escaping for the JUnit and HTML formatters. Characters XML 1.0 forbids (control characters a target's
// file could hold) are replaced, so one odd byte in evidence can't make the whole report unreadable.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeXml(text: string): string {
  return text.replace(FORBIDDEN, '\ufffd').replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}
