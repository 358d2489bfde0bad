import type { SshdConfig, SshdConfigFile, SshdDirective, SshdNode } from '../../parsers/sshd-config.js';
import { isSingleKeyword } from '../../parsers/sshd-config-settings.js';

export interface ConditionalSetting {
  directive: SshdDirective;
  /**
   * The Match block by its criteria's names and its place, e.g. `Match Address at /etc/ssh/sshd_config:12`: never
   * its patterns, which are the target's text (a Match line may hold anything an included file holds).
   */
  match: string;
}

const CRITERION_NAMES: Record<string, string> = {
  user: 'User',
  group: 'Group',
  host: 'Host',
  address: 'Address',
  localaddress: 'LocalAddress',
  localport: 'LocalPort',
  rdomain: 'RDomain',
};

function describeMatch(node: Extract<SshdNode, { kind: 'match' }>): string {
  const criteria =
    node.condition === undefined
      ? 'with a bad condition'
      : node.condition.all
        ? 'All'
        : [...new Set(node.condition.criteria.map((criterion) => CRITERION_NAMES[criterion.attribute]))].join(', ');
  return `Match ${criteria} at ${node.file}:${node.line}`;
}

/**
 * The value of a Match-scoped directive that may be shown: a single-valued keyword's first argument, which the
 * parser has checked against the values sshd accepts (yes, no, prohibit-password, method lists). Free values
 * (AuthorizedKeysFile's paths) are not.
 */
export function shownValue(directive: SshdDirective): string | undefined {
  return isSingleKeyword(directive.keyword) ? directive.args[0] : undefined;
}

/**
 * Directives of a keyword that sit inside Match blocks: the probe connection sees the global value, but the
 * users or addresses a Match singles out may get a weaker one (e.g. passwords allowed from a VPN range).
 */
export function conditionalSettings(config: SshdConfig | undefined, keyword: string): ConditionalSetting[] {
  const found: ConditionalSetting[] = [];
  const walk = (file: SshdConfigFile, inherited: string | undefined) => {
    let current = inherited;
    for (const node of file.nodes) {
      if (node.kind === 'match') current = node.condition?.all ? undefined : describeMatch(node);
      else if (node.kind === 'include') {
        for (const target of node.targets) for (const included of target.files) walk(included, current);
      } else if (current !== undefined && node.directive.keyword === keyword) {
        found.push({ directive: node.directive, match: current });
      }
    }
  };
  if (config?.main) walk(config.main, undefined);
  return found;
}
