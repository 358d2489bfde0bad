/**
 * The control's page in the repository's docs (generated from the same metadata: scripts/gen-docs.ts), named by every
 * result in text and JSON so a reader goes from any verdict, passing ones included, to what the control checks.
 */
export function docsPage(id: string): string {
  return `docs/controls/${id}.md`;
}
