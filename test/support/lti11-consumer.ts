// An independent LTI 1.1 consumer for tests: launches are signed with the `oauth-1.0a` package,
// not with Pluto's own OAuth code, and a fake consumer HTTP server receives grade sync (outcomes)
// and answers memberships requests, checking signatures with `oauth-1.0a` too.
import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OAuth from "oauth-1.0a";

function oauth(key: string, secret: string) {
  return new OAuth({
    consumer: { key, secret },
    signature_method: "HMAC-SHA1",
    hash_function: (base, k) => createHmac("sha1", k).update(base).digest("base64"),
  });
}

/** Signs a launch POST with oauth-1.0a; returns every form field to post. */
export function signLaunch(
  url: string,
  key: string,
  secret: string,
  params: Record<string, string>,
  opts: { timestamp?: number; nonce?: string } = {},
): Record<string, string> {
  const o = oauth(key, secret);
  const data: Record<string, string> = {
    ...params,
    oauth_consumer_key: key,
    oauth_signature_method: "HMAC-SHA1",
    oauth_version: "1.0",
  };
  data.oauth_timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  data.oauth_nonce = opts.nonce ?? createHash("sha1").update(String(Math.random())).digest("hex");
  data.oauth_signature = o.getSignature(
    { url, method: "POST", data },
    "",
    data as unknown as OAuth.Authorization,
  );
  return data;
}

export function baseLaunch(over: Record<string, string> = {}): Record<string, string> {
  return {
    lti_message_type: "basic-lti-launch-request",
    lti_version: "LTI-1p0",
    resource_link_id: "rl-1",
    resource_link_title: "Our published course",
    user_id: "remote-42",
    roles: "Learner",
    lis_person_name_given: "Ada",
    lis_person_name_family: "Lovelace",
    lis_person_name_full: "Ada Lovelace",
    lis_person_contact_email_primary: "ada@consumer.example",
    context_id: "ctx-1",
    context_title: "Consumer course",
    launch_presentation_document_target: "iframe",
    launch_presentation_return_url: "http://consumer.example/return",
    tool_consumer_instance_guid: "consumer.example",
    ...over,
  };
}

export interface Received {
  path: string;
  authorization: string;
  body: string;
  /** The signature and body hash checked out with oauth-1.0a. */
  valid: boolean;
}

/** Verifies a POX request's Authorization header and oauth_body_hash with oauth-1.0a. */
export function verifyPox(url: string, secret: string, authorization: string, body: string): boolean {
  const params: Record<string, string> = {};
  for (const m of authorization.replace(/^OAuth\s+/i, "").matchAll(/([a-z_]+)="([^"]*)"/g)) {
    if (m[1] && m[1] !== "realm") params[m[1]] = decodeURIComponent(m[2] ?? "");
  }
  const sent = params.oauth_signature;
  delete params.oauth_signature;
  const expectedHash = createHash("sha1").update(body).digest("base64");
  if (params.oauth_body_hash !== expectedHash) return false;
  const o = oauth(params.oauth_consumer_key ?? "", secret);
  const sig = o.getSignature(
    { url, method: "POST", data: params },
    "",
    params as unknown as OAuth.Authorization,
  );
  return sig === sent;
}

export interface FakeConsumer {
  url: string;
  received: Received[];
  /** What the outcome endpoint answers: "success" (default), "failure", or an HTTP status to fail with. */
  mode: "success" | "failure" | 500;
  /** The memberships endpoint answers this document. */
  membersXml: string;
  /** The outcome endpoint answers this many milliseconds after a request arrived (a slow consumer). */
  delayMs: number;
  /** While set, the outcome endpoint answers only once it resolves (a consumer the test holds up). */
  gate: Promise<void> | undefined;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A consumer's outcome (/outcomes) and memberships (/memberships) endpoints on 127.0.0.1. */
export async function startFakeConsumer(secret: string): Promise<FakeConsumer> {
  const fc: FakeConsumer = {
    url: "",
    received: [],
    mode: "success",
    membersXml: "",
    delayMs: 0,
    gate: undefined,
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = `${fc.url}${req.url}`;
    if (req.url === "/outcomes") {
      const authorization = String(req.headers.authorization ?? "");
      const valid = verifyPox(url, secret, authorization, body);
      fc.received.push({ path: req.url, authorization, body, valid });
      if (fc.delayMs > 0) await new Promise((r) => setTimeout(r, fc.delayMs));
      if (fc.gate) await fc.gate;
      if (fc.mode === 500) {
        res.writeHead(500).end("down");
        return;
      }
      const ok = valid && fc.mode === "success";
      const ref = /<imsx_messageIdentifier>([^<]*)</.exec(body)?.[1] ?? "";
      res
        .writeHead(200, { "content-type": "application/xml" })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"><imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>r1</imsx_messageIdentifier><imsx_statusInfo><imsx_codeMajor>${ok ? "success" : "failure"}</imsx_codeMajor><imsx_severity>status</imsx_severity><imsx_description>${ok ? "Score recorded" : "Refused"}</imsx_description><imsx_messageRefIdentifier>${ref}</imsx_messageRefIdentifier><imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier></imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader><imsx_POXBody><replaceResultResponse/></imsx_POXBody></imsx_POXEnvelopeResponse>`,
        );
      return;
    }
    if (req.url === "/memberships") {
      const params = Object.fromEntries(new URLSearchParams(body));
      const sent = params.oauth_signature;
      delete params.oauth_signature;
      const sig = oauth(params.oauth_consumer_key ?? "", secret).getSignature(
        { url, method: "POST", data: params },
        "",
        params as unknown as OAuth.Authorization,
      );
      fc.received.push({ path: req.url, authorization: "", body, valid: sig === sent });
      if (sig !== sent) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/xml" }).end(fc.membersXml);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  fc.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fc.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fc;
}

export function membersXml(
  members: Array<{
    userId: string;
    roles: string;
    given: string;
    family: string;
    email: string;
    sourcedid?: string;
  }>,
): string {
  const m = members
    .map(
      (x) =>
        `<member><user_id>${x.userId}</user_id><roles>${x.roles}</roles><person_name_given>${x.given}</person_name_given><person_name_family>${x.family}</person_name_family><person_name_full>${x.given} ${x.family}</person_name_full><person_contact_email_primary>${x.email}</person_contact_email_primary>${x.sourcedid ? `<lis_result_sourcedid>${x.sourcedid}</lis_result_sourcedid>` : ""}</member>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?><message_response><lti_message_type>basic-lis-readmembershipsforcontext</lti_message_type><statusinfo><codemajor>Success</codemajor><severity>Status</severity><codeminor>fullsuccess</codeminor></statusinfo><memberships>${m}</memberships></message_response>`;
}
