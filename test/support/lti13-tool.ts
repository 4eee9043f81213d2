// A minimal LTI 1.3 tool in a real HTTP server, for the tests of Pluto as a platform (the launch and Deep
// Linking): its /login answers a login initiation with the authentication request, as a redirect back to
// the issuer's /lti/auth; its /jwks serves the tool's public key when one is given; its /launch (the
// redirection URI) answers with `launch`'s page when one is given (the browser tests' tool pages).
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";

export interface Lti13TestTool {
  origin: string;
  /** state → nonce of the logins it started. */
  pending: Map<string, string>;
  close(): Promise<void>;
}

export async function startLti13Tool(
  opts: {
    jwks?: JWK[];
    /** 127.0.0.1 unless given (127.0.0.2: another site than Pluto's, for the browser tests). */
    host?: string;
    /** The page the redirection URI answers the form post of an id_token with (the posted fields). */
    launch?: (form: URLSearchParams) => Promise<string>;
  } = {},
): Promise<Lti13TestTool> {
  const pending = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const p = new URLSearchParams(req.method === "POST" ? body : url.search);
      if (url.pathname === "/jwks" && opts.jwks) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: opts.jwks }));
        return;
      }
      if (url.pathname === "/launch" && req.method === "POST" && opts.launch) {
        opts.launch(p).then(
          (html) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html),
          (e: unknown) => res.writeHead(400, { "content-type": "text/plain" }).end(String(e)),
        );
        return;
      }
      if (url.pathname === "/login") {
        // LTI 1.3 Core §4.1 / Security Framework §5.1.1.2: the authentication request, by redirect.
        const state = randomUUID();
        const nonce = randomUUID();
        pending.set(state, nonce);
        const auth = new URL(`${p.get("iss")}/lti/auth`);
        for (const [k, v] of Object.entries({
          scope: "openid",
          response_type: "id_token",
          response_mode: "form_post",
          prompt: "none",
          client_id: p.get("client_id") ?? "",
          redirect_uri: `${origin}/launch`,
          login_hint: p.get("login_hint") ?? "",
          lti_message_hint: p.get("lti_message_hint") ?? "",
          state,
          nonce,
        }))
          auth.searchParams.set(k, v);
        res.writeHead(302, { location: auth.toString() }).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    pending,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
