import { describe, expect, it } from 'vitest';
import { isValidTimeZone, zonedWallTimeToInstant } from '../src/compare/zoned-time.js';

describe('zonedWallTimeToInstant', () => {
  it.each([
    // local, zone, expected instant, why
    ['2026-11-27T00:00', 'America/New_York', '2026-11-27T05:00:00.000Z', 'EST, UTC-5'],
    ['2026-07-04T00:00', 'America/New_York', '2026-07-04T04:00:00.000Z', 'EDT, UTC-4'],
    ['2026-07-01T12:00:30', 'Europe/Berlin', '2026-07-01T10:00:30.000Z', 'CEST with seconds'],
    ['2026-01-15T00:00', 'Europe/Berlin', '2026-01-14T23:00:00.000Z', 'CET, previous UTC day'],
    ['2028-02-29T00:00', 'UTC', '2028-02-29T00:00:00.000Z', 'leap day'],
    ['2026-11-27T00:00', 'Asia/Tokyo', '2026-11-26T15:00:00.000Z', 'no DST zone'],
    ['2026-06-01T00:00', 'Asia/Kolkata', '2026-05-31T18:30:00.000Z', 'half-hour offset'],
    // spring forward: 02:00-03:00 does not exist -> shifted forward by the gap
    ['2026-03-08T02:30', 'America/New_York', '2026-03-08T07:30:00.000Z', 'NY gap -> 03:30 EDT'],
    ['2026-03-08T03:00', 'America/New_York', '2026-03-08T07:00:00.000Z', 'NY first valid time after gap'],
    ['2026-03-08T01:59', 'America/New_York', '2026-03-08T06:59:00.000Z', 'NY last minute before gap'],
    ['2026-03-29T02:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z', 'Berlin gap -> 03:30 CEST'],
    // fall back: 01:00-02:00 (NY) / 02:00-03:00 (Berlin) occur twice -> earlier instant
    ['2026-11-01T01:30', 'America/New_York', '2026-11-01T05:30:00.000Z', 'NY overlap -> first 01:30 (EDT)'],
    ['2026-11-01T02:00', 'America/New_York', '2026-11-01T07:00:00.000Z', 'NY after overlap'],
    ['2026-10-25T02:30', 'Europe/Berlin', '2026-10-25T00:30:00.000Z', 'Berlin overlap -> first 02:30 (CEST)'],
    ['2026-10-25T03:00', 'Europe/Berlin', '2026-10-25T02:00:00.000Z', 'Berlin after overlap'],
    ['2026-10-04T02:15', 'Australia/Lord_Howe', '2026-10-03T15:45:00.000Z', '30-minute DST gap'],
  ])('%s %s -> %s (%s)', (local, zone, iso) => {
    expect(zonedWallTimeToInstant(local, zone).toISOString()).toBe(iso);
  });

  it.each([
    ['2026-02-29T00:00', 'UTC'],
    ['2026-13-01T00:00', 'UTC'],
    ['2026-04-31T00:00', 'UTC'],
    ['2026-01-01T24:00', 'UTC'],
    ['2026-01-01T10:60', 'UTC'],
    ['2026-01-01', 'UTC'],
    ['2026-01-01T00:00Z', 'UTC'],
    ['2026-01-01T00:00', 'Mars/Olympus_Mons'],
  ])('rejects %s in %s', (local, zone) => {
    expect(() => zonedWallTimeToInstant(local, zone)).toThrow(RangeError);
  });

  it('isValidTimeZone', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Nowhere/Land')).toBe(false);
  });
});
