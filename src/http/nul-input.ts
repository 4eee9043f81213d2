// No text a request carries may hold a NUL character (U+0000): not a form field, a JSON string, a query
// parameter, a path parameter nor an LTI launch parameter (a form field too). PostgreSQL cannot store
// NUL in text and answered such a request with a 500, SQLite stored it; no person types one. So it is
// refused here, once, before any route reads the request: a 400 naming the field, nothing written, the
// same on both engines. (XML bodies are read by src/lti/v1p1/xml.ts, which refuses NUL as invalid XML.)
import type { FastifyRequest } from "fastify";
import { ValidationError } from "../shared/errors.js";

/** The path of the first string (value or key) holding a NUL, or undefined. */
export function findNul(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (value === null || typeof value !== "object" || Buffer.isBuffer(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, key];
    if (key.includes("\u0000")) return at;
    const found = findNul(item, at);
    if (found) return found;
  }
  return undefined;
}

/** A preValidation hook: refuses a request with a NUL in its query, path parameters or parsed body. */
export async function refuseNulInput(request: FastifyRequest): Promise<void> {
  for (const part of [request.params, request.query, request.body]) {
    const found = findNul(part);
    if (!found) continue;
    const field = found.join(".").replaceAll("\u0000", "\\0") || "_";
    throw new ValidationError(`The field "${field}" contains a NUL character, which is not allowed.`, [
      { field, message: "must not contain a NUL character" },
    ]);
  }
}
