// The Assignment and Grade Services endpoints (ags.service.ts does the work) under /lti/ags/{contextId}:
// lineitems (GET, POST), lineitems/{id} (GET, PUT, DELETE), lineitems/{id}/scores (POST) and
// lineitems/{id}/results (GET). In a scope of their own: the body is read as bytes whatever its type (the
// service checks the media type), and every refusal, even one before the handler (too large, unreadable),
// is a JSON error {error, error_description, field} with the status src/http/lti-errors.ts gives its
// reason; a bad Bearer token carries its WWW-Authenticate challenge. Never a stack trace.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../../../app/context.js";
import { isDatabaseUnavailable } from "../../../db/errors.js";
import { AGS_STATUS } from "../../../http/lti-errors.js";
import { addApiOperation } from "../../../http/openapi.js";
import { AgsError, BearerTokenError } from "../../../lti/errors.js";
import {
  AGS_BODY_LIMIT,
  AGS_PATH,
  type AgsAnswer,
  type AgsReason,
  AgsRefusal,
  type AgsRequest,
  createLineItem,
  deleteLineItem,
  getLineItem,
  listLineItemsOf,
  listResults,
  postScore,
  updateLineItem,
} from "./ags.service.js";

const ERROR_TEXT: Partial<Record<AgsReason, string>> = {
  too_large: "The request body is too large.",
  invalid_request: "The request could not be read.",
  unavailable: "The database is unavailable. Please try again in a moment.",
  internal: "The request could not be processed.",
};

function sendError(
  reply: FastifyReply,
  reason: AgsReason,
  description: string,
  field?: string,
  challenge?: string,
) {
  if (challenge !== undefined) reply.header("www-authenticate", challenge);
  if (reason === "unavailable") reply.header("retry-after", "5");
  return reply
    .status(AGS_STATUS[reason])
    .type("application/json; charset=utf-8")
    .send({ error: reason, error_description: description, ...(field === undefined ? {} : { field }) });
}

type Params = { contextId: string; lineItemId?: string };

function requestOf(request: FastifyRequest): AgsRequest {
  const params = request.params as Params;
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries((request.query ?? {}) as Record<string, unknown>))
    query[k] = Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v);
  return {
    authorization: request.headers.authorization,
    contentType: request.headers["content-type"],
    accept: request.headers.accept,
    body: Buffer.isBuffer(request.body) ? request.body : undefined,
    query,
    contextId: params.contextId,
    ...(params.lineItemId === undefined ? {} : { lineItemId: params.lineItemId }),
  };
}

const LINE_ITEMS = `${AGS_PATH}/{contextId}/lineitems`;
const LINE_ITEM = `${LINE_ITEMS}/{lineItemId}`;
const ERRORS =
  "Errors are JSON {error, error_description, field}: 400 ags_invalid_line_item / ags_invalid_score / ags_invalid_query / invalid_json (the field named), 401 bearer_invalid_token (with WWW-Authenticate), 403 bearer_insufficient_scope, 404 context_not_found / line_item_not_found (another tool's line items are not found) / resource_link_not_found, 406 ags_not_acceptable, 415 ags_unsupported_media_type.";
const op = (
  method: "get" | "post" | "put" | "delete",
  path: string,
  summary: string,
  responses: Record<number, string>,
) =>
  addApiOperation({
    method,
    path,
    siteRoot: true,
    tag: "LTI services",
    summary: `${summary} ${ERRORS}`,
    responses,
  });
op(
  "get",
  LINE_ITEMS,
  "AGS 2.0 line items container of a course (scope lineitem or lineitem.readonly): the token's tool's line items, filters resource_link_id, resource_id, tag, limit (and page); Link rel=\"next\" carries them.",
  {
    200: "application/vnd.ims.lis.v2.lineitemcontainer+json: an array of line items",
  },
);
op(
  "post",
  LINE_ITEMS,
  "Creates a line item (scope lineitem; application/vnd.ims.lis.v2.lineitem+json): a grade item in the course's gradebook, attached to resourceLinkId when given.",
  {
    201: "the created line item with its id URL",
  },
);
op("get", LINE_ITEM, "One line item (scope lineitem or lineitem.readonly).", { 200: "the line item" });
op(
  "put",
  LINE_ITEM,
  "Replaces a line item (scope lineitem); the resource link stays; a new scoreMaximum of a tool's own column rescales its grades.",
  {
    200: "the line item as applied",
  },
);
op(
  "delete",
  LINE_ITEM,
  "Deletes a tool's own line item with its grades (scope lineitem); 403 line_item_not_deletable for an activity's own item.",
  {
    204: "deleted",
  },
);
op(
  "post",
  `${LINE_ITEM}/scores`,
  "Posts a score (scope score; application/vnd.ims.lis.v1.score+json): rescaled to the grade item's maximum (may exceed it), cleared without scoreGiven, pending unless FullyGraded, comment = student-visible feedback. 409 stale_timestamp when the stored score's timestamp is the same or later (nothing changes); 422 user_not_gradable.",
  {
    204: "applied",
  },
);
op(
  "get",
  `${LINE_ITEM}/results`,
  'The line item\'s results (scope result.readonly): user_id and limit filters, Link rel="next".',
  {
    200: "application/vnd.ims.lis.v2.resultcontainer+json: an array of results",
  },
);

export async function registerAgsRoutes(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: AGS_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler(async (error, request, reply) => {
      const e = error as { statusCode?: number; code?: string };
      let reason: AgsReason;
      if (e.statusCode === 413) reason = "too_large";
      else if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)
        reason = "invalid_request";
      else if (isDatabaseUnavailable(error)) reason = "unavailable";
      else reason = "internal";
      if (reason === "internal") request.log.error({ err: error, event: "lti_ags_failed" }, "LTI AGS error");
      else request.log.info({ event: "lti_ags_refused", reason, code: e.code }, "LTI AGS request refused");
      return sendError(reply, reason, ERROR_TEXT[reason] ?? "The request could not be processed.");
    });

    const handle =
      (work: (ctx: AppContext, req: AgsRequest) => Promise<AgsAnswer>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const answer = await work(ctx, requestOf(request));
          if (answer.link !== undefined) reply.header("link", answer.link);
          if (answer.body === undefined) return reply.status(204).send();
          return reply
            .status(answer.created ? 201 : 200)
            .type(answer.mediaType ?? "application/json")
            .send(JSON.stringify(answer.body));
        } catch (err) {
          let refusal: { reason: AgsReason; message: string; field?: string; challenge?: string };
          if (err instanceof AgsRefusal)
            refusal = { reason: err.reason, message: err.message, field: err.field };
          else if (err instanceof AgsError)
            refusal = { reason: err.code, message: err.message, field: err.field };
          else if (err instanceof BearerTokenError)
            refusal = { reason: err.code, message: err.message, challenge: err.challenge };
          else throw err;
          request.log.info(
            {
              event: "lti_ags_refused",
              reason: err instanceof BearerTokenError ? err.reason : refusal.reason,
              error: refusal.reason,
              field: refusal.field,
              url: request.url.split("?")[0],
            },
            "LTI AGS request refused",
          );
          return sendError(reply, refusal.reason, refusal.message, refusal.field, refusal.challenge);
        }
      };

    const base = `${AGS_PATH}/:contextId/lineitems`;
    const opts = { config: { csrf: false }, bodyLimit: AGS_BODY_LIMIT };
    scope.get(base, opts, handle(listLineItemsOf));
    scope.post(base, opts, handle(createLineItem));
    scope.get(`${base}/:lineItemId`, opts, handle(getLineItem));
    scope.put(`${base}/:lineItemId`, opts, handle(updateLineItem));
    scope.delete(`${base}/:lineItemId`, opts, handle(deleteLineItem));
    scope.post(`${base}/:lineItemId/scores`, opts, handle(postScore));
    scope.get(`${base}/:lineItemId/results`, opts, handle(listResults));
  });
}
