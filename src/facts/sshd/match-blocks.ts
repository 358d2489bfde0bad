import type { SshdConfig, SshdConfigFile, SshdDirective } from '../../parsers/sshd-config.js';

export interface ConditionalSetting {
  directive: SshdDirective;
  /** The Match criteria as written, e.g. `Address 10.0.0.0/8`. */
  match: string;
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
      if (node.kind === 'match') current = /^all$/i.test(node.text.trim()) ? undefined : node.text.trim();
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
