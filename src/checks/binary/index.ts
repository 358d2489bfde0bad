import type { Check } from '../../engine/define-check.js';
import imagePinned from './image-pinned.js';

/** The binary family, in catalogue order. */
export const binaryChecks: Check[] = [imagePinned];
