// The endpoints tools call, one file per resource: Basic Outcomes (outcomes.routes.ts) and memberships
// (memberships.routes.ts); AGS line items, scores and results, NRPS and the token endpoint go beside them.
// Each resource registers in a scope of its own through registerToolService: tools authenticate with
// signatures, not cookies (csrf: false), the handler gets the exact body bytes whatever their type, and every
// failure is answered in the resource's own envelope — even a body that is too large or cannot be read —
// from an error handler scoped to that resource. Statuses come from src/http/lti-errors.ts.
import type { FastifyInstance } from "fastify";
import { isDatabaseUnavailable } from "../../../db/errors.js";
import { sendLtiXml } from "../../../http/lti-errors.js";

/**
 * Why a request was refused before the resource's handler ran, or failed in it: `unavailable` when the
 * database could not answer (worth a retry).
 */
export type RefusedBeforeHandler =
  | "too_large"
  | "unsupported_media_type"
  | "invalid_request"
  | "unavailable"
  | "internal";

export interface ToolService {
  /** The largest body accepted, in bytes. */
  bodyLimit: number;
  /** Answers, in the resource's envelope, a request refused before its handler ran. */
  refused(reason: RefusedBeforeHandler): { status: number; xml: string };
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
      const reason: RefusedBeforeHandler =
        e.statusCode === 413
          ? "too_large"
          : e.statusCode === 415
            ? "unsupported_media_type"
            : e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500
              ? "invalid_request"
              : isDatabaseUnavailable(error)
                ? "unavailable"
                : "internal";
      if (reason === "internal") request.log.error({ err: error }, "LTI service error");
      else if (reason === "unavailable")
        request.log.warn(
          { dbError: { code: e.code, message: (error as Error).message } },
          "database unavailable",
        );
      else request.log.info({ reason, code: e.code }, "LTI service request rejected");
      const r = service.refused(reason);
      return sendLtiXml(reply, r.status, r.xml);
    });
    service.routes(scope);
  });
}
