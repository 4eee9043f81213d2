// Accessible form controls: every input has a label, errors are tied with aria-describedby.
import type { ComponentChildren } from "preact";
import type { FieldError } from "../shared/errors.js";

export type Errors = readonly FieldError[] | undefined;

function errorFor(errors: Errors, name: string): string | undefined {
  return errors?.find((e) => e.field === name)?.message;
}

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function FormErrors({ errors }: { errors: Errors }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div class="form-errors" role="alert">
      <p>Please correct the following:</p>
      <ul>
        {errors.map((e) => (
          <li key={e.field}>{e.message}</li>
        ))}
      </ul>
    </div>
  );
}

interface BaseProps {
  name: string;
  label: string;
  errors?: Errors;
  help?: ComponentChildren;
  required?: boolean;
  id?: string;
}

function Wrap({
  id,
  label,
  error,
  help,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  help?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class={error ? "field has-error" : "field"}>
      <label for={id}>{label}</label>
      {children}
      {help ? (
        <p class="help" id={`${id}-help`}>
          {help}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

function describedBy(id: string, error?: string, help?: ComponentChildren): string | undefined {
  const ids = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

export function TextField(
  props: BaseProps & {
    value?: string | number | null;
    type?: "text" | "email" | "password" | "number" | "url" | "date" | "datetime-local";
    maxLength?: number;
    autocomplete?: string;
    min?: number;
    max?: number;
    step?: string;
  },
) {
  const id = props.id ?? `f-${props.name}`;
  const error = errorFor(props.errors, props.name);
  return (
    <Wrap id={id} label={props.label} error={error} help={props.help}>
      <input
        {...({ type: props.type ?? "text" } as Record<string, string>)}
        id={id}
        name={props.name}
        value={props.value ?? ""}
        required={props.required}
        maxLength={props.maxLength}
        autocomplete={props.autocomplete}
        min={props.min}
        max={props.max}
        step={props.step}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, error, props.help)}
      />
    </Wrap>
  );
}

export function TextArea(props: BaseProps & { value?: string; rows?: number }) {
  const id = props.id ?? `f-${props.name}`;
  const error = errorFor(props.errors, props.name);
  return (
    <Wrap id={id} label={props.label} error={error} help={props.help}>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 6}
        required={props.required}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, error, props.help)}
      >
        {props.value ?? ""}
      </textarea>
    </Wrap>
  );
}

export function Select(
  props: BaseProps & { value?: string; options: ReadonlyArray<{ value: string; label: string }> },
) {
  const id = props.id ?? `f-${props.name}`;
  const error = errorFor(props.errors, props.name);
  return (
    <Wrap id={id} label={props.label} error={error} help={props.help}>
      <select
        id={id}
        name={props.name}
        required={props.required}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy(id, error, props.help)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Wrap>
  );
}

export function Checkbox(props: {
  name: string;
  label: string;
  checked?: boolean;
  value?: string;
  id?: string;
  help?: ComponentChildren;
  errors?: Errors;
  /** Shown but not sent (a disabled box is left out of the submitted form). */
  disabled?: boolean;
}) {
  const id = props.id ?? `f-${props.name}`;
  const error = errorFor(props.errors, props.name);
  return (
    <div class={error ? "field checkbox has-error" : "field checkbox"}>
      <input
        type="checkbox"
        id={id}
        name={props.name}
        value={props.value ?? "1"}
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={describedBy(id, error, props.help)}
      />
      <label for={id}>{props.label}</label>
      {props.help ? (
        <p class="help" id={`${id}-help`}>
          {props.help}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function Fieldset({ legend, children }: { legend: string; children: ComponentChildren }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}

/** A POST button form, for actions such as delete, with CSRF token. */
export function ActionButton({
  action,
  csrf,
  label,
  confirm,
  className,
}: {
  action: string;
  csrf: string;
  label: string;
  confirm?: string;
  className?: string;
}) {
  return (
    <form method="post" action={action} class="inline" data-confirm={confirm}>
      <Csrf token={csrf} />
      <button type="submit" class={className ?? "secondary"}>
        {label}
      </button>
    </form>
  );
}

/**
 * A value to copy: selectable in a read-only input (without JavaScript), with a Copy button that
 * public/pluto.js shows and wires (data-copy).
 */
export function CopyField({
  id,
  label,
  hint,
  value,
}: {
  id: string;
  label: string;
  hint?: string;
  value: string;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint ? (
        <p class="help" id={`${id}-help`}>
          {hint}
        </p>
      ) : null}
      <div class="copy-field">
        <input
          id={id}
          type="text"
          readOnly
          value={value}
          aria-describedby={hint ? `${id}-help` : undefined}
        />
        <button type="button" class="secondary" data-copy={`#${id}`} aria-label={`Copy ${label}`} hidden>
          Copy
        </button>
      </div>
    </div>
  );
}
