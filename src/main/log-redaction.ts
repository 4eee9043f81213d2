// What of a request reaches the log. A URL can carry a secret: an API token or OAuth signature in the
// query string, or the one-time hand-off token of an LTI launch in the path
// (/enrol/lti/continue/<token>, /enrol/lti/handoff/<token>) or the token of a Dynamic Registration URL
// (/lti/tool/register/<token>). Their values are replaced by "[redacted]" before the line is written, in
// either log format.

export const REDACTED = "[redacted]";

/** Query parameters whose value is a secret (compared without case). */
const SECRET_PARAMS = new Set([
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "api_key",
  "password",
  "secret",
  "oauth_signature",
  "client_assertion",
  // LTI Dynamic Registration: the single-use token in a tool's registration URL.
  "registration_token",
]);

/** Paths whose last segment is a one-time token (a launch's hand-off; a Dynamic Registration URL). */
const SECRET_PATHS = [/^(\/enrol\/lti\/(?:continue|handoff)\/)[^/?#]+/, /^(\/lti\/tool\/register\/)[^/?#]+/];

function paramName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " ")).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** The URL (path and query, as in a request line) with every secret value replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  let path = q < 0 ? url : url.slice(0, q);
  for (const re of SECRET_PATHS) path = path.replace(re, `$1${REDACTED}`);
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0 || !SECRET_PARAMS.has(paramName(pair.slice(0, eq)))) return pair;
      return `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join("&");
  return `${path}?${query}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** pino serializers: the request as Fastify logs it, with its URL redacted; a bare `url` too. */
export const serializers = {
  req(req: LoggedRequest) {
    return {
      method: req.method,
      url: typeof req.url === "string" ? redactUrl(req.url) : req.url,
      host: req.host,
      remoteAddress: req.ip,
      remotePort: req.socket?.remotePort,
    };
  },
  url(url: unknown) {
    return typeof url === "string" ? redactUrl(url) : url;
  },
};
