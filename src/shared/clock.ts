// Time comes from an injected clock so tests can move it.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function iso(d: Date): string {
  return d.toISOString();
}

export function addSeconds(d: Date, s: number): Date {
  return new Date(d.getTime() + s * 1000);
}

/** A clock a test can set and advance. */
export class FakeClock implements Clock {
  constructor(private t = new Date("2026-01-01T00:00:00Z")) {}
  now(): Date {
    return new Date(this.t);
  }
  set(d: Date): void {
    this.t = new Date(d);
  }
  advance(seconds: number): void {
    this.t = addSeconds(this.t, seconds);
  }
}
