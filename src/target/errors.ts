export type TargetErrorCode = 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'ELOOP' | 'EACCES' | 'ETOOBIG' | 'ENAMETOOLONG' | 'EIO';

const EXPLANATIONS: Record<TargetErrorCode, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links (a symlink loop?)',
  EACCES: 'permission denied',
  ETOOBIG: 'file is larger than the read limit',
  ENAMETOOLONG: 'path is too deep',
  EIO: 'read error',
};

/** A failure to see something in the target: carries the in-target path and a plain reason. */
export class TargetError extends Error {
  /** Why, without the path: for a message that must not name it (a path written in a target file is its text). */
  readonly reason: string;

  constructor(
    readonly code: TargetErrorCode,
    readonly path: string,
    detail?: string,
  ) {
    const reason = `${EXPLANATIONS[code]}${detail ? ` (${detail})` : ''}`;
    super(`${path}: ${reason}`);
    this.reason = reason;
    this.name = 'TargetError';
  }
}

/** The target can't answer this (e.g. running processes of an offline image). Becomes `not_evaluable`. */
export class NotEvaluableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEvaluableError';
  }
}

/**
 * A program that must run as nobody (the binary under audit) was not run: dropping to nobody needs root, and running
 * it as the invoking user would hand a backdoored binary the operator's account.
 */
export class UnprivilegedRunRefusedError extends Error {
  constructor(readonly command: string) {
    super(`${command} not run: the audit is not root, so the binary can't be run as nobody`);
    this.name = 'UnprivilegedRunRefusedError';
  }
}

export function fromNodeError(error: unknown, path: string): TargetError {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ELOOP':
    case 'EACCES':
    case 'ENAMETOOLONG':
      return new TargetError(code, path);
    case 'EPERM':
      return new TargetError('EACCES', path);
    default:
      return new TargetError('EIO', path, code ?? String(error));
  }
}
