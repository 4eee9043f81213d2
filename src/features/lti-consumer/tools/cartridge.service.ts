// Reading a tool's cartridge (basic LTI link XML) from a URL someone typed, through the SSRF guard. A URL is
// taken for a cartridge when its path ends in ".xml" or names a cartridge; any other tool URL is probed the way
// Moodle does (lti_is_cartridge): if it answers with a cartridge it configures the tool, otherwise it is the
// launch URL itself.
import { isLtiError } from "../../../lti/errors.js";
import { type Cartridge, parseCartridge } from "../../../lti/v1p1/cartridge.js";
import { ValidationError } from "../../../shared/errors.js";
import { OutboundError, outboundFetch } from "../../../shared/outbound.js";

/** What a cartridge contributes to a tool's configuration. */
export interface CartridgeConfig {
  cartridgeUrl: string;
  title: string;
  description: string;
  launchUrl: string;
  secureLaunchUrl: string;
  iconUrl: string;
  secureIconUrl: string;
  custom: Record<string, string>;
  vendorCode: string;
  vendorName: string;
}

export interface CartridgeDeps {
  allow: readonly string[];
  timeoutMs?: number;
  maxBytes?: number;
}

export const CARTRIDGE_MAX_BYTES = 256 * 1024;

export function looksLikeCartridgeUrl(url: string): boolean {
  try {
    const path = new URL(url).pathname.toLowerCase();
    return path.endsWith(".xml") || path.includes("cartridge");
  } catch {
    return false;
  }
}

/** Icons from the core elements, else from extension properties (icon_url / secure_icon_url), as Moodle does. */
function toConfig(url: string, c: Cartridge): CartridgeConfig {
  const ext = (name: string) =>
    c.extensions.map((e) => e.properties[name]).find((v) => v !== undefined && /^https?:\/\//i.test(v)) ?? "";
  return {
    cartridgeUrl: url,
    title: c.title.trim(),
    description: (c.description ?? "").trim(),
    launchUrl: c.launchUrl ?? "",
    secureLaunchUrl: c.secureLaunchUrl ?? "",
    iconUrl: c.icon ?? ext("icon_url"),
    secureIconUrl: c.secureIcon ?? ext("secure_icon_url"),
    custom: c.custom,
    vendorCode: c.vendor?.code ?? "",
    vendorName: c.vendor?.name ?? "",
  };
}

const REASONS: Record<string, string> = {
  invalid_xml: "it did not answer with XML",
  xml_entities: "its XML declares entities, which are refused",
  not_a_cartridge: "it is not a cartridge (no basic LTI link with a launch URL)",
};

/**
 * Fetches and reads the cartridge at `url`. Throws a ValidationError on `field` naming why it is unusable:
 * unreachable, blocked address, too big, not XML, or not a cartridge.
 */
export async function loadCartridge(
  url: string,
  deps: CartridgeDeps,
  field: string,
): Promise<CartridgeConfig> {
  const fail = (why: string): never => {
    const message = `The cartridge URL cannot be used: ${why}.`;
    throw new ValidationError(message, [{ field, message }]);
  };
  let body: Buffer;
  let contentType: string;
  try {
    const res = await outboundFetch(url, {
      allow: deps.allow,
      timeoutMs: deps.timeoutMs,
      maxBytes: deps.maxBytes ?? CARTRIDGE_MAX_BYTES,
      headers: { accept: "application/xml, text/xml;q=0.9, */*;q=0.1" },
    });
    body = res.body;
    contentType = res.contentType;
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    const why: Record<string, string> = {
      blocked_address: "it points to a blocked address (private, loopback or link-local)",
      unreachable: `it is unreachable (${err.message.replace(/\.$/, "")})`,
      timeout: "it is unreachable (no answer in time)",
      too_large: "the document is too big",
      bad_status: `it is unreachable (HTTP status ${err.status ?? "error"})`,
      too_many_redirects: "it redirects too many times",
      bad_url: "it is not an http or https URL",
    };
    return fail(why[err.reason] ?? err.message);
  }
  if (/^text\/html/i.test(contentType) || body.length === 0) return fail(REASONS.invalid_xml ?? "");
  try {
    return toConfig(url, parseCartridge(body));
  } catch (err) {
    if (isLtiError(err)) return fail(REASONS[err.code] ?? "it could not be read");
    throw err;
  }
}

/**
 * For a tool URL that does not look like a cartridge: the cartridge it serves, or undefined when it serves
 * anything else or nothing at all (it is then a plain launch URL). Never throws for the URL's sake.
 */
export async function probeCartridge(url: string, deps: CartridgeDeps): Promise<CartridgeConfig | undefined> {
  try {
    const res = await outboundFetch(url, {
      allow: deps.allow,
      timeoutMs: Math.min(deps.timeoutMs ?? 3000, 3000),
      maxBytes: deps.maxBytes ?? CARTRIDGE_MAX_BYTES,
      maxRedirects: 2,
      headers: { accept: "application/xml, text/xml;q=0.9" },
    });
    if (
      !/xml/i.test(res.contentType) &&
      !res.body.subarray(0, 200).toString("utf8").trimStart().startsWith("<")
    ) {
      return undefined;
    }
    return toConfig(url, parseCartridge(res.body));
  } catch (err) {
    if (err instanceof OutboundError || isLtiError(err)) return undefined;
    throw err;
  }
}

/** Cartridge custom parameters under the user's own lines (which win on a clash), as name=value lines. */
export function mergeCustomLines(userLines: string, cartridge: Record<string, string>): string {
  const names = new Set(
    userLines
      .split("\n")
      .map((l) => l.split("=")[0]?.trim())
      .filter((n): n is string => !!n),
  );
  const extra = Object.entries(cartridge)
    .filter(([k]) => !names.has(k) && k.trim() !== "" && !/[=\r\n]/.test(k))
    .map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, " ")}`);
  return [userLines.trim(), ...extra].filter(Boolean).join("\n");
}
