// Who runs which signing key: a JSON object `{ "<compressed pubkey hex>": "<operator name>" }`, so that an operator
// with several keys counts once when coalitions are counted. Pure: text in, map out.
import { type ExactJsonValue, JsonNumber } from '../parsers/exact-json.js';
import { normalisePublicKey, parseJsonDocument, StackerSetError } from './signer-set.js';

const MAX_NAME_LENGTH = 100;

/** Signing key (lower-case hex, no 0x) → operator name. */
export type OperatorMap = ReadonlyMap<string, string>;

function isPlainObject(value: ExactJsonValue): value is { readonly [key: string]: ExactJsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** Errors reuse StackerSetError: `where` is the key (`"02ab…"`) or `line:column`. */
export function parseOperatorMap(text: string): OperatorMap {
  const document = parseJsonDocument(text);
  if (!isPlainObject(document))
    throw new StackerSetError('document', 'expected a JSON object mapping signing keys to operator names');
  const operators = new Map<string, string>();
  for (const [position, [rawKey, rawName]] of Object.entries(document).entries()) {
    const key = normalisePublicKey(rawKey);
    // An entry whose key is not a public key is named by position only: it might be a private key pasted by mistake.
    if (key === undefined)
      throw new StackerSetError(
        `entry ${position + 1}`,
        'the key is not a 33-byte compressed secp256k1 public key (02 or 03 followed by 64 hex digits)',
      );
    const where = JSON.stringify(rawKey);
    if (typeof rawName !== 'string') throw new StackerSetError(where, 'the operator name must be a string');
    const name = rawName.trim();
    if (name === '' || name.length > MAX_NAME_LENGTH || /\p{Cc}/u.test(name))
      throw new StackerSetError(
        where,
        `the operator name must be 1–${MAX_NAME_LENGTH} characters without control characters`,
      );
    const earlier = operators.get(key);
    if (earlier !== undefined && earlier !== name)
      throw new StackerSetError(where, `this key is already mapped to "${earlier}" (written another way)`);
    operators.set(key, name);
  }
  return operators;
}
