import type { Check } from '../../engine/define-check.js';
import imagePinned from './image-pinned.js';
import notWritableByService from './not-writable-by-service.js';
import releasePinned from './release-pinned.js';
import runningMatchesDisk from './running-matches-disk.js';
import supportedVersion from './supported-version.js';

/** The binary family, in catalogue order. */
export const binaryChecks: Check[] = [
  notWritableByService,
  runningMatchesDisk,
  releasePinned,
  supportedVersion,
  imagePinned,
];
