/** The worker's lock settings come from the environment, with defaults, and a bad value names its variable. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { loadLockSettings } from '../src/queue/worker-settings.js';

describe('worker lock settings', () => {
  it('defaults to a 60 s lock checked every 30 s, recovered at most twice', () => {
    expect(loadLockSettings({})).toEqual({ lockDurationMs: 60_000, stalledIntervalMs: 30_000, maxStalledCount: 2 });
    expect(loadLockSettings({ MAPWATCH_JOB_LOCK_MS: '', MAPWATCH_STALLED_INTERVAL_MS: '' })).toEqual({
      lockDurationMs: 60_000,
      stalledIntervalMs: 30_000,
      maxStalledCount: 2,
    });
  });

  it('takes values from the environment', () => {
    expect(
      loadLockSettings({
        MAPWATCH_JOB_LOCK_MS: '3000',
        MAPWATCH_STALLED_INTERVAL_MS: '1000',
        MAPWATCH_MAX_STALLED: '5',
      }),
    ).toEqual({ lockDurationMs: 3000, stalledIntervalMs: 1000, maxStalledCount: 5 });
  });

  it.each([
    [{ MAPWATCH_JOB_LOCK_MS: 'soon' }, /MAPWATCH_JOB_LOCK_MS/],
    [{ MAPWATCH_JOB_LOCK_MS: '10' }, /MAPWATCH_JOB_LOCK_MS/],
    [
      { MAPWATCH_JOB_LOCK_MS: '2000', MAPWATCH_STALLED_INTERVAL_MS: '5000' },
      /MAPWATCH_STALLED_INTERVAL_MS: must not be longer than MAPWATCH_JOB_LOCK_MS/,
    ],
    [{ MAPWATCH_MAX_STALLED: '0' }, /MAPWATCH_MAX_STALLED/],
  ])('refuses %o with a user error naming the variable', (env, message) => {
    expect(() => loadLockSettings(env)).toThrow(UserError);
    expect(() => loadLockSettings(env)).toThrow(message);
  });
});
