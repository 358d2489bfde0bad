// etc/passwd and etc/group: colon-separated, one entry a line (passwd(5), group(5)).

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  line: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  line: number;
}

export interface ParseProblem {
  line: number;
  message: string;
}

function records(text: string, minFields: number): { fields: string[]; line: number }[] | ParseProblem[] {
  return text.split('\n').flatMap((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return [];
    const fields = line.split(':');
    if (fields.length < minFields) return [{ fields: [], line: index + 1 }];
    return [{ fields, line: index + 1 }];
  });
}

function isId(text: string | undefined): boolean {
  return text !== undefined && /^\d{1,10}$/.test(text);
}

export function parsePasswd(text: string): { entries: PasswdEntry[]; problems: ParseProblem[] } {
  const entries: PasswdEntry[] = [];
  const problems: ParseProblem[] = [];
  for (const record of records(text, 7) as { fields: string[]; line: number }[]) {
    const [name, , uid, gid, , home, shell] = record.fields;
    if (!name || !isId(uid) || !isId(gid)) {
      problems.push({ line: record.line, message: 'not a passwd entry (name:x:uid:gid:gecos:home:shell)' });
      continue;
    }
    entries.push({ name, uid: Number(uid), gid: Number(gid), home: home ?? '', shell: shell ?? '', line: record.line });
  }
  return { entries, problems };
}

export function parseGroup(text: string): { entries: GroupEntry[]; problems: ParseProblem[] } {
  const entries: GroupEntry[] = [];
  const problems: ParseProblem[] = [];
  for (const record of records(text, 4) as { fields: string[]; line: number }[]) {
    const [name, , gid, members] = record.fields;
    if (!name || !isId(gid)) {
      problems.push({ line: record.line, message: 'not a group entry (name:x:gid:members)' });
      continue;
    }
    const memberList = (members ?? '')
      .split(',')
      .map((member) => member.trim())
      .filter(Boolean);
    entries.push({ name, gid: Number(gid), members: memberList, line: record.line });
  }
  return { entries, problems };
}

/** Lookups over the target's own users and groups; ids on disk are mapped through these, never the auditor's. */
export class UserDatabase {
  private readonly usersByName = new Map<string, PasswdEntry>();
  private readonly usersByUid = new Map<number, PasswdEntry>();
  private readonly groupsByName = new Map<string, GroupEntry>();
  private readonly groupsByGid = new Map<number, GroupEntry>();

  constructor(
    readonly users: readonly PasswdEntry[],
    readonly groups: readonly GroupEntry[],
    readonly problems: readonly string[] = [],
  ) {
    // First entry wins, as getpwnam(3) returns the first match.
    for (const user of users) {
      if (!this.usersByName.has(user.name)) this.usersByName.set(user.name, user);
      if (!this.usersByUid.has(user.uid)) this.usersByUid.set(user.uid, user);
    }
    for (const group of groups) {
      if (!this.groupsByName.has(group.name)) this.groupsByName.set(group.name, group);
      if (!this.groupsByGid.has(group.gid)) this.groupsByGid.set(group.gid, group);
    }
  }

  user(nameOrUid: string | number): PasswdEntry | undefined {
    if (typeof nameOrUid === 'number') return this.usersByUid.get(nameOrUid);
    if (/^\d+$/.test(nameOrUid)) return this.usersByName.get(nameOrUid) ?? this.usersByUid.get(Number(nameOrUid));
    return this.usersByName.get(nameOrUid);
  }

  group(nameOrGid: string | number): GroupEntry | undefined {
    if (typeof nameOrGid === 'number') return this.groupsByGid.get(nameOrGid);
    if (/^\d+$/.test(nameOrGid)) return this.groupsByName.get(nameOrGid) ?? this.groupsByGid.get(Number(nameOrGid));
    return this.groupsByName.get(nameOrGid);
  }

  userName(uid: number): string {
    return this.usersByUid.get(uid)?.name ?? `uid ${uid}`;
  }

  groupName(gid: number): string {
    return this.groupsByGid.get(gid)?.name ?? `gid ${gid}`;
  }

  /** Primary and supplementary groups of a user. */
  groupsOf(userName: string): GroupEntry[] {
    const user = this.usersByName.get(userName);
    const result = new Map<number, GroupEntry>();
    if (user) {
      const primary = this.groupsByGid.get(user.gid);
      if (primary) result.set(primary.gid, primary);
    }
    for (const group of this.groups) {
      if (group.members.includes(userName)) result.set(group.gid, group);
    }
    return [...result.values()];
  }
}
