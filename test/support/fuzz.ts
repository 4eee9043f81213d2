// Shared fast-check arbitraries for the property ("fuzz") tests of the LTI 1.1 code: text that a stranger
// may send (lone surrogates, NUL, control and non-BMP characters, XML and form delimiters), and the check
// that a parser either returns or throws an LtiError with a known code.
import assert from "node:assert/strict";
import fc from "fast-check";
import { isLtiError, LTI_ERROR_CODES } from "../../src/lti/errors.js";

/** Seeded so a failure is reproducible: FUZZ_SEED=<n> replays a run; the seed is in fast-check's report. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261202);

/** fast-check parameters for these suites: a fixed seed and a run count sized for CI. */
export function fuzzParams(numRuns = 300): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns };
}

const SPECIAL = ["\u0000", "\t", "\n", "\r", " ", "&", "=", "+", "%", "<", ">", '"', "'", ",", ";", "\uFEFF"];

/** One UTF-16 code unit of any value (lone surrogates included), or a character that delimits something. */
export const hostileChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);

/** Text a stranger may send. */
export const hostileText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({ unit: hostileChar, maxLength });

/** Well-formed Unicode text (no lone surrogates), as a real peer sends. */
export const unicodeText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })),
    maxLength,
  });

/** Runs `f`: a result is fine, an LtiError with a known code is fine, anything else fails the property. */
export function returnsOrLtiError<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    assert.ok(isLtiError(e), `expected an LtiError, got ${String(e)} ${(e as Error)?.stack ?? ""}`);
    assert.ok((LTI_ERROR_CODES as readonly string[]).includes(e.code), `unknown code ${e.code}`);
    return undefined;
  }
}

/** The async form of returnsOrLtiError; resolves with the error's code when it was refused. */
export async function settlesOrLtiError<T>(
  f: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    assert.ok(isLtiError(e), `expected an LtiError, got ${String(e)} ${(e as Error)?.stack ?? ""}`);
    assert.ok((LTI_ERROR_CODES as readonly string[]).includes(e.code), `unknown code ${e.code}`);
    return { ok: false, code: e.code };
  }
}

/** Mutations of a text: a character inserted, deleted or replaced, a slice cut off or duplicated. */
export function mutatedText(source: string): fc.Arbitrary<string> {
  const at = fc.integer({ min: 0, max: source.length });
  return fc.oneof(
    fc.tuple(at, hostileChar).map(([i, c]) => source.slice(0, i) + c + source.slice(i)),
    fc.tuple(at, fc.integer({ min: 1, max: 8 })).map(([i, n]) => source.slice(0, i) + source.slice(i + n)),
    fc.tuple(at, hostileText(6)).map(([i, s]) => source.slice(0, i) + s + source.slice(i + s.length)),
    at.map((i) => source.slice(0, i)),
    fc.tuple(at, at).map(([i, j]) => source.slice(0, Math.max(i, j)) + source.slice(Math.min(i, j))),
  );
}
