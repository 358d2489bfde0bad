import type { Check } from '../../engine/define-check.js';
import nonStandardPort from './non-standard-port.js';
import passwordAuthentication from './password-authentication.js';
import rootLogin from './root-login.js';

/** The ssh family, in catalogue order. */
export const sshChecks: Check[] = [passwordAuthentication, rootLogin, nonStandardPort];
