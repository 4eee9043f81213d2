// Safe XML reading and writing for the LTI 1.1 documents (cartridges, POX, memberships).
//
// Reading: XML from strangers never gets its entities expanded (XXE, "billion laughs"; conformance case 59).
// A document with a DOCTYPE or ENTITY declaration is refused outright (xml_entities); fast-xml-parser runs
// with processEntities:false, and only the five predefined references (&amp; &lt; &gt; &quot; &apos;) and
// numeric character references are decoded here, as any XML reader must; any other &name; can only refer to
// an undeclared entity and is refused too. Elements are matched by local name (namespace prefixes removed),
// so prefixed and unprefixed real-world shapes read the same.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { XmlError } from "../errors.js";

export interface XmlElement {
  /** Local name, namespace prefix removed. */
  name: string;
  /** Attributes by local name (xmlns declarations dropped). */
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (text nodes and CDATA, in order), untrimmed. */
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: "#cdata",
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const REFERENCE = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z_][\w.-]*));?/g;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the predefined and numeric references of a text or attribute value; refuses anything else. */
function decodeReferences(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(
    REFERENCE,
    (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
      if (!whole.endsWith(";")) throw new XmlError("invalid_xml", "Unterminated character reference");
      if (name !== undefined) {
        const v = PREDEFINED[name];
        if (v === undefined) throw new XmlError("xml_entities", `Entity reference &${name}; is not allowed`);
        return v;
      }
      const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
      const ok =
        cp === 0x9 ||
        cp === 0xa ||
        cp === 0xd ||
        (cp >= 0x20 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));
      if (!ok) throw new XmlError("invalid_xml", `Character reference ${whole} is not a valid XML character`);
      return String.fromCodePoint(cp);
    },
  );
}

type RawNode = Record<string, unknown>;

function toElement(node: RawNode): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ":@");
  if (name === undefined || name === "#text" || name === "#cdata") return undefined;
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries((node[":@"] as Record<string, unknown> | undefined) ?? {})) {
    if (k === "xmlns" || typeof v !== "string") continue;
    attributes[k] = decodeReferences(v);
  }
  const el: XmlElement = { name, attributes, children: [], text: "" };
  for (const child of (node[name] as RawNode[] | undefined) ?? []) {
    if ("#text" in child) el.text += decodeReferences(String(child["#text"]));
    else if ("#cdata" in child) {
      for (const c of child["#cdata"] as RawNode[]) el.text += String(c["#text"] ?? "");
    } else {
      const e = toElement(child);
      if (e) el.children.push(e);
    }
  }
  return el;
}

/**
 * Parses a document into its root element. Errors: xml_entities for a DOCTYPE/ENTITY declaration or an
 * undeclared entity reference; invalid_xml for anything not well-formed or without exactly one root.
 * The caller caps the size before calling.
 */
export function parseXml(input: string | Uint8Array): XmlElement {
  let xml: string;
  try {
    xml =
      typeof input === "string"
        ? input.replace(/^\uFEFF/, "")
        : new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch (cause) {
    throw new XmlError("invalid_xml", "XML is not valid UTF-8", { cause });
  }
  // XML 1.0 §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
  // A NUL or other control character can never be part of a document (and PostgreSQL cannot store NUL).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these characters are what is refused
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.exec(xml);
  if (bad) {
    const cp = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw new XmlError(
      "invalid_xml",
      `Character U+${cp} at offset ${bad.index} is not a valid XML character`,
    );
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new XmlError("xml_entities", "XML with a DOCTYPE or ENTITY declaration is not accepted");
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new XmlError("invalid_xml", `Not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let raw: RawNode[];
  try {
    raw = parser.parse(xml) as RawNode[];
  } catch (cause) {
    throw new XmlError("invalid_xml", "Not well-formed XML", { cause });
  }
  const roots = raw.map(toElement).filter((e): e is XmlElement => e !== undefined);
  const root = roots[0];
  if (roots.length !== 1 || root === undefined)
    throw new XmlError("invalid_xml", "XML must have exactly one root element");
  return root;
}

/** The first child with this local name. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** Every child with this local name. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}

/** The trimmed text at a path of child names, or undefined when absent or empty. */
export function textAt(el: XmlElement | undefined, ...path: string[]): string | undefined {
  let cur = el;
  for (const name of path) cur = child(cur, name);
  const t = cur?.text.trim();
  return t === undefined || t === "" ? undefined : t;
}

// ---- writing ----

/** A node to write: an element with attributes, and either children or text. */
export interface XmlNode {
  name: string;
  attributes?: Readonly<Record<string, string | undefined>>;
  children?: ReadonlyArray<XmlNode | undefined | false>;
  text?: string;
}

/** Escapes text and attribute values (case 72: `&` in URLs as &amp;). */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`,
  );
}

function render(node: XmlNode, depth: number, out: string[]): void {
  const pad = "  ".repeat(depth);
  const attrs = Object.entries(node.attributes ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v ?? "")}"`)
    .join("");
  const kids = (node.children ?? []).filter((c): c is XmlNode => Boolean(c));
  if (kids.length > 0) {
    out.push(`${pad}<${node.name}${attrs}>`);
    for (const k of kids) render(k, depth + 1, out);
    out.push(`${pad}</${node.name}>`);
  } else if (node.text !== undefined && node.text !== "") {
    out.push(`${pad}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>`);
  } else {
    out.push(`${pad}<${node.name}${attrs}/>`);
  }
}

/** Writes a document: XML declaration, then the indented tree. */
export function renderXml(root: XmlNode): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  render(root, 0, out);
  return `${out.join("\n")}\n`;
}
