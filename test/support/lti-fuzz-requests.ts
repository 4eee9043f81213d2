// Seeded generators of malformed LTI 1.1 requests for the HTTP-level fuzz run (test/lti-http.fuzz.test.ts):
// launches into a published course and Basic Outcomes messages, each a mutation of a correctly signed one.
// A mutation made after signing must be refused (`mustRefuse`); one made before signing (then signed
// correctly) exercises the parsers and may be accepted.
import { randomUUID } from "node:crypto";
import type { Clock } from "../../src/lti/ports.js";
import { hmacSignature, signatureBaseString } from "../../src/lti/v1p1/oauth.js";
import { signBodyHashRequest } from "../../src/lti/v1p1/oauth-body-hash.js";
import {
  buildDeleteResultRequest,
  buildReadResultRequest,
  buildReplaceResultRequest,
} from "../../src/lti/v1p1/outcomes.js";

/** mulberry32: a small seeded PRNG, so a failing run replays from its seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[this.int(16)];
    return s;
  }
}

const UNICODE = ["é", "ß", "日本", "😀", "\u202E", "\u0301", "\uFFFD", "\u2028", "Ω", "\uFEFF"];
const SPECIAL = [
  "&",
  "=",
  "+",
  "%",
  "%ZZ",
  "%C3",
  "<",
  ">",
  '"',
  "'",
  ";",
  ",",
  "\t",
  "\n",
  "\r",
  " ",
  "\\",
  "/",
];

/**
 * Hostile text: ASCII, C0 controls, delimiters, non-BMP, combining and bidi characters; NUL only when asked.
 * No lone surrogates: a form or header cannot carry one (URLSearchParams sends U+FFFD), and the property
 * tests in src/lti/v1p1/ cover them.
 */
export function hostile(rng: Rng, maxLength = 40, nul = false): string {
  const n = rng.int(maxLength + 1);
  let s = "";
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (nul && r < 0.1) s += "\u0000";
    else if (r < 0.5) s += String.fromCharCode(0x20 + rng.int(95));
    else if (r < 0.7) s += rng.pick(SPECIAL);
    else if (r < 0.9) s += rng.pick(UNICODE);
    else s += String.fromCharCode(1 + rng.int(0x1f));
  }
  return nul && !s.includes("\u0000") ? `${s}\u0000` : s;
}

/** Text that may travel in an HTTP header (tab, printable ASCII, Latin-1). */
function headerSafe(s: string): string {
  return s.replace(/[^\t\x20-\x7e\x80-\xff]/g, "?");
}

/** A fresh nonce; with `nul`, one in five carries a NUL byte. */
function nonce(rng: Rng, nul: boolean): string {
  return nul && rng.chance(0.2) ? `${rng.hex(16)}\u0000${rng.hex(15)}` : rng.hex(32);
}

export interface FuzzRequest {
  /** The mutation's name, for the counts. */
  kind: string;
  /** A mutation made after signing (or an unsigned one): anything but a refusal is a failure. */
  mustRefuse: boolean;
  method: "POST";
  url: string;
  headers: Record<string, string>;
  payload: string | Buffer;
}

type Pairs = Array<[string, string]>;
const FORM = "application/x-www-form-urlencoded";

/** Signs a parameter list (names may repeat) with Pluto's own signer, so parser mutations pass the signature. */
function signPairs(
  pairs: Pairs,
  url: string,
  key: string,
  secret: string,
  clock: Clock,
  nonce: string,
): Pairs {
  const oauth: Pairs = [
    ["oauth_consumer_key", key],
    ["oauth_nonce", nonce],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", String(Math.floor(clock.now().getTime() / 1000))],
    ["oauth_version", "1.0"],
    ["oauth_callback", "about:blank"],
  ];
  const all = [...pairs, ...oauth];
  return [...all, ["oauth_signature", hmacSignature(signatureBaseString("POST", url, all), secret)]];
}

const form = (pairs: Pairs) => new URLSearchParams(pairs).toString();

export interface LaunchTarget {
  /** The publication's public launch URL (signed) and the path to post to. */
  launchUrl: string;
  secret: string;
  clock: Clock;
}

const LAUNCH_FIELDS = [
  "lti_message_type",
  "lti_version",
  "resource_link_id",
  "user_id",
  "roles",
  "lis_person_name_given",
  "lis_person_name_family",
  "lis_person_name_full",
  "lis_person_contact_email_primary",
  "context_id",
  "context_title",
  "launch_presentation_return_url",
  "launch_presentation_document_target",
  "launch_presentation_locale",
  "lis_outcome_service_url",
  "lis_result_sourcedid",
  "tool_consumer_instance_guid",
  "custom_x",
];

/** A launch a real consumer sends, for one of a small pool of remote users (so re-launches happen). */
function validLaunch(rng: Rng): Pairs {
  const who = rng.int(40);
  return [
    ["lti_message_type", "basic-lti-launch-request"],
    ["lti_version", rng.pick(["LTI-1p0", "LTI-1p2"])],
    ["resource_link_id", `rl-${rng.int(5)}`],
    ["user_id", `remote-${who}`],
    ["roles", rng.pick(["Learner", "Instructor", "urn:lti:role:ims/lis/Learner", "Learner,Instructor", ""])],
    ["lis_person_name_given", `Given${who}`],
    ["lis_person_name_family", "Remote"],
    ["lis_person_contact_email_primary", `r${who}@consumer.example`],
    ["context_id", "ctx-1"],
    ["launch_presentation_return_url", "http://consumer.example/return"],
    ["launch_presentation_document_target", "iframe"],
    ["tool_consumer_instance_guid", "consumer.example"],
  ];
}

export interface LaunchFuzz {
  next(): FuzzRequest;
  /** Remembers an accepted launch's payload, for a later replay. */
  accepted(payload: string | Buffer): void;
}

export function launchFuzzer(rng: Rng, target: LaunchTarget, opts: { nul: boolean }): LaunchFuzz {
  const path = new URL(target.launchUrl).pathname;
  const replays: Array<string | Buffer> = [];
  const h = (max?: number) => hostile(rng, max, opts.nul);
  const key = () =>
    opts.nul && rng.chance(0.2) ? `consumer\u0000${rng.int(9)}` : rng.pick(["consumer-a", "consumer-b"]);
  const sign = (pairs: Pairs, k = key()) =>
    signPairs(pairs, target.launchUrl, k, target.secret, target.clock, nonce(rng, opts.nul));
  const req = (
    kind: string,
    mustRefuse: boolean,
    payload: string | Buffer,
    over: Partial<FuzzRequest> = {},
  ): FuzzRequest => ({
    kind,
    mustRefuse,
    method: "POST",
    url: path,
    headers: { "content-type": FORM },
    payload,
    ...over,
  });
  const at = (pairs: Pairs) => rng.int(pairs.length);

  // Mutations before signing: the signature holds, the parser and the launch service see the damage.
  const presigned: Array<() => FuzzRequest> = [
    () => req("valid", false, form(sign(validLaunch(rng)))),
    () => {
      const p = validLaunch(rng);
      p.splice(at(p), 1);
      return req("signed: parameter dropped", false, form(sign(p)));
    },
    () => {
      const p = validLaunch(rng);
      const i = at(p);
      p[i] = [p[i]?.[0] ?? "x", h()];
      return req("signed: hostile value", false, form(sign(p)));
    },
    () => {
      const p = validLaunch(rng);
      const name = rng.pick(LAUNCH_FIELDS);
      const v = rng.pick(["x".repeat(256), "y".repeat(1025), "z".repeat(5000), h(400)]);
      const i = p.findIndex(([n]) => n === name);
      if (i >= 0) p[i] = [name, v];
      else p.push([name, v]);
      return req("signed: long value", false, form(sign(p)));
    },
    () => {
      const p = validLaunch(rng);
      p.push([h(12) || "x", h()]);
      return req("signed: hostile extra parameter", false, form(sign(p)));
    },
    () => {
      const p = validLaunch(rng);
      const i = at(p);
      p.push([p[i]?.[0] ?? "x", h(10)]);
      return req("signed: parameter repeated", false, form(sign(p)));
    },
    () => {
      const p = validLaunch(rng);
      p[0] = [
        "lti_message_type",
        rng.pick(["ContentItemSelectionRequest", "basic-lti-launch-request ", h(20)]),
      ];
      if (rng.chance(0.5)) p[1] = ["lti_version", rng.pick(["LTI-1p3", "lti-1p0", "", h(10)])];
      return req("signed: wrong message type or version", false, form(sign(p)));
    },
    () => req("signed: hostile consumer key", false, form(sign(validLaunch(rng), h(300) || " "))),
    () => {
      const p = validLaunch(rng);
      p.push(["lis_outcome_service_url", rng.pick(["javascript:alert(1)", "ftp://x", h(30), "http://[::1"])]);
      p.push(["lis_result_sourcedid", h(30)]);
      p.push(["launch_presentation_width", h(8)]);
      return req("signed: malformed optional hints", false, form(sign(p)));
    },
  ];

  // Mutations after signing (or requests never signed): each must be refused.
  const signedPairs = () => sign(validLaunch(rng));
  const postsigned: Array<() => FuzzRequest> = [
    () => {
      const p = signedPairs();
      p.splice(at(p), 1);
      return req("parameter dropped after signing", true, form(p));
    },
    () => {
      const p = signedPairs();
      const i = at(p);
      const [n, v] = p[i] ?? ["x", ""];
      p.push([n, rng.chance(0.5) ? v : h(10)]);
      return req("parameter repeated after signing", true, form(p));
    },
    () => {
      const p = signedPairs();
      const i = at(p);
      const [n, v] = p[i] ?? ["x", ""];
      p[i] = [n, `${v}${h(10) || "x"}`];
      return req("value garbled after signing", true, form(p));
    },
    () => {
      const p = signedPairs();
      const i = at(p);
      const [n, v] = p[i] ?? ["x", ""];
      p[i] = [`${n}${h(4) || "_"}`, v];
      return req("name garbled after signing", true, form(p));
    },
    () => {
      const p = signedPairs();
      const i = p.findIndex(([n]) => n === "oauth_signature");
      p[i] = [
        "oauth_signature",
        rng.pick(["", "AAAA", "x".repeat(10_000), h(40), Buffer.from(rng.hex(20), "hex").toString("base64")]),
      ];
      return req("wrong signature", true, form(p));
    },
    () => {
      const now = Math.floor(target.clock.now().getTime() / 1000);
      const ts = rng.pick([
        String(now - 301 - rng.int(1e6)),
        String(now + 301 + rng.int(1e6)),
        "0",
        "-1",
        String(now).padStart(30, "0"),
        "9".repeat(40),
        `${now}.5`,
        ` ${now}`,
        "1e9",
        h(12),
      ]);
      // Signed over the bad timestamp: the signature holds, the timestamp must not.
      const p = sign(validLaunch(rng)).map(([n, v]): [string, string] =>
        n === "oauth_timestamp" ? [n, ts] : [n, v],
      );
      const i = p.findIndex(([n]) => n === "oauth_signature");
      const unsigned = p.filter(([n]) => n !== "oauth_signature");
      p[i] = [
        "oauth_signature",
        hmacSignature(signatureBaseString("POST", target.launchUrl, unsigned), target.secret),
      ];
      return req("bad timestamp", true, form(p));
    },
    () =>
      req(
        "wrong secret",
        true,
        form(
          signPairs(
            validLaunch(rng),
            target.launchUrl,
            "consumer-a",
            h(20) || "s",
            target.clock,
            rng.hex(32),
          ),
        ),
      ),
    () => {
      const body = form(signedPairs());
      return req("truncated body", true, body.slice(0, rng.int(body.length - 1)));
    },
    () =>
      req("wrong content type", true, form(signedPairs()), {
        headers: rng.chance(0.2)
          ? {}
          : {
              "content-type": rng.pick([
                "application/json",
                "text/plain",
                "multipart/form-data; boundary=x",
                "application/xml",
                "application/x-www-form-urlencodedx",
                "*/*",
                h(20).replace(/[^\x20-\x7e]/g, "") || "a/b",
              ]),
            },
      }),
    () => {
      const p = signedPairs();
      p.push(["custom_huge", "x".repeat(1024 * 1024 + rng.int(1000))]);
      return req("oversize body", true, form(p));
    },
    () => {
      const bytes = Buffer.alloc(rng.int(2000));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      return req("garbage body", true, rng.chance(0.5) ? bytes : h(500));
    },
    () => {
      if (replays.length === 0) return req("wrong signature", true, form(signedPairs().slice(0, -1)));
      return req("replayed launch", true, rng.pick(replays));
    },
    () =>
      req("unknown publication", true, form(signedPairs()), {
        url: rng.pick([
          `/enrol/lti/launch/${randomUUID()}`,
          `/enrol/lti/launch/${encodeURIComponent(h(20)) || "x"}`,
        ]),
      }),
  ];

  return {
    next() {
      // About one in four requests is signed after its mutation (and may be accepted).
      return rng.chance(0.25) ? rng.pick(presigned)() : rng.pick(postsigned)();
    },
    accepted(payload) {
      if (replays.length < 50) replays.push(payload);
    },
  };
}

export interface OutcomeTarget {
  url: string;
  key: string;
  secret: string;
  clock: Clock;
  /** The sourcedids of a student, of a user not enrolled, and of another activity. */
  sourcedIds: string[];
}

export function outcomeFuzzer(rng: Rng, target: OutcomeTarget, opts: { nul: boolean }): LaunchFuzz {
  const path = new URL(target.url).pathname;
  const replays: Array<{ payload: string | Buffer; headers: Record<string, string> }> = [];
  const h = (max?: number) => hostile(rng, max, opts.nul);
  const message = (): string => {
    const sourcedId = rng.pick(target.sourcedIds);
    const messageIdentifier = rng.hex(8);
    const r = rng.next();
    if (r < 0.6)
      return buildReplaceResultRequest({ sourcedId, messageIdentifier, score: rng.int(101) / 100 });
    if (r < 0.8) return buildReadResultRequest({ sourcedId, messageIdentifier });
    return buildDeleteResultRequest({ sourcedId, messageIdentifier });
  };
  const signFor = (
    body: string | Buffer,
    o: { key?: string; secret?: string; signedBody?: string | Buffer } = {},
  ) =>
    signBodyHashRequest(
      {
        url: target.url,
        body: o.signedBody ?? body,
        consumerKey: o.key ?? target.key,
        secret: o.secret ?? target.secret,
      },
      { clock: target.clock, nonce: () => nonce(rng, opts.nul) },
    ).authorization;
  const req = (
    kind: string,
    mustRefuse: boolean,
    payload: string | Buffer,
    headers: Record<string, string>,
  ): FuzzRequest => ({
    kind,
    mustRefuse,
    method: "POST",
    url: path,
    headers,
    payload,
  });
  const xml = "application/xml";
  const signed = (kind: string, body: string | Buffer) =>
    req(kind, false, body, {
      "content-type": rng.pick([xml, "text/xml", "application/xml; charset=utf-8"]),
      authorization: signFor(body),
    });
  const mutate = (s: string): string => {
    const i = rng.int(s.length + 1);
    switch (rng.int(5)) {
      case 0:
        return s.slice(0, i) + h(6) + s.slice(i);
      case 1:
        return s.slice(0, i) + s.slice(i + 1 + rng.int(8));
      case 2:
        return s.slice(0, i);
      case 3: {
        const j = rng.int(s.length + 1);
        return s.slice(0, Math.max(i, j)) + s.slice(Math.min(i, j));
      }
      default:
        return (
          s.slice(0, i) +
          rng.pick(["&e;", "&#0;", "&#xD800;", "&amp", "]]>", "<![CDATA[", "</x>", "<a>"]) +
          s.slice(i)
        );
    }
  };
  const changedFrom = (original: string, m: string) => (m === original ? `${m} ` : m);
  const withText = (tag: string, text: string) =>
    message().replace(new RegExp(`<${tag}>[^<]*</${tag}>`), `<${tag}>${text}</${tag}>`);

  const presigned: Array<() => FuzzRequest> = [
    () => signed("valid", message()),
    () => signed("signed: mutated XML", mutate(message())),
    () => signed("signed: mutated XML, twice", mutate(mutate(message()))),
    () =>
      signed(
        "signed: hostile score",
        withText("textString", rng.pick(["-0.1", "1.01", "NaN", "Infinity", "0,5", "1e400", ".", "", h(20)])),
      ),
    () =>
      signed(
        "signed: hostile sourcedId",
        withText(
          "sourcedId",
          rng.pick([h(40), "1:1:x", `${rng.int(1e6)}:${rng.int(1e6)}:${"A".repeat(43)}`, "x".repeat(5000)]),
        ),
      ),
    () => signed("signed: hostile message identifier", withText("imsx_messageIdentifier", h(300))),
    () => {
      const m = message();
      const body = m.match(/<imsx_POXBody>[\s\S]*<\/imsx_POXBody>/)?.[0] ?? "";
      const inner = body.replace(/<\/?imsx_POXBody>/g, "");
      return signed("signed: two operations", m.replace("</imsx_POXBody>", `${inner}</imsx_POXBody>`));
    },
    () =>
      signed(
        "signed: operation renamed",
        message().replace(
          /(<\/?)(replace|read|delete)Result(Request>)/g,
          `$1${rng.pick(["replaceResults", "readPerson", "x", "deleteresult"])}$3`,
        ),
      ),
    () =>
      signed(
        "signed: non-UTF-8 bytes",
        Buffer.concat([
          Buffer.from(message().slice(0, 200)),
          Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
          Buffer.from(message().slice(200)),
        ]),
      ),
  ];
  const postsigned: Array<() => FuzzRequest> = [
    () => {
      const decl = rng.pick([
        '<!DOCTYPE x [<!ENTITY big "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">]>',
        "<!DOCTYPE x SYSTEM 'file:///etc/passwd'>",
        '<!ENTITY e "x">',
        '<!DOCTYPE x [<!ENTITY a "&b;&b;"><!ENTITY b "&c;&c;"><!ENTITY c "x">]>',
      ]);
      const m = message()
        .replace("?>", `?>${decl}`)
        .replace(/<imsx_messageIdentifier>[^<]*</, "<imsx_messageIdentifier>&big;<");
      return { ...signed("entity declaration", m), mustRefuse: true };
    },
    () => {
      const body = message();
      return req("body changed after signing", true, changedFrom(body, mutate(body)), {
        "content-type": xml,
        authorization: signFor(body),
      });
    },
    () => {
      const body = message();
      return req("bad body hash", true, body, {
        "content-type": xml,
        authorization: signFor(body, { signedBody: message() }),
      });
    },
    () =>
      req("wrong secret", true, message(), {
        "content-type": xml,
        authorization: signFor("", { secret: h(20) || "s" }),
      }),
    () => {
      const body = message();
      return req("unknown consumer key", true, body, {
        "content-type": xml,
        authorization: signFor(body, { key: headerSafe(h(20)) || "k" }),
      });
    },
    () => req("no Authorization", true, message(), { "content-type": xml }),
    () => {
      const body = message();
      const a = signFor(body);
      const parts = a.replace(/^OAuth /, "").split(", ");
      const i = 1 + rng.int(parts.length - 1); // not realm="", which is not signed
      const choice = rng.int(4);
      if (choice === 0) parts.splice(i, 1);
      else if (choice === 1) parts.push(parts[i] ?? "");
      else if (choice === 2) parts[i] = headerSafe(h(30));
      else parts[i] = (parts[i] ?? "").replace(/"[^"]*"/, `"${encodeURIComponent(h(10))}"`);
      return req("Authorization garbled", true, body, {
        "content-type": xml,
        authorization: `${rng.pick(["OAuth ", "oauth ", "Bearer ", ""])}${parts.join(rng.pick([", ", ",", " "]))}`,
      });
    },
    () => {
      const body = message();
      const a = signFor(body).replace(
        /oauth_timestamp="\d+"/,
        `oauth_timestamp="${rng.pick(["0", "-5", "1", "99999999999999999999", "abc", String(Math.floor(target.clock.now().getTime() / 1000) - 1000)])}"`,
      );
      return req("bad timestamp", true, body, { "content-type": xml, authorization: a });
    },
    () => {
      const body = message();
      const type = rng.pick([
        "application/json",
        "text/plain",
        FORM,
        "multipart/form-data; boundary=x",
        "xml",
        "application/xmlx",
        "",
      ]);
      return req("wrong content type", true, body, {
        ...(type ? { "content-type": type } : {}),
        authorization: signFor(body),
      });
    },
    () => {
      const body = message().replace(
        "</imsx_POXHeader>",
        `<x>${"x".repeat(64 * 1024 + rng.int(100_000))}</x></imsx_POXHeader>`,
      );
      return req("oversize body", true, body, { "content-type": xml, authorization: signFor(body) });
    },
    () => {
      const bytes = Buffer.alloc(rng.int(3000));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      return req("garbage body", true, bytes, { "content-type": xml, authorization: signFor(bytes) });
    },
    () => {
      if (replays.length === 0) return req("no Authorization", true, message(), { "content-type": xml });
      const r = rng.pick(replays);
      return req("replayed message", true, r.payload, r.headers);
    },
  ];
  let last: FuzzRequest | undefined;
  return {
    next() {
      last = rng.chance(0.25) ? rng.pick(presigned)() : rng.pick(postsigned)();
      return last;
    },
    accepted(payload) {
      if (last && replays.length < 50) replays.push({ payload, headers: last.headers });
    },
  };
}
