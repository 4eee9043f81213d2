// A value to copy: selectable in a read-only input; with JS, a Copy button too (public/pluto.js).
export function CopyField({
  id,
  label,
  hint,
  value,
  secret,
  rows,
}: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  /** Shown in the secret style (a shared secret). */
  secret?: boolean;
  /** A value of several lines (one item a line): a read-only text area of this many rows. */
  rows?: number;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint ? <p class="help">{hint}</p> : null}
      <div class="copy-field">
        {rows ? (
          <textarea id={id} readOnly rows={rows} value={value} />
        ) : (
          <input id={id} type="text" readOnly value={value} class={secret ? "secret" : undefined} />
        )}
        <button type="button" class="secondary" data-copy={`#${id}`} hidden>
          Copy
        </button>
      </div>
    </div>
  );
}
