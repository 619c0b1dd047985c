import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * GitLab's security templates come with the GitLab instance; gitlab-ci-local would download them
 * from gitlab.com, which tests cannot reach. These stand-ins, in gitlab-ci-local's include cache,
 * have what the pipeline relies on: the job names, stages, the rules that turn the scanners off
 * (`*_DISABLED`) and run them on branches, an analyzer image by tag, and no `needs`.
 */
export const GITLAB_TEMPLATE_STANDINS: Record<string, string> = {
  'Jobs/SAST.gitlab-ci.yml': `sast:
  stage: test
  script: [exit 1]
  rules: [{ when: never }]
semgrep-sast:
  extends: sast
  image: { name: "registry.gitlab.com/security-products/semgrep:6" }
  allow_failure: true
  script: [/analyzer run]
  rules:
    - if: $SAST_DISABLED == 'true' || $SAST_DISABLED == '1'
      when: never
    - if: $CI_COMMIT_BRANCH
`,
  'Jobs/Dependency-Scanning.v2.gitlab-ci.yml': `dependency-scanning:
  image: "registry.gitlab.com/security-products/dependency-scanning:1"
  stage: test
  allow_failure: true
  script: [/analyzer run]
  rules:
    - if: $CI_COMMIT_BRANCH
`,
  'Jobs/Container-Scanning.gitlab-ci.yml': `container_scanning:
  image: "registry.gitlab.com/security-products/container-scanning:8"
  stage: test
  variables: { GIT_STRATEGY: none }
  allow_failure: true
  dependencies: []
  script: [gtcs scan]
  rules:
    - if: $CONTAINER_SCANNING_DISABLED == 'true' || $CONTAINER_SCANNING_DISABLED == '1'
      when: never
    - if: $CI_COMMIT_BRANCH
`,
};

/** Puts the stand-ins of GitLab's templates where gitlab-ci-local looks before downloading. */
export function writeGitlabTemplateStandins(dir: string): void {
  mkdirSync(join(dir, '.gitlab-ci-local'), { recursive: true });
  const cache = join(dir, '.gitlab-ci-local', 'includes', 'gitlab.com', 'gitlab-org', 'gitlab', '-', 'raw', 'HEAD', 'lib', 'gitlab', 'ci', 'templates');
  // gitlab-ci-local's state is no part of the repository (prettier and git would see it otherwise).
  writeFileSync(join(dir, '.gitlab-ci-local', '.gitignore'), '*\n');
  for (const [name, content] of Object.entries(GITLAB_TEMPLATE_STANDINS)) {
    mkdirSync(join(cache, name, '..'), { recursive: true });
    writeFileSync(join(cache, name), content);
  }
}
