// https://docs.docker.com/reference/compose-file/merge/ — how compose combines `compose.yaml` with
// `compose.override.yaml` (or `-f a -f b`): pure data in, data out.
//
// Mappings merge key by key, the later file winning on a conflict; sequences are appended; `command`, `entrypoint` and
// `healthcheck.test` are replaced; `ports` and `volumes` are unique resources (a later entry with the same key
// replaces the earlier one); `environment` and `labels` merge by variable name, whichever form (list or map) is used.

type Mapping = Record<string, unknown>;

const REPLACED_SERVICE_KEYS = new Set(['command', 'entrypoint']);
const KEYED_SERVICE_KEYS = new Set(['environment', 'labels', 'annotations']);

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `["A=1", "B"]` or `{A: 1, B: null}`: the map form, so both spellings merge by name. */
function asKeyedMapping(value: unknown): Mapping {
  if (isMapping(value)) return value;
  if (!Array.isArray(value)) return {};
  return Object.fromEntries(
    value.map(String).map((entry) => {
      const equals = entry.indexOf('=');
      return equals === -1 ? [entry, null] : [entry.slice(0, equals), entry.slice(equals + 1)];
    }),
  );
}

/** The container path of a volume entry (`src:/target[:mode]`, `/anonymous`, or the long form). */
function volumeKey(entry: unknown): string {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    return parts.length === 1 ? (parts[0] ?? '') : (parts[1] ?? '');
  }
  if (isMapping(entry)) return String(entry.target ?? '');
  return JSON.stringify(entry);
}

/**
 * Ports are unique by host address, published port, container port and protocol. The short form is compared as
 * written (normalised for the default protocol); a long-form entry by its fields.
 */
function portKey(entry: unknown): string {
  if (typeof entry === 'string' || typeof entry === 'number') {
    const written = String(entry).trim();
    return written.includes('/') ? written.toLowerCase() : `${written}/tcp`;
  }
  if (isMapping(entry)) {
    return JSON.stringify([
      entry.host_ip ?? '',
      String(entry.published ?? ''),
      String(entry.target ?? ''),
      entry.protocol ?? 'tcp',
    ]);
  }
  return JSON.stringify(entry);
}

/** Appends `later` to `earlier`; an entry whose key an earlier one has takes that one's place. */
function mergeUnique(earlier: unknown, later: unknown, keyOf: (entry: unknown) => string): unknown[] {
  const merged = Array.isArray(earlier) ? [...earlier] : [];
  for (const entry of Array.isArray(later) ? later : []) {
    const key = keyOf(entry);
    const index = merged.findIndex((existing) => keyOf(existing) === key);
    if (index === -1) merged.push(entry);
    else merged[index] = entry;
  }
  return merged;
}

function mergeGeneric(earlier: unknown, later: unknown): unknown {
  if (isMapping(earlier) && isMapping(later)) {
    const merged: Mapping = { ...earlier };
    for (const [key, value] of Object.entries(later))
      merged[key] = key in merged ? mergeGeneric(merged[key], value) : value;
    return merged;
  }
  if (Array.isArray(earlier) && Array.isArray(later)) return [...earlier, ...later];
  return later;
}

export function mergeComposeService(earlier: unknown, later: unknown): unknown {
  if (!isMapping(earlier) || !isMapping(later)) return later ?? earlier;
  const merged: Mapping = { ...earlier };
  for (const [key, value] of Object.entries(later)) {
    if (!(key in merged) || REPLACED_SERVICE_KEYS.has(key)) merged[key] = value;
    else if (KEYED_SERVICE_KEYS.has(key)) merged[key] = { ...asKeyedMapping(merged[key]), ...asKeyedMapping(value) };
    else if (key === 'ports') merged[key] = mergeUnique(merged[key], value, portKey);
    else if (key === 'volumes') merged[key] = mergeUnique(merged[key], value, volumeKey);
    else if (key === 'healthcheck' && isMapping(merged[key]) && isMapping(value)) {
      const base = merged[key] as Mapping;
      merged[key] = { ...(mergeGeneric(base, value) as Mapping), ...('test' in value ? { test: value.test } : {}) };
    } else merged[key] = mergeGeneric(merged[key], value);
  }
  return merged;
}

/** The documents of one project, base first: their services merged as compose merges them; the rest generically. */
export function mergeComposeDocuments(documents: readonly unknown[]): Mapping {
  let merged: Mapping = {};
  for (const document of documents) {
    if (!isMapping(document)) continue;
    const { services, ...rest } = document;
    merged = mergeGeneric(merged, rest) as Mapping;
    if (!isMapping(services)) continue;
    const known = isMapping(merged.services) ? { ...merged.services } : {};
    for (const [name, service] of Object.entries(services)) {
      known[name] = name in known ? mergeComposeService(known[name], service) : service;
    }
    merged.services = known;
  }
  return merged;
}
