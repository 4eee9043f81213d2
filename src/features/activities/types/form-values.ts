/** A number typed into a form: empty stays undefined (so the schema says it is required). */
export function formNumber(v: unknown): unknown {
  if (typeof v !== "string") return v;
  return v.trim() === "" ? undefined : Number(v.trim());
}
