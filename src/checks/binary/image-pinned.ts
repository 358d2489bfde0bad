// https://docs.stacks.co/operate/run-a-signer — the docs pin the signer image by digest (`...:4.0.1@sha256:...`).

import { defineCheck } from '../../engine/define-check.js';
import {
  appliesToStacksContainers,
  containerEvidence,
  containerLabel,
} from '../../facts/containers/stacks-containers.js';
import { facts } from '../../facts/index.js';

/** The publishers of the official images (stacks-facts.md §5): GitHub's registry, and Docker Hub's `blockstack/`. */
const OFFICIAL_REPOSITORY =
  /^(ghcr\.io\/stacks-network\/|((docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?blockstack\/)/;
const DIGEST = /@sha256:([0-9a-f]{64})$/;

type Verdict =
  | { status: 'pinned'; digest: string }
  | { status: 'unofficial' }
  | { status: 'badDigest' }
  | { status: 'latest' | 'tagOnly'; tag: string };

export function judgeImage(image: string): Verdict {
  const reference = image.trim();
  if (!OFFICIAL_REPOSITORY.test(reference)) return { status: 'unofficial' };
  const digest = DIGEST.exec(reference);
  if (digest) return { status: 'pinned', digest: digest[1]! };
  if (reference.includes('@')) return { status: 'badDigest' };
  // The tag follows the last ":" after the last "/" (a registry host may carry a port).
  const name = reference.slice(reference.lastIndexOf('/') + 1);
  const tag = name.includes(':') ? name.slice(name.indexOf(':') + 1) : 'latest';
  return { status: tag === 'latest' ? 'latest' : 'tagOnly', tag };
}

export default defineCheck({
  id: 'binary/image-pinned',
  title: 'Signer and node images are pinned by digest from the official publishers',
  threats: ['supply-chain'],
  severity: 'medium',
  description: [
    'A tag is a movable name: whoever can push to the repository (or a compromised registry account, or a mirror in between)',
    'can point `stacks-signer:4.0.2` at other bytes, and the next `docker compose pull` or restart runs them with the key',
    'mounted. A digest (`@sha256:<64 hex>`) names the exact image, and the Stacks docs pin by digest. The image must also come',
    'from the official publishers: `ghcr.io/stacks-network/` (from 3.3.0.0.6) or Docker Hub `blockstack/` (also written',
    '`docker.io/blockstack/`, `index.docker.io/blockstack/`); any other registry or namespace is a third-party rebuild.',
    '',
    'Every signer and node container found (compose `image:`, the engine state, `--docker-inspect`, the live engine) is',
    'judged and named: pinned by digest from an official repository passes (`name:tag@sha256:...` is fine, the digest wins);',
    'a tag only, `latest` or no tag, a malformed digest, or another registry fails. For a container the engine records, the',
    'reference is `Config.Image` as it was given when the container was created.',
  ].join('\n'),
  remediation:
    'Look up the digest of the verified release (`docker buildx imagetools inspect ghcr.io/stacks-network/stacks-signer:<version>`, or the digest in the release notes) and reference it: `image: ghcr.io/stacks-network/stacks-signer:<version>@sha256:<digest>`; do the same for stacks-core. Update the digest deliberately with each verified upgrade.',
  references: [
    'https://docs.stacks.co/operate/run-a-signer',
    'https://docs.docker.com/reference/compose-file/services/#image',
    'https://github.com/stacks-network/stacks-core/pkgs/container/stacks-signer',
  ],
  messages: {
    pinned: 'The {{container}} image {{image}} is pinned by digest (sha256:{{short}}…).',
    tagOnly:
      'The {{container}} image {{image}} is referenced by tag "{{tag}}" only: the tag can be moved to other bytes.',
    latest: 'The {{container}} image {{image}} follows "latest": each pull may run a different binary.',
    badDigest: 'The {{container}} image {{image}} has a digest that is not sha256 with 64 lowercase hex digits.',
    unofficial:
      'The {{container}} image {{image}} is not from ghcr.io/stacks-network/ or blockstack/: a third-party build.',
    noImage: 'The {{container}} names no image.',
  },
  applies: appliesToStacksContainers,
  async run(ctx, report) {
    for (const container of await facts(ctx).stacksContainers()) {
      const label = containerLabel(container);
      const image = container.image ?? '';
      const evidence = await containerEvidence(ctx, container, 'image', `image: ${image}`);
      if (!image) {
        report.fail('noImage', { container: label }, evidence);
        continue;
      }
      const verdict = judgeImage(image);
      const data = { container: label, image };
      if (verdict.status === 'pinned') report.pass('pinned', { ...data, short: verdict.digest.slice(0, 12) }, evidence);
      else if (verdict.status === 'latest' || verdict.status === 'tagOnly')
        report.fail(verdict.status, { ...data, tag: verdict.tag }, evidence);
      else report.fail(verdict.status, data, evidence);
    }
  },
});
