/**
 * The Docker path as written: a multi-stage image whose build stage keeps the devDependencies,
 * notify config and one data directory reaching every mapwatch container (the one-off CLI
 * container included), healthchecks on the long-running services, and a compose file that
 * `docker-compose config` accepts. tools/dockerfile-steps.sh runs the build steps themselves
 * (minutes, so in .ci/run rather than here).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startHeartbeat } from '../src/cli/heartbeat.js';
import { loadNotifyConfig } from '../src/notify/notify-config.js';
import { tmpDir } from './support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '..');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  profiles?: string[];
  entrypoint?: string[];
  depends_on?: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const APP_SERVICES = ['mapwatch', 'migrate', 'worker', 'scheduler', 'serve'];

/** Dockerfile instructions per stage, continuations joined. */
function stages(): { from: string; steps: string[] }[] {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const out: { from: string; steps: string[] }[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('FROM ')) out.push({ from: line, steps: [] });
    else out.at(-1)!.steps.push(line);
  }
  return out;
}

describe('Dockerfile', () => {
  it('installs devDependencies for the build and sets NODE_ENV=production only in the runtime stage', () => {
    const all = stages();
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const s of all) {
      const ci = s.steps.findIndex((x) => /^RUN .*npm ci\b/.test(x));
      if (ci < 0) continue;
      const prodBefore = s.steps.slice(0, ci).some((x) => /^ENV .*NODE_ENV=production/.test(x));
      expect({ stage: s.from, prodBeforeNpmCi: prodBefore }).toEqual({ stage: s.from, prodBeforeNpmCi: false });
      expect(s.steps.slice(ci).some((x) => /npm run build/.test(x))).toBe(true);
    }
    const runtime = all.at(-1)!;
    expect(runtime.steps.some((x) => /^ENV .*NODE_ENV=production/.test(x))).toBe(true);
    expect(runtime.steps.some((x) => /^COPY --from=\w+ \/app\/dist/.test(x))).toBe(true);
    expect(runtime.steps.some((x) => /^COPY templates/.test(x))).toBe(true);
    expect(runtime.steps.some((x) => /^COPY assets/.test(x))).toBe(true);
  });
});

describe('docker-compose.yml', () => {
  it('gives every mapwatch container the same data directory and the notify config', () => {
    const dataDirs = new Set<string>();
    for (const name of APP_SERVICES) {
      const s = compose.services[name]!;
      const env = s.environment ?? {};
      expect({ name, config: env['MAPWATCH_CONFIG'] }).toEqual({ name, config: '/config/mapwatch.config.yaml' });
      expect({ name, smtp: 'MAPWATCH_SMTP_URL' in env }).toEqual({ name, smtp: true });
      const dataDir = env['MAPWATCH_DATA_DIR'];
      expect({ name, dataDir: typeof dataDir }).toEqual({ name, dataDir: 'string' });
      const vol = (s.volumes ?? []).find((v) => v.split(':')[1] === dataDir);
      expect({ name, volume: vol }).toEqual({ name, volume: `mapwatch-data:${dataDir}` });
      expect(s.volumes).toContain('./config:/config:ro');
      dataDirs.add(dataDir!);
    }
    expect(dataDirs.size).toBe(1);
    expect(compose.volumes).toHaveProperty('mapwatch-data');
  });

  it('stores evidence in the MinIO bucket: the workers, the app and the CLI share it', () => {
    expect(compose.services['minio']!.healthcheck).toBeDefined();
    expect(compose.services['minio-init']!.entrypoint!.join(' ')).toContain(
      'mc mb --ignore-existing local/mapwatch-evidence',
    );
    for (const name of ['mapwatch', 'worker', 'serve']) {
      const s = compose.services[name]!;
      expect({ name, url: s.environment!['MAPWATCH_EVIDENCE_URL'] }).toEqual({
        name,
        url: '${MAPWATCH_EVIDENCE_URL:-s3://mapwatch-evidence/evidence}',
      });
      expect(s.environment!['MAPWATCH_S3_ENDPOINT']).toBe('${MAPWATCH_S3_ENDPOINT:-http://minio:9000}');
      expect(s.depends_on).toHaveProperty('minio-init', { condition: 'service_completed_successfully' });
    }
  });

  it('has healthchecks on the long-running services, tied to their heartbeat', () => {
    for (const name of ['worker', 'scheduler']) {
      const s = compose.services[name]!;
      const i = s.command!.indexOf('--heartbeat');
      expect(i).toBeGreaterThan(0);
      expect(s.healthcheck!.test.join(' ')).toContain(s.command![i + 1]);
    }
    expect(compose.services['serve']!.healthcheck!.test.join(' ')).toContain('/healthz');
    for (const name of ['postgres', 'redis']) expect(compose.services[name]!.healthcheck).toBeDefined();
  });

  // Skipped only where Debian's docker-compose is not installed (.ci/run installs it, so CI
  // never skips); the other tests here read the same file without it.
  const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasCompose)('passes `docker-compose config`', () => {
    const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('ships an example notify config that loads', () => {
    const cfg = loadNotifyConfig(path.join(ROOT, 'examples/mapwatch.config.yaml'));
    expect(cfg.ops).toEqual(['ops@brand.example']);
    expect(cfg.recipients).toHaveLength(1);
  });
});

describe('heartbeat', () => {
  it('refreshes the file while the probe answers, and not after', async () => {
    const file = path.join(tmpDir(), 'alive');
    let up = true;
    const stop = startHeartbeat(file, async () => {
      if (!up) throw new Error('database unreachable');
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(file)).toBe(true);
    stop();
    fs.rmSync(file);
    up = false;
    const stop2 = startHeartbeat(file, async () => {
      if (!up) throw new Error('database unreachable');
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(file)).toBe(false);
    stop2();
  });
});
