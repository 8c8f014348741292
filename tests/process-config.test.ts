/**
 * The process configuration: one field table (src/config/process-config.ts) is the whole
 * truth about environment variables. The README's table is generated from it, and every
 * MAPWATCH_* name the code mentions is in it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FIELDS, configTableMarkdown, loadProcessConfig } from '../src/config/process-config.js';
import { loadPolicy } from '../src/config/policy.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('process configuration', () => {
  it("the README's environment table is the field table, row for row", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const m = /<!-- env-table:start -->\n([\s\S]*?)\n<!-- env-table:end -->/.exec(readme);
    expect(m, 'README.md has an env-table section').not.toBeNull();
    // Regenerate with: node --import tsx -e "import('./src/config/process-config.ts').then(m => console.log(m.configTableMarkdown()))"
    expect(m![1]).toBe(configTableMarkdown());
  });

  it('every MAPWATCH_* variable the code names is in the field table', () => {
    const named = new Set<string>();
    for (const f of filesUnder(path.join(ROOT, 'src'))) {
      for (const [name] of fs.readFileSync(f, 'utf8').matchAll(/\bMAPWATCH_[A-Z_]+[A-Z]\b/g)) named.add(name);
    }
    named.delete('MAPWATCH_VERSION'); // a constant in fetch/user-agent.ts, not a variable
    const missing = [...named].filter((n) => !(n in CONFIG_FIELDS));
    expect(missing).toEqual([]);
  });

  it('only the field table reads process.env for mapwatch settings', () => {
    const readers = filesUnder(path.join(ROOT, 'src'))
      .filter((f) => /process\.env\.(MAPWATCH_|DATABASE_URL|REDIS_URL)/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(readers).toEqual([]);
  });

  it('gives the documented defaults, treats empty as unset, and names a bad variable', () => {
    const c = loadProcessConfig({ MAPWATCH_RESOLVE_AFTER: '', REDIS_URL: '' });
    expect(c.MAPWATCH_RESOLVE_AFTER).toBe(2);
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.MAPWATCH_ALLOW_PRIVATE).toEqual([]);
    expect(loadPolicy({}).severityOrder).toEqual(['low', 'medium', 'high']);
    expect(() => loadProcessConfig({ MAPWATCH_HEALTH_MIN_SUCCESS: '2' })).toThrow(
      /environment variable MAPWATCH_HEALTH_MIN_SUCCESS: /,
    );
    expect(() => loadProcessConfig({ MAPWATCH_SEVERITY_BANDS: 'low' })).toThrow(
      /MAPWATCH_SEVERITY_BANDS: must look like low:0,medium:5,high:15/,
    );
  });
});
