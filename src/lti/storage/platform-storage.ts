// The platform's half of LTI Platform Storage: answering a tool frame's postMessages when the tool cannot
// keep cookies (LTI Client Side postMessages, https://www.imsglobal.org/spec/lti-cs-pm/v0p1, and Platform
// Storage, https://www.imsglobal.org/spec/lti-pm-s/v0p1, drafts v0.1; conformance cases 201–208).
// Pure and dependency-free (no imports at all): the page that embeds a tool bundles or serves this file and
// calls handleStorageMessage from its `message` listener, then posts the answer back with
//   event.source.postMessage(response, event.origin)
// The caller checks that `event.source` is the tool frame it embeds; this file keys storage per origin so a
// tool never reads another tool's values.

/** The subjects answered here; the older `org.imsglobal.lti.*` names are answered too (Brightspace sends them). */
export const STORAGE_SUBJECTS = ["lti.capabilities", "lti.put_data", "lti.get_data"] as const;
export type StorageSubject = (typeof STORAGE_SUBJECTS)[number];
const LEGACY_PREFIX = "org.imsglobal.";

/** Error codes of the drafts (Canvas and Sakai answer the same). */
export type StorageErrorCode = "bad_request" | "unsupported_subject" | "storage_exhaustion";

/** Values kept for the tool frames of one page, keyed by the tool's origin. */
export interface PlatformStorageStore {
  get(origin: string, key: string): string | undefined;
  set(origin: string, key: string, value: string): void;
  delete(origin: string, key: string): void;
  /** The UTF-8 bytes of the keys and values stored for `origin`. */
  usage(origin: string): number;
}

export interface StorageLimits {
  /** Case 208: "at least 4096 bytes per origin". Default 64 KiB. */
  maxBytesPerOrigin?: number;
  /** Default 2048 characters. */
  maxKeyLength?: number;
}

export interface StorageOptions extends StorageLimits {
  /** The name of the frame that answers put/get, when not the one the tool posted to (case 202). */
  frame?: string;
}

export interface StorageResponse {
  subject: string;
  message_id?: string;
  supported_messages?: Array<{ subject: string; frame?: string }>;
  key?: string;
  value?: string;
  error?: { code: StorageErrorCode; message: string };
}

export const DEFAULT_MAX_BYTES_PER_ORIGIN = 65_536;
export const DEFAULT_MAX_KEY_LENGTH = 2048;

/** UTF-8 length without TextEncoder, so the file needs no DOM or Node types. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The capability list (case 203), the family of the request first. */
export function storageCapabilities(
  legacyFirst = false,
  frame?: string,
): Array<{ subject: string; frame?: string }> {
  const current = STORAGE_SUBJECTS.map((s) => s as string);
  const legacy = current.map((s) => LEGACY_PREFIX + s);
  return (legacyFirst ? [...legacy, ...current] : [...current, ...legacy]).map((subject) =>
    frame === undefined || subject.endsWith("capabilities") ? { subject } : { subject, frame },
  );
}

function isHttpOrigin(origin: string): boolean {
  return /^https?:\/\/[^/?#\s]+$/i.test(origin);
}

/**
 * Answers one postMessage from a tool frame at `origin` (the event's origin, never a value from the message).
 * Returns undefined for what is not a storage request: not an object, no subject, a `.response`, a subject
 * outside `lti.*` and `org.imsglobal.lti.*` (`org.imsglobal.lti.close` and the like are other listeners'), or
 * an opaque or non-http origin (a sandboxed frame's "null" would share one bucket with every other).
 */
export function handleStorageMessage(
  message: unknown,
  origin: string,
  store: PlatformStorageStore,
  options: StorageOptions = {},
): StorageResponse | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
  const m = message as Record<string, unknown>;
  const subject = m.subject;
  if (typeof subject !== "string" || subject.endsWith(".response")) return undefined;
  const legacy = subject.startsWith(`${LEGACY_PREFIX}lti.`);
  if (!legacy && !subject.startsWith("lti.")) return undefined;
  if (!isHttpOrigin(origin)) return undefined;
  const name = legacy ? subject.slice(LEGACY_PREFIX.length) : subject;
  if (name === "lti.close") return undefined;

  const response: StorageResponse = { subject: `${subject}.response` };
  const fail = (code: StorageErrorCode, text: string): StorageResponse => ({
    ...response,
    error: { code, message: text },
  });
  // Case 208: "bad_request when key or message_id is missing". The id is echoed for the tool to match (case 206).
  const messageId = m.message_id;
  if (typeof messageId !== "string" || messageId === "") return fail("bad_request", "message_id is required");
  response.message_id = messageId;

  if (name === "lti.capabilities")
    return { ...response, supported_messages: storageCapabilities(legacy, options.frame) };
  if (name !== "lti.put_data" && name !== "lti.get_data")
    return fail("unsupported_subject", `${subject} is not supported`);

  const key = m.key;
  const maxKey = options.maxKeyLength ?? DEFAULT_MAX_KEY_LENGTH;
  if (typeof key !== "string" || key === "") return fail("bad_request", "key is required");
  if (key.length > maxKey) return fail("bad_request", `key is longer than ${maxKey} characters`);

  if (name === "lti.get_data") {
    const value = store.get(origin, key);
    return value === undefined ? { ...response, key } : { ...response, key, value };
  }

  // Interop: Canvas clears a key on a put without a value (case 207); so does Pluto.
  const value = m.value;
  if (value === undefined || value === null) {
    store.delete(origin, key);
    return { ...response, key };
  }
  if (typeof value !== "string") return fail("bad_request", "value must be a string");
  const old = store.get(origin, key);
  const before = store.usage(origin) - (old === undefined ? 0 : utf8Length(key) + utf8Length(old));
  const max = options.maxBytesPerOrigin ?? DEFAULT_MAX_BYTES_PER_ORIGIN;
  if (before + utf8Length(key) + utf8Length(value) > max)
    return fail("storage_exhaustion", `storage for this origin is limited to ${max} bytes`);
  store.set(origin, key, value);
  return { ...response, key, value };
}

/** A store in memory, for the embedding page (values live as long as the page) and for tests. */
export function memoryPlatformStorage(): PlatformStorageStore {
  const origins = new Map<string, Map<string, string>>();
  const bytes = new Map<string, number>();
  const size = (k: string, v: string) => utf8Length(k) + utf8Length(v);
  return {
    get: (origin, key) => origins.get(origin)?.get(key),
    set(origin, key, value) {
      const values = origins.get(origin) ?? new Map<string, string>();
      origins.set(origin, values);
      const old = values.get(key);
      bytes.set(
        origin,
        (bytes.get(origin) ?? 0) - (old === undefined ? 0 : size(key, old)) + size(key, value),
      );
      values.set(key, value);
    },
    delete(origin, key) {
      const values = origins.get(origin);
      const old = values?.get(key);
      if (values === undefined || old === undefined) return;
      values.delete(key);
      bytes.set(origin, (bytes.get(origin) ?? 0) - size(key, old));
    },
    usage: (origin) => bytes.get(origin) ?? 0,
  };
}
