import type { Check } from '../engine/define-check.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';

function splitSelectors(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

/** `--only` / `--skip` by id (`ssh/root-login`) or family (`ssh`); an unknown selector is a usage error. */
export function selectChecks(catalogue: readonly Check[], only: readonly string[], skip: readonly string[]): Check[] {
  const matches = (check: Check, selector: string) => check.id === selector || check.family === selector;
  const validate = (selectors: string[], flag: string) => {
    for (const selector of selectors) {
      if (!catalogue.some((check) => matches(check, selector))) {
        const names = [...new Set(catalogue.flatMap((check) => [check.id, check.family]))];
        throw new UsageError(
          `${flag} ${selector}: no control or family has that name${didYouMean(selector, names)} (see "signer-opsec checks")`,
        );
      }
    }
  };
  const onlySelectors = splitSelectors(only);
  const skipSelectors = splitSelectors(skip);
  validate(onlySelectors, '--only');
  validate(skipSelectors, '--skip');
  return catalogue.filter(
    (check) =>
      (onlySelectors.length === 0 || onlySelectors.some((selector) => matches(check, selector))) &&
      !skipSelectors.some((selector) => matches(check, selector)),
  );
}
