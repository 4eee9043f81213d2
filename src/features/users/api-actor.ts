// Who calls the JSON API: only an `Authorization: Bearer` token counts there, never a session
// cookie, so a cross-site form cannot act through a logged-in browser.
import type { FastifyRequest } from "fastify";
import type { Actor } from "../../app/context.js";
import { ForbiddenError, UnauthenticatedError } from "../../shared/errors.js";

export function requireApiActor(request: FastifyRequest): Actor {
  if (!request.viaToken || !request.actor) {
    throw new UnauthenticatedError("Send a valid API token in the Authorization: Bearer header");
  }
  return request.actor;
}

export function requireApiSiteAdmin(request: FastifyRequest): Actor {
  const actor = requireApiActor(request);
  if (!actor.siteAdmin) throw new ForbiddenError("Only site administrators can do that");
  return actor;
}
