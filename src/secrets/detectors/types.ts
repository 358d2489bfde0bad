// What a detector hands to scanContent. The value stays inside the scanner: scanContent turns it into a fingerprint
// and drops it before a Finding exists, so no formatter, baseline or log can ever receive it.
import type { SecretSeverity } from '../types.js';

export interface Hit {
  detector: string;
  /** Offset of the value's first character in the scanned text. */
  index: number;
  /** The value in a canonical form (a key as 64 lower-case hex): equal secrets get equal fingerprints. */
  canonicalValue: string;
  severity: SecretSeverity;
  /** Describes the hit; must not contain the value. */
  message: string;
}

export interface DetectInput {
  /** The content decoded as latin1: one character per byte, so offsets are byte offsets. */
  text: string;
  /** The path as reported, used only for file-kind rules (test vectors). */
  file: string;
  /** Where `text` starts in the whole file, when it is an excerpt (the lines around a candidate). */
  offset?: number;
  /** The whole file's text, for the rare rule that needs more than the excerpt (the TOML section above a value). */
  fullText?: () => string;
}

export type Detect = (input: DetectInput) => Hit[];
