// What a tool's complaint may say in our output. sshd, nft, systemd-analyze and git quote the line they reject
// ("no argument after keyword \"stacks:$6$…\"" for an included /etc/shadow), so their text is never relayed: only
// its place (file, line, column) and a category from the fixed list below, matched after quoted tokens are dropped.
// A message that fits no category is only said to be withheld.

/** Phrases of the tools' messages we may repeat: ours, fixed text, never the tool's. Order: most specific first. */
const KNOWN_CATEGORIES: readonly string[] = [
  // sshd (servconf.c, sshd.c)
  'Too many recursive configuration includes',
  'Bad configuration option',
  'Bad SSH2 cipher spec',
  'Bad SSH2 mac spec',
  'Bad SSH2 KexAlgorithms',
  'Bad key types',
  'Bad protocol 2 host key algorithms',
  'Bad SSH2 algorithm',
  'Bad permitopen',
  'Bad LogLevel',
  'unsupported log facility',
  'Bad AuthenticationMethods',
  'no argument after keyword',
  'missing argument',
  'Unsupported option',
  'Deprecated option',
  'Bad Match condition',
  'Missing Match criteria',
  'Unsupported Match attribute',
  'not allowed within a Match block',
  'invalid quotes',
  'Bad yes/no argument',
  'Badly formatted port number',
  'Missing privilege separation directory',
  'no hostkeys available',
  'Unable to load host key',
  'AuthenticationMethods cannot be satisfied',
  'bad configuration options',
  // nft
  'Include nested too deeply',
  'syntax error',
  'Could not process rule',
  'Could not resolve hostname',
  'Could not resolve service',
  'Could not resolve',
  'No such file or directory',
  'Operation not permitted',
  'Permission denied',
  'File exists',
  'conflicting',
  'undefined',
  'Could not open',
  'Is a directory',
  // systemd-analyze
  'Unknown key name',
  'Unknown key',
  'Unknown lvalue',
  'Unknown section',
  'Assignment outside of section',
  "Missing '='",
  'is not executable',
  'is not an absolute path',
  'Failed to parse',
  'Failed to load',
  'Failed to prepare',
  'has no ExecStart',
  'fatal error',
  'Invalid',
  'Unknown',
  // git
  'not a git repository',
  'bad object',
  'bad config line',
  'missing object',
  // What a walk over a repository lacking objects (a snapshot, a partial clone) says: read blob by blob instead.
  'unable to read',
  'could not read',
  'is not a blob',
  'is not a tree',
  'is not a commit',
  'unknown revision',
  'corrupt',
  'fatal',
];

const COLOUR = /\x1b\[[0-9;]*m/g;
/** A path a message may name: absolute, no blanks or quotes (nor anything a terminal would act on). */
const SAFE_PATH = /^\/[A-Za-z0-9._@+,=~/-]{0,4095}$/;
/** `file:line:col-col: Error: …` (nft), `file line N: …` / `file: line N: …` (sshd), `file:line: …` (systemd). */
const LOCATED: readonly RegExp[] = [
  /^(\/[^\s:]{1,4096}):(\d{1,9}):(\d{1,9})(?:-\d{1,9})?: (.{0,8192})$/,
  /^(\/\S{1,4096}?):? line (\d{1,9}): (.{0,8192})$/,
  /^(\/[^\s:]{1,4096}):(\d{1,9}): (.{0,8192})$/,
];
/** Only so much of a tool's output is looked at: its first lines hold its verdict. */
const MAX_LINES_READ = 50;

/** The category of one message: a fixed phrase of KNOWN_CATEGORIES, never text of the message itself. */
export function categoryOf(message: string): string | undefined {
  const unquoted = message
    .slice(0, 8192)
    .replace(/"[^"]*"?|'[^']*'?|`[^`]*`?|\u201c[^\u201d]*\u201d?/g, ' ')
    .toLowerCase();
  return KNOWN_CATEGORIES.find((phrase) => unquoted.includes(phrase.toLowerCase()));
}

/** One line of a tool's output as "file:line[:col]: category", or "category"; undefined when it is blank. */
export function describeToolLine(line: string, root?: string): string | undefined {
  let text = line.replace(COLOUR, '').trim();
  if (root) text = text.replaceAll(root, '');
  if (text === '') return undefined;
  for (const shape of LOCATED) {
    const located = shape.exec(text);
    if (!located) continue;
    const [, file, lineNumber, third, rest] = located;
    const column = rest === undefined ? undefined : third;
    const message = rest ?? third!;
    if (!SAFE_PATH.test(file!)) continue;
    const place = `${file}:${lineNumber}${column ? `:${column}` : ''}`;
    return `${place}: ${categoryOf(message) ?? 'rejected (the message is withheld: it may quote the file)'}`;
  }
  return categoryOf(text) ?? 'failed (the message is withheld: it may quote a file)';
}

/**
 * Why a tool failed, for a report: the first line of its output that names a place or a known category,
 * rewritten as above. `root` (a temp copy's directory) is removed so paths read as the target's.
 */
export function describeToolOutput(tool: string, output: string, root?: string): string {
  const lines = output.split('\n', MAX_LINES_READ);
  let fallback: string | undefined;
  for (const line of lines) {
    const described = describeToolLine(line, root);
    if (described === undefined) continue;
    // A located or categorised line is the verdict; an uncategorised one is kept only if nothing better follows.
    if (!described.includes('is withheld')) return `${tool}: ${described}`;
    fallback ??= described;
  }
  return `${tool}: ${fallback ?? 'failed with no message'}`;
}
