// The Common Cartridge basic LTI link (an "LTI cartridge"), IMS Common Cartridge 1.1 / LTI 1.1: the XML a
// provider publishes at its cartridge URL and a consumer reads to configure a tool. Conformance cases 66–72.
// Schemas: imslticc_v1p0 (root), imsbasiclti_v1p0 (blti), imslticm_v1p0 (lticm), imslticp_v1p0 (lticp).
import { XmlError } from "../errors.js";
import { child, children, parseXml, renderXml, textAt, type XmlElement, type XmlNode } from "./xml.js";

export const CARTRIDGE_NS = {
  cc: "http://www.imsglobal.org/xsd/imslticc_v1p0",
  blti: "http://www.imsglobal.org/xsd/imsbasiclti_v1p0",
  lticm: "http://www.imsglobal.org/xsd/imslticm_v1p0",
  lticp: "http://www.imsglobal.org/xsd/imslticp_v1p0",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
} as const;

export interface CartridgeVendor {
  code: string;
  name: string;
  description?: string;
  url?: string;
  contactEmail?: string;
}

/** `<blti:extensions platform="...">`: properties and one level of named option groups. */
export interface CartridgeExtension {
  platform: string;
  properties: Record<string, string>;
  options: Record<string, Record<string, string>>;
}

export interface Cartridge {
  title: string;
  description?: string;
  launchUrl?: string;
  secureLaunchUrl?: string;
  icon?: string;
  secureIcon?: string;
  vendor?: CartridgeVendor;
  /** Custom parameters by their names exactly as written (case 69: normalised only at launch). */
  custom: Record<string, string>;
  extensions: CartridgeExtension[];
}

export type CartridgeInput = Omit<Cartridge, "custom" | "extensions" | "vendor"> & {
  vendor: CartridgeVendor;
  custom?: Record<string, string>;
  extensions?: CartridgeExtension[];
};

const SCHEMA_LOCATION = (["cc", "blti", "lticm", "lticp"] as const)
  .map(
    (p) =>
      `${CARTRIDGE_NS[p]} http://www.imsglobal.org/xsd/lti/ltiv1p0/${CARTRIDGE_NS[p].split("/").pop()}.xsd`,
  )
  .join(" ");

const property = (name: string, value: string): XmlNode => ({
  name: "lticm:property",
  attributes: { name },
  text: value,
});
const leaf = (name: string, value: string | undefined): XmlNode | undefined =>
  value === undefined ? undefined : { name, text: value };

/** Writes a cartridge, children in the schema's order (case 67), everything escaped (case 72). */
export function buildCartridge(input: CartridgeInput): string {
  const v = input.vendor;
  const custom = Object.entries(input.custom ?? {});
  return renderXml({
    name: "cartridge_basiclti_link",
    attributes: {
      xmlns: CARTRIDGE_NS.cc,
      "xmlns:blti": CARTRIDGE_NS.blti,
      "xmlns:lticm": CARTRIDGE_NS.lticm,
      "xmlns:lticp": CARTRIDGE_NS.lticp,
      "xmlns:xsi": CARTRIDGE_NS.xsi,
      "xsi:schemaLocation": SCHEMA_LOCATION,
    },
    children: [
      { name: "blti:title", text: input.title },
      leaf("blti:description", input.description),
      custom.length > 0 && { name: "blti:custom", children: custom.map(([k, val]) => property(k, val)) },
      ...(input.extensions ?? []).map(
        (e): XmlNode => ({
          name: "blti:extensions",
          attributes: { platform: e.platform },
          children: [
            ...Object.entries(e.properties).map(([k, val]) => property(k, val)),
            ...Object.entries(e.options).map(
              ([name, props]): XmlNode => ({
                name: "lticm:options",
                attributes: { name },
                children: Object.entries(props).map(([k, val]) => property(k, val)),
              }),
            ),
          ],
        }),
      ),
      leaf("blti:launch_url", input.launchUrl),
      leaf("blti:secure_launch_url", input.secureLaunchUrl),
      leaf("blti:icon", input.icon),
      leaf("blti:secure_icon", input.secureIcon),
      {
        name: "blti:vendor",
        children: [
          { name: "lticp:code", text: v.code },
          { name: "lticp:name", text: v.name },
          leaf("lticp:description", v.description),
          leaf("lticp:url", v.url),
          v.contactEmail !== undefined && {
            name: "lticp:contact",
            children: [{ name: "lticp:email", text: v.contactEmail }],
          },
        ],
      },
      { name: "cartridge_bundle", attributes: { identifierref: "BLTI001_Bundle" } },
      { name: "cartridge_icon", attributes: { identifierref: "BLTI001_Icon" } },
    ],
  });
}

function properties(el: XmlElement | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of children(el, "property")) {
    const name = p.attributes.name;
    if (name !== undefined && name !== "" && !Object.hasOwn(out, name)) out[name] = p.text.trim();
  }
  return out;
}

/** Only absolute http(s) URLs are taken from a stranger's cartridge (no javascript:, data:, file:). */
function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a basic LTI link. Tolerates any namespace prefixes (or none), missing optional elements and the
 * older `basic_lti_link` root. not_a_cartridge: another document, or a link with neither a launch URL nor a
 * secure launch URL nor a `domain` extension property (case 68). Entities are never expanded (xml.ts).
 */
export function parseCartridge(xml: string | Uint8Array): Cartridge {
  const root = parseXml(xml);
  if (root.name !== "cartridge_basiclti_link" && root.name !== "basic_lti_link") {
    throw new XmlError("not_a_cartridge", `Not a basic LTI link: the root element is <${root.name}>`);
  }
  const extensions = children(root, "extensions").map(
    (e): CartridgeExtension => ({
      platform: e.attributes.platform ?? "",
      properties: properties(e),
      options: Object.fromEntries(
        children(e, "options").flatMap((o) =>
          o.attributes.name ? [[o.attributes.name, properties(o)]] : [],
        ),
      ),
    }),
  );
  const cartridge: Cartridge = {
    title: textAt(root, "title") ?? "",
    custom: properties(child(root, "custom")),
    extensions,
  };
  const optional = {
    description: textAt(root, "description"),
    launchUrl: httpUrl(textAt(root, "launch_url")),
    secureLaunchUrl: httpUrl(textAt(root, "secure_launch_url")),
    icon: httpUrl(textAt(root, "icon")),
    secureIcon: httpUrl(textAt(root, "secure_icon")),
  };
  for (const [k, val] of Object.entries(optional))
    if (val !== undefined) cartridge[k as keyof typeof optional] = val;
  const vendor = child(root, "vendor");
  const code = textAt(vendor, "code");
  const name = textAt(vendor, "name");
  if (vendor && code !== undefined && name !== undefined) {
    cartridge.vendor = { code, name };
    const description = textAt(vendor, "description");
    const url = httpUrl(textAt(vendor, "url"));
    const email = textAt(vendor, "contact", "email");
    if (description !== undefined) cartridge.vendor.description = description;
    if (url !== undefined) cartridge.vendor.url = url;
    if (email !== undefined) cartridge.vendor.contactEmail = email;
  }
  const hasDomain = extensions.some((e) => (e.properties.domain ?? "") !== "");
  if (cartridge.launchUrl === undefined && cartridge.secureLaunchUrl === undefined && !hasDomain) {
    throw new XmlError("not_a_cartridge", "The basic LTI link has no launch URL");
  }
  return cartridge;
}

/**
 * The URL to launch: the secure launch URL when the launching page is https or there is no plain one, never
 * downgrading to http from an https page (case 20).
 */
export function cartridgeLaunchUrl(c: Cartridge, pageIsHttps: boolean): string | undefined {
  if (c.secureLaunchUrl !== undefined && (pageIsHttps || c.launchUrl === undefined)) return c.secureLaunchUrl;
  return c.launchUrl ?? c.secureLaunchUrl;
}
