import type { Check } from '../../engine/define-check.js';
import coldBackup from './cold-backup.js';
import offlineKeyGeneration from './offline-key-generation.js';
import socialEngineering from './social-engineering.js';
import sourceBuilds from './source-builds.js';
import verifyReleases from './verify-releases.js';

/** The practice family, in catalogue order. */
export const practiceChecks: Check[] = [
  offlineKeyGeneration,
  socialEngineering,
  coldBackup,
  verifyReleases,
  sourceBuilds,
];
