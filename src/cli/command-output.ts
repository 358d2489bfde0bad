// The result of a command that changes something (keygen, key *, verify-release, harden apply/rollback): lines for
// people, or one JSON object (schema/command-result.schema.json) for scripts; to standard output or, with --output,
// written atomically once the command has finished. Never holds a private key: callers pass public facts only.
import { printable } from '../report/printable.js';
import { writeFileAtomic } from './write-output.js';

export interface ResultFlags {
  format?: string | undefined;
  output?: string | undefined;
}

export class CommandOutput {
  private readonly lines: string[] = [];
  private readonly streaming: boolean;

  constructor(
    private readonly command: string,
    private readonly flags: ResultFlags,
  ) {
    // Text to a terminal or pipe streams (an apply's progress shows as it happens); everything else waits for the end.
    this.streaming = (flags.format ?? 'text') === 'text' && flags.output === undefined;
  }

  get json(): boolean {
    return this.flags.format === 'json';
  }

  line(raw: string): void {
    // Lines name target paths (apply, rollback): shown printable, like every text report.
    const text = printable(raw);
    this.lines.push(text);
    if (this.streaming) process.stdout.write(`${text}\n`);
  }

  /** Writes what was collected (and, as JSON, `data`); the exit code is handed back for `return out.finish(...)`. */
  finish(exitCode: number, data: Record<string, unknown> = {}): number {
    if (this.streaming) return exitCode;
    const text = this.json
      ? `${JSON.stringify({ command: this.command, exitCode, ...data, messages: this.lines }, null, 2)}\n`
      : `${this.lines.join('\n')}\n`;
    if (this.flags.output !== undefined) writeFileAtomic(this.flags.output, text);
    else process.stdout.write(text);
    return exitCode;
  }
}
