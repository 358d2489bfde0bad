// The git side of the secret scanner: whole histories (every ref and stash) and the staged index (pre-commit).
export { type GitScanOptions, scanGitHistory } from './history.js';
export { GitError } from './run-git.js';
export { scanGitStaged } from './staged.js';
