import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Docker cannot run here, so the image's security properties are checked on
 * the Dockerfile itself: the runtime stage runs as a non-root user, keeps its
 * only writable state on a volume (so `--read-only` works), checks /healthz,
 * owns none of its own code, and bakes in no secret and no local config.
 */

interface Instruction {
  keyword: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[][] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const SECRET_VARIABLES = ['IIMMPACT_API_KEY', 'IIMMPACT_HMAC_SECRET', 'SLACK_WEBHOOK_URL', 'SMTP_URL', 'NETWATCH_HTTP_TOKEN'];
const text = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
const stages = parseDockerfile(text);
const runtime = stages.at(-1) ?? [];
const all = (keyword: string, stage = runtime) => stage.filter((i) => i.keyword === keyword);

describe('the Dockerfile', () => {
  it('is multi-stage, and the runtime stage ends as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const users = all('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)?.args).not.toMatch(/^(root|0)(:|$)/);
    // Nothing after USER switches back to root.
    const lastUser = runtime.lastIndexOf(users.at(-1) as Instruction);
    expect(runtime.slice(lastUser + 1).some((i) => i.keyword === 'USER')).toBe(false);
  });

  it('keeps the database on a volume, so the root filesystem can be read-only', () => {
    const volumes = all('VOLUME')
      .map((i) => i.args)
      .join(' ');
    expect(volumes).toContain('/data');
    const env = all('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/NETWATCH_DATABASE=\/data\//);
    // The app's files belong to root, so the runtime user cannot rewrite its own code.
    for (const copy of all('COPY')) expect(copy.args).toMatch(/--chown=root:root/);
  });

  it('checks /healthz', () => {
    const healthchecks = all('HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    expect(healthchecks[0]?.args).toMatch(/\/healthz/);
    expect(healthchecks[0]?.args).toMatch(/--interval=\d+s/);
  });

  it('bakes in no secret and no local configuration', () => {
    for (const stage of stages) {
      for (const instruction of stage) {
        if (['ENV', 'ARG', 'LABEL'].includes(instruction.keyword)) {
          for (const name of SECRET_VARIABLES) expect(instruction.args).not.toContain(name);
          expect(instruction.args).not.toMatch(/(password|secret|token|webhook)\s*=/i);
        }
        if (['COPY', 'ADD'].includes(instruction.keyword) && !instruction.args.includes('--from=')) {
          // Only named sources: never the whole context, a .env file or a local config/netwatch.yaml.
          const sources = instruction.args
            .split(/\s+/)
            .filter((arg) => !arg.startsWith('--'))
            .slice(0, -1);
          for (const source of sources) {
            expect(source).not.toMatch(/^(\.|\.\/|\*)$/);
            expect(source).not.toMatch(/\.env|config\/netwatch\.yaml$|^config\/?$/);
          }
        }
      }
    }
    expect(text).not.toMatch(/hooks\.slack\.com\/services\/|iimm_prod_|smtps?:\/\/[^\s:@]+:[^\s@]+@/);
  });

  it('stops on SIGTERM and runs the compiled CLI, not tsx', () => {
    expect(all('STOPSIGNAL')[0]?.args).toBe('SIGTERM');
    expect(all('ENTRYPOINT')[0]?.args).toContain('dist/src/cli/main.js');
    expect(text).not.toContain('tsx');
  });
});
