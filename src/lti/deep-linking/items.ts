// The content items of a Deep Linking response, read into typed values: Deep Linking 2.0 §3 (content item
// types: https://www.imsglobal.org/spec/lti-dl/v2p0#content-item-types); conformance cases 146–150, 153.
// "Unknown properties: IGNORE" (case 153): only the properties below are read. A known property of the wrong
// shape refuses the whole response (dl_invalid_item, with the item's position and the property), so a
// teacher never gets half of what the tool meant to send.
import { DeepLinkingError } from "../errors.js";
import type { DeepLinkItemType } from "./claims.js";
import type {
  DeepLinkDates,
  DeepLinkIframe,
  DeepLinkImage,
  DeepLinkItem,
  DeepLinkLineItem,
  DeepLinkWindow,
  ItemBase,
} from "./item-types.js";

export type * from "./item-types.js";

export const MAX_URL = 2048;
export const MAX_TITLE = 1024;
export const MAX_TEXT = 65_536;
export const MAX_HTML = 1_048_576;
const MAX_CUSTOM = 100;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads the properties of one item; every failure names the item and the property. */
export class ItemReader {
  constructor(
    readonly index: number,
    readonly item: Json,
  ) {}

  fail(field: string, reason: string): never {
    throw new DeepLinkingError("dl_invalid_item", `content item ${this.index}: ${field} ${reason}`, {
      index: this.index,
      field,
      reason,
    });
  }

  private get(obj: Json, name: string): unknown {
    return Object.hasOwn(obj, name) ? obj[name] : undefined;
  }

  string(obj: Json, path: string, name: string, max: number): string | undefined {
    const v = this.get(obj, name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(path, "is not a string");
    if (v.length > max) this.fail(path, `is longer than ${max} characters`);
    return v;
  }

  /** An absolute http(s) URL: never javascript:, data: or a relative reference. */
  url(obj: Json, path: string, name: string): string | undefined {
    const v = this.string(obj, path, name, MAX_URL);
    if (v === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      this.fail(path, "is not an absolute URL");
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") this.fail(path, "is not an http or https URL");
    return v;
  }

  requiredUrl(obj: Json, path: string, name: string): string {
    return this.url(obj, path, name) ?? this.fail(path, "is required");
  }

  /** A positive finite number (sizes in pixels). */
  size(obj: Json, path: string, name: string): number | undefined {
    const v = this.get(obj, name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) this.fail(path, "is not a positive number");
    return v;
  }

  boolean(obj: Json, path: string, name: string): boolean | undefined {
    const v = this.get(obj, name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") this.fail(path, "is not a boolean");
    return v;
  }

  /** An ISO 8601 date-time with a time zone (Deep Linking 2.0 §3.1 "ISO 8601 date and time"). */
  date(obj: Json, path: string, name: string): Date | undefined {
    const v = this.string(obj, path, name, 64);
    if (v === undefined) return undefined;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v))
      this.fail(path, "is not an ISO 8601 date-time with a time zone");
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) this.fail(path, "is not a valid date");
    return d;
  }

  object(obj: Json, path: string, name: string): Json | undefined {
    const v = this.get(obj, name);
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) this.fail(path, "is not an object");
    return v;
  }

  image(name: "icon" | "thumbnail"): DeepLinkImage | undefined {
    const o = this.object(this.item, name, name);
    if (o === undefined) return undefined;
    return clean({
      url: this.requiredUrl(o, `${name}.url`, "url"),
      width: this.size(o, `${name}.width`, "width"),
      height: this.size(o, `${name}.height`, "height"),
    });
  }

  window(): DeepLinkWindow | undefined {
    const o = this.object(this.item, "window", "window");
    if (o === undefined) return undefined;
    return clean({
      targetName: this.string(o, "window.targetName", "targetName", 255),
      width: this.size(o, "window.width", "width"),
      height: this.size(o, "window.height", "height"),
      windowFeatures: this.string(o, "window.windowFeatures", "windowFeatures", 1024),
    });
  }

  iframe(): DeepLinkIframe | undefined {
    const o = this.object(this.item, "iframe", "iframe");
    if (o === undefined) return undefined;
    return clean({
      src: this.url(o, "iframe.src", "src"),
      width: this.size(o, "iframe.width", "width"),
      height: this.size(o, "iframe.height", "height"),
    });
  }

  dates(name: "available" | "submission"): DeepLinkDates | undefined {
    const o = this.object(this.item, name, name);
    if (o === undefined) return undefined;
    const d = clean({
      startDateTime: this.date(o, `${name}.startDateTime`, "startDateTime"),
      endDateTime: this.date(o, `${name}.endDateTime`, "endDateTime"),
    });
    if (d.startDateTime && d.endDateTime && d.startDateTime > d.endDateTime)
      this.fail(`${name}.endDateTime`, "is before startDateTime");
    return d;
  }

  lineItem(): DeepLinkLineItem | undefined {
    const o = this.object(this.item, "lineItem", "lineItem");
    if (o === undefined) return undefined;
    const max = this.get(o, "scoreMaximum");
    if (typeof max !== "number" || !Number.isFinite(max) || max <= 0)
      this.fail("lineItem.scoreMaximum", "is not a number greater than 0");
    return clean({
      scoreMaximum: max,
      label: this.string(o, "lineItem.label", "label", 255),
      resourceId: this.string(o, "lineItem.resourceId", "resourceId", 255),
      tag: this.string(o, "lineItem.tag", "tag", 255),
      gradesReleased: this.boolean(o, "lineItem.gradesReleased", "gradesReleased"),
    });
  }

  /** §3.1 `custom`: "A map of key/value custom parameters"; values are strings (case 146). */
  custom(): Record<string, string> {
    const o = this.object(this.item, "custom", "custom");
    const out: Record<string, string> = {};
    if (o === undefined) return out;
    const entries = Object.entries(o);
    if (entries.length > MAX_CUSTOM) this.fail("custom", `has more than ${MAX_CUSTOM} entries`);
    for (const [k, v] of entries) {
      if (k === "" || k.length > 255) this.fail("custom", "has an empty or over-long name");
      if (typeof v !== "string") this.fail(`custom.${k}`, "is not a string");
      if (v.length > MAX_TEXT) this.fail(`custom.${k}`, `is longer than ${MAX_TEXT} characters`);
      out[k] = v;
    }
    return out;
  }

  base(): Omit<ItemBase, "index"> {
    return clean({
      title: this.string(this.item, "title", "title", MAX_TITLE),
      text: this.string(this.item, "text", "text", MAX_TEXT),
      icon: this.image("icon"),
      thumbnail: this.image("thumbnail"),
    });
  }
}

/** Reads one item of a known type; the type has been checked by the caller. */
export function readItem(index: number, item: Json, type: DeepLinkItemType): DeepLinkItem {
  const r = new ItemReader(index, item);
  const base = { index, ...r.base() };
  switch (type) {
    case "ltiResourceLink":
      return clean({
        type,
        ...base,
        url: r.url(item, "url", "url"),
        custom: r.custom(),
        lineItem: r.lineItem(),
        window: r.window(),
        iframe: r.iframe(),
        available: r.dates("available"),
        submission: r.dates("submission"),
      });
    case "link": {
      const embed = r.object(item, "embed", "embed");
      return clean({
        type,
        ...base,
        url: r.requiredUrl(item, "url", "url"),
        embed: embed && {
          html: r.string(embed, "embed.html", "html", MAX_HTML) ?? r.fail("embed.html", "is required"),
        },
        window: r.window(),
        iframe: r.iframe(),
      });
    }
    case "html":
      return {
        type,
        ...base,
        html: r.string(item, "html", "html", MAX_HTML) ?? r.fail("html", "is required"),
      };
    case "file":
      return clean({
        type,
        ...base,
        url: r.requiredUrl(item, "url", "url"),
        mediaType: r.string(item, "mediaType", "mediaType", 255),
        expiresAt: r.date(item, "expiresAt", "expiresAt"),
      });
    case "image":
      return clean({
        type,
        ...base,
        url: r.requiredUrl(item, "url", "url"),
        width: r.size(item, "width", "width"),
        height: r.size(item, "height", "height"),
      });
  }
}

/** Drops undefined properties, so a read item deep-equals what was meant. */
export function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export { isObject };
