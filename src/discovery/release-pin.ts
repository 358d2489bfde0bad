import { type PinParse, parseReleasePin, type ReleasePin } from '../stacks/release-pin.js';
import { TargetError } from '../target/errors.js';
import type { FileStat, Target } from '../target/types.js';

/** The release pin as the target holds it; every failure is a state saying where and why. */
export type PinState =
  | { status: 'ok'; path: string; stat: FileStat; pin: ReleasePin }
  | { status: 'absent'; path: string }
  | { status: 'invalid'; path: string; reason: string };

const MAX_PIN_BYTES = 1024 * 1024;

export async function loadReleasePin(target: Target, path: string): Promise<PinState> {
  let stat: FileStat | undefined;
  let text: string;
  try {
    stat = await target.stat(path);
    if (!stat) return { status: 'absent', path };
    text = await target.readText(path, { maxBytes: MAX_PIN_BYTES });
  } catch (error) {
    if (error instanceof TargetError) return { status: 'invalid', path, reason: error.message };
    throw error;
  }
  const parsed: PinParse = parseReleasePin(text);
  if (!parsed.ok) return { status: 'invalid', path, reason: `${path}: ${parsed.reason}` };
  return { status: 'ok', path, stat, pin: parsed.pin };
}
