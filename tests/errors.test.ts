/** The error family: stable codes, each with its CLI exit status, HTTP status and retry rule. */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConflictError,
  ERROR_CODES,
  errorCodeOf,
  ForbiddenError,
  InputError,
  isUnrecoverable,
  NotFoundError,
  UnavailableError,
  UserError,
} from '../src/errors.js';
import type { JobDefinition } from '../src/queue/job-registry.js';
import { runJob } from '../src/queue/run-job.js';
import type { AppContext } from '../src/context.js';

describe('error family', () => {
  it('maps every code to one exit status and one HTTP status', () => {
    const cases: [Error, string, number, number][] = [
      [new UserError('bad field'), 'invalid_input', 1, 400],
      [new InputError([{ file: 'a.csv', line: 2, message: 'bad' }]), 'invalid_input', 1, 400],
      [new NotFoundError('case #9 does not exist'), 'not_found', 3, 404],
      [new ConflictError('case #9 is already dismissed'), 'conflict', 4, 409],
      [new ForbiddenError('only compliance may approve'), 'forbidden', 5, 403],
      [new UnavailableError('database down'), 'unavailable', 69, 503],
      [new Error('a bug'), 'internal', 70, 500],
    ];
    for (const [err, code, exit, http] of cases) {
      expect(errorCodeOf(err)).toBe(code);
      expect(ERROR_CODES[errorCodeOf(err)]).toMatchObject({ exit, http });
    }
    const exits = Object.values(ERROR_CODES).map((c) => c.exit);
    expect(new Set(exits).size).toBe(exits.length);
  });

  it('only an unavailable service is worth retrying', () => {
    expect(isUnrecoverable(new NotFoundError('x'))).toBe(true);
    expect(isUnrecoverable(new UnavailableError('x'))).toBe(false);
    expect(isUnrecoverable(new Error('x'))).toBe(false); // unknown: BullMQ retries with backoff
  });

  it('a job whose handler throws a non-retryable error fails at once, with the original as cause', async () => {
    const gone = new NotFoundError('product SKU-1 (id 7) no longer exists');
    const def: JobDefinition = {
      id: 'test-job',
      queue: 'crawl',
      payload: z.object({}),
      options: {},
      handler: async () => {
        throw gone;
      },
    };
    const job = { name: 'test-job', id: '1', data: {} } as never;
    const err = await runJob(new Map([[def.id, def]]), {} as AppContext, job).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).cause).toBe(gone);
    const transient = new UnavailableError('SMTP down');
    def.handler = async () => {
      throw transient;
    };
    await expect(runJob(new Map([[def.id, def]]), {} as AppContext, job)).rejects.toBe(transient);
  });
});
