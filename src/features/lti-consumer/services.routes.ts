// The endpoints tools call, one file per resource: Basic Outcomes (outcomes.routes.ts) and memberships
// (memberships.routes.ts); AGS line items, scores and results, NRPS and the token endpoint go beside them.
// Each resource registers in a scope of its own through registerToolService: tools authenticate with
// signatures, not cookies (csrf: false), the handler gets the exact body bytes whatever their type, and every
// failure is answered in the resource's own envelope — even a body that is too large or cannot be read —
// from an error handler scoped to that resource.
import type { FastifyInstance, FastifyReply } from "fastify";

/** An answer in a resource's envelope. */
export interface ServiceReply {
  status: number;
  /** The document, in the resource's media type. */
  body: string;
}

const XML = "application/xml; charset=utf-8";

/** Sends a POX or memberships document; a 401 names the OAuth scheme. */
export function sendXml(reply: FastifyReply, r: ServiceReply) {
  if (r.status === 401) reply.header("www-authenticate", 'OAuth realm=""');
  return reply.status(r.status).type(XML).send(r.body);
}

export interface ToolService {
  /** The largest body accepted, in bytes. */
  bodyLimit: number;
  /** The envelope for a request refused before its handler ran, with the status Fastify chose. */
  refused(status: number): ServiceReply;
  /** Adds the resource's routes to its scope. */
  routes(scope: FastifyInstance): void;
}

export async function registerToolService(app: FastifyInstance, service: ToolService) {
  await app.register(async (scope) => {
    // The exact bytes, whatever the type: oauth_body_hash is computed over them, and the form's own parser
    // would lose repeated names.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: service.bodyLimit }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler(async (error, request, reply) => {
      const e = error as { statusCode?: number; code?: string };
      const status = e.statusCode === 413 ? 413 : e.statusCode === 415 ? 415 : (e.statusCode ?? 500);
      if (status >= 500) request.log.error({ err: error }, "LTI service error");
      else request.log.info({ status, code: e.code }, "LTI service request rejected");
      return sendXml(reply, service.refused(status));
    });
    service.routes(scope);
  });
}
